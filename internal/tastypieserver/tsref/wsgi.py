"""WSGI entry point (gunicorn tsref.wsgi:application)."""
import os

import tsref  # noqa: F401  (applies compat.early() first)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsref.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
