"""Reference Torrent Server (REST API subset) on the real django-tastypie.

Importing this package restores the Django names tastypie 0.13 needs (see
compat.py) before anything else (settings, apps, tastypie) is imported.
"""
from . import compat

compat.early()
