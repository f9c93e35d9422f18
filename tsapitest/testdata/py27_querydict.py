"""Writes py27_querydict.json: the next/previous link parameters that
tastypie 0.11.1 writes on Django 1.6 under CPython 2.7, for random queries.

The steps are those of django.http.QueryDict and tastypie's
Paginator._generate_uri, done on plain dicts (a QueryDict is a dict
subclass): fill in parse order, deep-copy, delete limit and offset, add them
back from the literal {'limit': ..., 'offset': ...}, urlencode each pair.

    PYENV_VERSION=2.7.18 python2 py27_querydict.py > py27_querydict.json
"""
import sys, random, json
from collections import OrderedDict
# emulate Django 1.6 QueryDict flow with plain dicts
def flow(pairs, limit, offset):
    d = {}
    order = []
    for k, v in pairs:
        if k not in d:
            d[k] = []
        d[k].append(v)
    c = {}
    for k, v in d.items():
        c[k] = list(v)
    c.pop('limit', None); c.pop('offset', None)
    for k, v in {'limit': limit, 'offset': offset}.items():
        c.setdefault(k, []).append(str(v))
    import urllib
    out = []
    for k, lst in c.items():
        for v in lst:
            out.append(urllib.urlencode({k: v}))
    return '&'.join(out)
random.seed(1)
cases = []
names = ['format','limit','offset','state','state__in','id__lt','run_level','username','api_key','grid_engine_jobid','starttime__gte','a','b','c','order_by','x~y','q','pluginresult','endtime__isnull','config__contains']
for n in range(300):
    k = random.randint(0, 12)
    pairs = [(random.choice(names), random.choice(['1','Queued,Started','a b','~x','\xc3\xa9'])) for _ in range(k)]
    cases.append({'pairs': pairs, 'out': flow(pairs, 20, 40)})
print(json.dumps(cases))
