"""The two Torrent Server middlewares that change what the REST API does.

BasicAuthMiddleware: a valid ``Authorization: Basic`` header logs the user in
(django.contrib.auth.login), so every such request without a session cookie
creates a session and gets a ``Set-Cookie: sessionid=...``; invalid
credentials are left to tastypie's authentication (401).

A password containing ":" or a header that is not valid base64 makes the
real middleware (Python 2: ``username, password = b64decode(x).split(":")``)
raise, which Django turns into its HTML 500 page; reproduced.

ChangeRequestMethodMiddleware: PROPPATCH is treated as PATCH.

AbsoluteLocationMiddleware: Django 1.6 (the server's Django) made every
``Location`` header absolute (``http://host/...``, including APPEND_SLASH's
301 and tastypie's 201); Django 3.2 leaves them relative.

Not reproduced (on purpose): LocalhostAuthMiddleware, which on a real server
logs every request from 127.0.0.1 in as ionadmin, and Apache's REMOTE_USER.
"""
import base64
import logging

from django.contrib.auth import authenticate, login

log = logging.getLogger("tsref.middleware")


class ChangeRequestMethodMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "PROPPATCH":
            request.method = "PATCH"
        return self.get_response(request)


class BasicAuthMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        header = request.META.get("HTTP_AUTHORIZATION")
        if header:
            parts = header.split()
            if len(parts) == 2 and parts[0].lower() == "basic":
                # As TS under Python 2: exceptions here become an HTML 500.
                decoded = base64.b64decode(parts[1], validate=True).decode("utf-8")
                username, password = decoded.split(":")
                user = authenticate(request, username=username, password=password)
                if user is not None and user.is_active:
                    login(request, user)
        return self.get_response(request)


class AbsoluteLocationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        location = response.get("Location")
        if location and not location.startswith(("http://", "https://")):
            response["Location"] = request.build_absolute_uri(location)
        return response
