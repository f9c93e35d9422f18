from django.conf import settings
from django.core.management.base import BaseCommand

from tsref.rundb import seed


class Command(BaseCommand):
    help = "Replace all data with the seed file (default: settings.SEED_PATH)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=None)

    def handle(self, *args, **options):
        path = options["path"] or settings.SEED_PATH
        counts = seed.load(path)
        self.stdout.write("loaded %s: %s" % (path, counts))
