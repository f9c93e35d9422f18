from django.apps import AppConfig


class RundbConfig(AppConfig):
    # Torrent Suite's app is "iondb.rundb"; keeping the label "rundb" gives the
    # same permission names (rundb.change_pluginresultjob, ...).
    name = "tsref.rundb"
    label = "rundb"
    default_auto_field = "django.db.models.AutoField"

    def ready(self):
        from tsref import compat

        compat.late()
        _postgres_like_lookups()
        from django.db.backends.signals import connection_created

        connection_created.connect(_sqlite_pragmas)


def _sqlite_pragmas(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL;")
            cursor.execute("PRAGMA synchronous=NORMAL;")
            # PostgreSQL's LIKE is case-sensitive; SQLite's is not by default.
            cursor.execute("PRAGMA case_sensitive_like=ON;")


def _postgres_like_lookups():
    """Make SQLite's text lookups behave like the Torrent Server's PostgreSQL:
    contains/startswith/endswith case-sensitive (PRAGMA above), the i*
    variants compare UPPER() of both sides (what Django's PostgreSQL backend
    does)."""
    from django.db.backends.sqlite3.base import DatabaseWrapper
    from django.db.backends.sqlite3.operations import DatabaseOperations

    ops = dict(DatabaseWrapper.operators)
    for lookup in ("iexact", "icontains", "istartswith", "iendswith"):
        ops[lookup] = "LIKE UPPER(%s) ESCAPE '\\'"
    DatabaseWrapper.operators = ops

    original = DatabaseOperations.lookup_cast

    def lookup_cast(self, lookup_type, internal_type=None):
        cast = original(self, lookup_type, internal_type)
        if lookup_type in ("iexact", "icontains", "istartswith", "iendswith"):
            cast = "UPPER(%s)" % cast
        return cast

    DatabaseOperations.lookup_cast = lookup_cast
