"""Make Debian's django-tastypie 0.13.3 importable under Debian's Django 3.2.

tastypie 0.13 was written for Django 1.8/1.9 and uses names that Django 2.x/3.x
removed.  Rather than editing tastypie's installed files, we put those names
back before tastypie is imported:

  early()  (run from tsref/__init__.py, i.e. before settings are even read)
    * django.core.urlresolvers      -> alias of django.urls
    * django.utils.six (+ .moves)   -> the standalone ``six`` package
    * django.utils.encoding.python_2_unicode_compatible -> no-op decorator
    * django.db.models.sql.constants.QUERY_TERMS and Query.query_terms
      (the lookup names tastypie recognises; Django 1.6's set, which is what
      the Torrent Server's Django had)
    * Field.rel                     -> Field.remote_field
    * ForeignKey / OneToOneField without ``on_delete`` -> CASCADE
      (tastypie's own ApiKey model and migration omit it)

  late()   (run from the app's AppConfig.ready(), once models can be imported)
    * user.is_authenticated / is_anonymous callable again (tastypie 0.13 calls
      ``request.user.is_authenticated()``), as Django 1.10/1.11's CallableBool.
"""
import sys

_EARLY_DONE = False
_LATE_DONE = False

# Django 1.6's django.db.models.sql.constants.QUERY_TERMS (the Torrent Server's
# Django).  tastypie only treats the last ``__part`` of a filter as a lookup
# if it is in this set.
QUERY_TERMS = {
    "exact", "iexact", "contains", "icontains", "gt", "gte", "lt", "lte", "in",
    "startswith", "istartswith", "endswith", "iendswith", "range", "year",
    "month", "day", "week_day", "hour", "minute", "second", "isnull", "search",
    "regex", "iregex",
}


def early():
    global _EARLY_DONE
    if _EARLY_DONE:
        return
    _EARLY_DONE = True

    import six
    import django.utils
    import django.urls

    # django.core.urlresolvers
    sys.modules.setdefault("django.core.urlresolvers", django.urls)
    import django.core
    django.core.urlresolvers = django.urls

    # django.utils.six and django.utils.six.moves.*
    sys.modules.setdefault("django.utils.six", six)
    django.utils.six = six
    sys.modules.setdefault("django.utils.six.moves", six.moves)
    for sub in ("urllib", "urllib.parse", "urllib.request", "urllib.error"):
        try:
            mod = __import__("six.moves." + sub, fromlist=["x"])
        except ImportError:  # pragma: no cover
            continue
        sys.modules.setdefault("django.utils.six.moves." + sub, mod)

    # python_2_unicode_compatible
    import django.utils.encoding as enc
    if not hasattr(enc, "python_2_unicode_compatible"):
        enc.python_2_unicode_compatible = lambda klass: klass

    # QUERY_TERMS and Query.query_terms
    import django.db.models.sql.constants as sqlc
    if not hasattr(sqlc, "QUERY_TERMS"):
        sqlc.QUERY_TERMS = frozenset(QUERY_TERMS)
    from django.db.models.sql.query import Query
    if not hasattr(Query, "query_terms"):
        Query.query_terms = property(lambda self: set(QUERY_TERMS))

    # Field.rel
    from django.db.models.fields import Field
    if not hasattr(Field, "rel"):
        Field.rel = property(lambda self: self.remote_field)

    # ForeignKey / OneToOneField without on_delete
    from django.db import models
    for cls in (models.ForeignKey, models.OneToOneField):
        _default_on_delete(cls)


def _default_on_delete(cls):
    orig = cls.__init__
    if getattr(orig, "_tsref_compat", False):
        return

    def __init__(self, to, on_delete=None, *args, **kwargs):
        if on_delete is None:
            from django.db.models import CASCADE
            on_delete = CASCADE
        orig(self, to, on_delete, *args, **kwargs)

    __init__._tsref_compat = True
    cls.__init__ = __init__


class CallableBool:
    """A bool that can also be called, like Django 1.10's CallableBool."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = bool(value)

    def __bool__(self):
        return self.value

    def __call__(self):
        return self.value

    def __eq__(self, other):
        return self.value == bool(other)

    def __hash__(self):
        return hash(self.value)

    def __repr__(self):
        return "CallableBool(%r)" % self.value


CallableTrue = CallableBool(True)
CallableFalse = CallableBool(False)


def late():
    global _LATE_DONE
    if _LATE_DONE:
        return
    _LATE_DONE = True
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

    AbstractBaseUser.is_authenticated = property(lambda self: CallableTrue)
    AbstractBaseUser.is_anonymous = property(lambda self: CallableFalse)
    AnonymousUser.is_authenticated = property(lambda self: CallableFalse)
    AnonymousUser.is_anonymous = property(lambda self: CallableTrue)
