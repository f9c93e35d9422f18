#!/usr/bin/python3
"""The Torrent Suite's own client style: python3-requests, sequential,
following meta.next, decoding every page.

    requests_client.py URL LIMIT USER PASSWORD

prints the number of jobs read.
"""
import sys

import requests


def main(base, limit, user, password):
    s = requests.Session()
    s.auth = (user, password)
    url = base.rstrip("/") + "/rundb/api/v1/PluginResultJob/?limit=%d" % limit
    host = base.rstrip("/")
    n = 0
    while url:
        r = s.get(url, timeout=120)
        r.raise_for_status()
        page = r.json()
        n += len(page["objects"])
        nxt = page["meta"].get("next")
        url = host + nxt if nxt else None
    print(n)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4])
