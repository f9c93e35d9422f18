"""Undo the tastypie 0.13.3 vs 0.11.1 differences that a client can see.

The Torrent Server runs tastypie 0.11.1 plus its own ModelResource subclass
(TS dbReports/iondb/rundb/api_custom.py).  Debian ships 0.13.3; the classes
here sit on top of it, without touching tastypie's files, and give the
server's observable behaviour back:

  * DjangoAuthorization: reading needs no permission (0.13 wants ``change``);
    list-level create/update/delete without permission act on nothing (return
    ``[]``) while detail-level ones raise Unauthorized (401, no
    WWW-Authenticate).
  * build_schema: only default/type/nullable/blank/readonly/help_text/unique
    (+ related_type) per field; 0.13 adds primary_key, verbose_name and
    related_schema.
  * api_field_from_django_field: 0.11.1's mapping.  BigIntegerField is not in
    it, so such a column is a CharField: PluginResult.size and .inodes are
    sent as JSON strings ("1234") and the schema says "string".
  * error handling as TS's ModelResource.wrap_view: BadRequest/ApiFieldError
    -> 400 {"error": msg}; a Django ValidationError is NOT special-cased
    (-> 500); NotFound/ObjectDoesNotExist -> 404 with the canned JSON body;
    everything else -> 500 canned body.  An unsupported request Content-Type
    is a 500 (0.13 made it a 400); malformed JSON is 400 {"error": ""}
    (0.13 says "Request is not valid JSON.").
  * obj_get: a plain ``filter(**kwargs)`` as 0.11.1 (a non-numeric id is a 404
    with the canned body).
  * apply_sorting: lists of models without a default ordering are sorted by
    ``-pk`` (TS api_custom.ModelResource), so PluginResultJob is newest first.
  * serializer: TS's CustomSerializer datetime format (the millisecond count
    is written into the microsecond field: .549123 s -> ".000549"; under 1 ms
    the fraction disappears), JSON only (jsonp on request), sorted keys.
  * CharField.convert = TS's JSONconvert: a dict stays a dict (JSON-in-TEXT
    columns come out as objects although the schema says "string").
"""
import json
import logging

from django.conf import settings
from django.core.exceptions import MultipleObjectsReturned, ObjectDoesNotExist
from django.core.signals import got_request_exception
from django.http import Http404, HttpResponseNotFound
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.csrf import csrf_exempt
from tastypie import fields, http
from tastypie.authorization import Authorization
from tastypie.exceptions import BadRequest, NotFound, Unauthorized, UnsupportedFormat
from django.utils.html import escape
from tastypie.resources import ModelResource
from tastypie.serializers import Serializer
from tastypie.utils.formatting import format_datetime

log = logging.getLogger("tsref.tastypie011")

CANNED_ERROR = "Sorry, this request could not be processed. Please try again later."


def sanitize(text):
    """tastypie's sanitize() as it comes out under Django 1.6: HTML-escaped,
    but ' and " left alone (Django 3.2 escapes ' as &#x27;, not &#39;)."""
    return escape(text).replace("&#x27;", "'").replace("&#39;", "'").replace("&quot;", '"')


# --------------------------------------------------------------------------
# CharField.convert (TS api.py: ``fields.CharField.convert = JSONconvert``)

def _json_convert(self, value):
    if value is None:
        return None
    if isinstance(value, dict):
        return value
    return str(value)


fields.CharField.convert = _json_convert


# --------------------------------------------------------------------------
# Serializer

