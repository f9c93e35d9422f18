"""URLs as on a Torrent Server: the v1 API under /rundb/api/."""
from django.conf.urls import include, url

from tsref.rundb.api import v1_api
from tsref.rundb.views import reset

urlpatterns = [
    url(r"^rundb/api/", include(v1_api.urls)),
    url(r"^_test/reset/$", reset),
]
