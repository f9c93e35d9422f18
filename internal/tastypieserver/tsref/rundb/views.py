"""Test-only endpoints, outside /rundb/api/."""
import json

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotAllowed
from django.views.decorators.csrf import csrf_exempt

from . import seed


@csrf_exempt
def reset(request):
    """POST /_test/reset/ : reload the seed file (settings.SEED_PATH) into the
    database in one transaction.  No authentication (loopback test server).
    200 {"reset": true, "counts": {...}}."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    counts = seed.load(settings.SEED_PATH)
    return HttpResponse(json.dumps({"reset": True, "seed": settings.SEED_PATH, "counts": counts}),
                        content_type="application/json")
