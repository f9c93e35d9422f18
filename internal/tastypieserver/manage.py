#!/usr/bin/python3
"""Django's command-line utility for the reference Torrent Server."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tsref  # noqa: E402,F401  (applies compat.early() first)

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsref.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
