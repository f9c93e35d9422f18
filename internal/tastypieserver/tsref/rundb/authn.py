"""Authentication as TS dbReports/iondb/rundb/authn.py (IonAuthentication).

Order of the backends (TS comment: "Basic must be first, so it sets
WWW-Authenticate header in 401"): Basic (realm "Torrent Suite"), Session,
PluginKey, ApiKey.  tastypie's MultiAuthentication answers with the first
backend that succeeds, otherwise with the first 401 response it got, which is
Basic's: so any failed or missing credentials give 401 + WWW-Authenticate.
A user already logged in (session cookie, or Basic via BasicAuthMiddleware)
passes straight away.  IONAUTH_ALLOW_REST_GET (False on TS) would let
anonymous GET/OPTIONS/HEAD through.
"""
from django.conf import settings
from django.contrib.auth.models import User
from tastypie.authentication import (
    ApiKeyAuthentication,
    Authentication,
    BasicAuthentication,
    MultiAuthentication,
    SessionAuthentication,
)
from tastypie.http import HttpUnauthorized

from .models import PluginResult


class PluginApiKeyAuthentication(Authentication):
    """``Authorization: PluginKey <pluginresult id>:<pluginresult.apikey>``, or
    the query/form parameters ``pluginresult`` and ``api_key``.  The request
    then acts as the user ``ionuser`` (``ionadmin`` if there is no ionuser)."""

    def _unauthorized(self):
        return HttpUnauthorized()

    def extract_credentials(self, request):
        header = request.META.get("HTTP_AUTHORIZATION")
        if header and header.lower().startswith("pluginkey "):
            auth_type, data = header.split()  # ValueError on extra spaces, as TS
            if auth_type.lower() != "pluginkey":
                raise ValueError("Incorrect authorization header.")
            prpk, api_key = data.split(":", 1)
        else:
            prpk = request.GET.get("pluginresult") or request.POST.get("pluginresult")
            api_key = request.GET.get("api_key") or request.POST.get("api_key")
        return prpk, api_key

    def is_authenticated(self, request, **kwargs):
        try:
            prpk, api_key = self.extract_credentials(request)
        except ValueError:
            return self._unauthorized()
        if not prpk or not api_key:
            return self._unauthorized()
        try:
            PluginResult.objects.get(id=prpk, apikey=api_key)
        except (PluginResult.DoesNotExist, PluginResult.MultipleObjectsReturned, ValueError):
            return self._unauthorized()
        try:
            user = User.objects.get(username="ionuser")
        except (User.DoesNotExist, User.MultipleObjectsReturned):
            user = User.objects.get(username="ionadmin")
        request.user = user
        return True

    def get_identifier(self, request):
        return "pluginresult"


class IonAuthentication(MultiAuthentication):
    def __init__(self, allow_get=None, **kwargs):
        backends = [
            BasicAuthentication(realm="Torrent Suite"),
            SessionAuthentication(),
            PluginApiKeyAuthentication(),
            ApiKeyAuthentication(),
        ]
        if allow_get is None:
            allow_get = getattr(settings, "IONAUTH_ALLOW_REST_GET", False)
        self.allow_get = allow_get
        super().__init__(*backends, **kwargs)

    def is_authenticated(self, request, **kwargs):
        if hasattr(request, "user") and request.user.is_authenticated:
            return True
        request._dont_enforce_csrf_checks = True
        unauthorized = super().is_authenticated(request, **kwargs)
        if self.allow_get and request.method in ("GET", "OPTIONS", "HEAD"):
            return True
        return unauthorized

    def get_identifier(self, request):
        try:
            return request._authentication_backend.get_identifier(request)
        except AttributeError:
            return "nouser"