class TSSerializer(Serializer):
    """TS CustomSerializer on tastypie 0.11.1: json (and jsonp) only."""

    def __init__(self):
        super().__init__(formats=["json", "jsonp"])

    def format_datetime(self, data):
        if self.datetime_formatting == "rfc-2822":
            return format_datetime(data)
        # TS: data.replace(microsecond=int(round(data.microsecond / 1000)))
        # under Python 2, where / on ints truncates.
        data = data.replace(microsecond=data.microsecond // 1000)
        return data.isoformat()

    def from_json(self, content):
        try:
            return json.loads(content)
        except ValueError:
            raise BadRequest()  # 0.11.1: no message -> {"error": ""}


# --------------------------------------------------------------------------
# Authorization

class TSDjangoAuthorization(Authorization):
    """tastypie 0.11.1's DjangoAuthorization."""

    def _klass(self, request, model):
        if not model or not getattr(model, "_meta", None):
            return False
        if not hasattr(request, "user"):
            return False
        return model

    def _perm(self, klass, code):
        return "%s.%s_%s" % (klass._meta.app_label, code, klass._meta.model_name)

    def _list(self, object_list, bundle, code):
        klass = self._klass(bundle.request, object_list.model)
        if klass is False:
            return []
        if code is None:
            return object_list
        if not bundle.request.user.has_perm(self._perm(klass, code)):
            return []
        return object_list

    def _detail(self, bundle, code):
        klass = self._klass(bundle.request, bundle.obj.__class__)
        if klass is False:
            raise Unauthorized("You are not allowed to access that resource.")
        if code is None:
            return True
        if not bundle.request.user.has_perm(self._perm(klass, code)):
            raise Unauthorized("You are not allowed to access that resource.")
        return True

    # GET-style methods are always allowed.
    def read_list(self, object_list, bundle):
        return self._list(object_list, bundle, None)

    def read_detail(self, object_list, bundle):
        return self._detail(bundle, None)

    def create_list(self, object_list, bundle):
        return self._list(object_list, bundle, "add")

    def create_detail(self, object_list, bundle):
        return self._detail(bundle, "add")

    def update_list(self, object_list, bundle):
        return self._list(object_list, bundle, "change")

    def update_detail(self, object_list, bundle):
        return self._detail(bundle, "change")

    def delete_list(self, object_list, bundle):
        return self._list(object_list, bundle, "delete")

    def delete_detail(self, object_list, bundle):
        return self._detail(bundle, "delete")


# --------------------------------------------------------------------------
# ModelResource

class TSModelResource(ModelResource):
    """tastypie 0.11.1 ModelResource + TS api_custom.ModelResource."""

    # 0.11.1 ModelResource.api_field_from_django_field
    @classmethod
    def api_field_from_django_field(cls, f, default=fields.CharField):
        internal_type = f.get_internal_type()
        if internal_type in ("DateField", "DateTimeField"):
            return fields.DateTimeField
        if internal_type in ("BooleanField", "NullBooleanField"):
            return fields.BooleanField
        if internal_type in ("FloatField",):
            return fields.FloatField
        if internal_type in ("DecimalField",):
            return fields.DecimalField
        if internal_type in ("IntegerField", "PositiveIntegerField", "PositiveSmallIntegerField",
                             "SmallIntegerField", "AutoField"):
            return fields.IntegerField
        if internal_type in ("FileField", "ImageField"):
            return fields.FileField
        if internal_type == "TimeField":
            return fields.TimeField
        return default

    # 0.11.1 Resource.build_schema
    def build_schema(self):
        data = {
            "fields": {},
            "default_format": self._meta.default_format,
            "allowed_list_http_methods": self._meta.list_allowed_methods,
            "allowed_detail_http_methods": self._meta.detail_allowed_methods,
            "default_limit": self._meta.limit,
        }
        if self._meta.ordering:
            data["ordering"] = self._meta.ordering
        if self._meta.filtering:
            data["filtering"] = self._meta.filtering
        for field_name, field_object in self.fields.items():
            data["fields"][field_name] = {
                "default": field_object.default,
                "type": field_object.dehydrated_type,
                "nullable": field_object.null,
                "blank": field_object.blank,
                "readonly": field_object.readonly,
                "help_text": field_object.help_text,
                "unique": field_object.unique,
            }
            if field_object.dehydrated_type == "related":
                data["fields"][field_name]["related_type"] = (
                    "to_many" if getattr(field_object, "is_m2m", False) else "to_one"
                )
        return data

    # TS api_custom.ModelResource.wrap_view
    def wrap_view(self, view):
        @csrf_exempt
        def wrapper(request, *args, **kwargs):
            try:
                callback = getattr(self, view)
                response = callback(request, *args, **kwargs)
                varies = getattr(self._meta.cache, "varies", [])
                if varies:
                    patch_vary_headers(response, varies)
                if self._meta.cache.cacheable(request, response):
                    if self._meta.cache.cache_control():
                        patch_cache_control(response, **self._meta.cache.cache_control())
                if (request.META.get("HTTP_X_REQUESTED_WITH") == "XMLHttpRequest"
                        and not response.has_header("Cache-Control")):
                    patch_cache_control(response, no_cache=True)
                return response
            except (BadRequest, fields.ApiFieldError) as e:
                data = {"error": sanitize(e.args[0]) if getattr(e, "args") else ""}
                return self.error_response(request, data, response_class=http.HttpBadRequest)
            except Exception as e:
                if hasattr(e, "response"):
                    return e.response
                if settings.DEBUG and getattr(settings, "TASTYPIE_FULL_DEBUG", False):
                    raise
                return self._handle_500(request, e)

        return wrapper

    # 0.11.1 Resource._handle_500 (UnsupportedFormat is a 500 there)
    def _handle_500(self, request, exception):
        response_class = http.HttpApplicationError
        not_found = isinstance(exception, (NotFound, ObjectDoesNotExist, Http404))
        if not_found:
            response_class = HttpResponseNotFound
        if settings.DEBUG:
            import traceback

            data = {"error_message": str(exception), "traceback": traceback.format_exc()}
            return self.error_response(request, data, response_class=response_class)
        if not not_found:
            log.error("Internal Server Error: %s (%s: %s)", request.path,
                      type(exception).__name__, exception, exc_info=not isinstance(exception, UnsupportedFormat))
        got_request_exception.send(self.__class__, request=request)
        data = {"error_message": getattr(settings, "TASTYPIE_CANNED_ERROR", CANNED_ERROR)}
        return self.error_response(request, data, response_class=response_class)

    # TS api_custom.ModelResource.apply_sorting
    def apply_sorting(self, obj_list, options=None):
        obj_list = super().apply_sorting(obj_list, options=options)
        if len(obj_list.model._meta.ordering) == 0 and len(obj_list.query.order_by) == 0:
            return obj_list.order_by("-" + obj_list.model._meta.pk.name)
        return obj_list

    # 0.11.1 ModelResource.obj_get
    def obj_get(self, bundle, **kwargs):
        try:
            object_list = self.get_object_list(bundle.request).filter(**kwargs)
            stringified_kwargs = ", ".join(["%s=%s" % (k, v) for k, v in kwargs.items()])
            if len(object_list) <= 0:
                raise self._meta.object_class.DoesNotExist(
                    "Couldn't find an instance of '%s' which matched '%s'."
                    % (self._meta.object_class.__name__, stringified_kwargs)
                )
            elif len(object_list) > 1:
                raise MultipleObjectsReturned(
                    "More than '%s' matched '%s'." % (self._meta.object_class.__name__, stringified_kwargs)
                )
            bundle.obj = object_list[0]
            self.authorized_read_detail(object_list, bundle)
            return bundle.obj
        except ValueError:
            raise NotFound("Invalid resource lookup data provided (mismatched type).")
