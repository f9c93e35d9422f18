"""A JSON-in-a-TEXT-column field that behaves like Torrent Suite's json_field.

Behaviour reproduced (TS dbReports/iondb/rundb/json_field.py, Django 1.6
``SubfieldBase``):
  * the column is TEXT holding compact JSON (``{"a":1}``); empty value -> ``""``;
  * reading: empty text -> ``{}``; text that is not JSON, or JSON that is not an
    object -> ``{}`` (a JSON list/number/string in the column reads as ``{}``);
  * non-integer numbers are parsed as ``Decimal`` (so tastypie serialises them
    as JSON strings: 1.0 -> "1.0", 2.5 -> "2.5");
  * assigning to the attribute converts immediately (SubfieldBase): a string
    is parsed as JSON (invalid -> ``{}``), a dict is kept as it is;
  * saving a non-empty value that is not a dict fails (AssertionError -> 500);
  * float NaN is stored as the string "NaN".
"""
import json
from decimal import Decimal
from math import isnan

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.query_utils import DeferredAttribute


def _groom(value):
    if isinstance(value, dict):
        for key in list(value.keys()):
            value[key] = _groom(value[key])
        return value
    if isinstance(value, list):
        for i in range(len(value)):
            value[i] = _groom(value[i])
        return value
    if isinstance(value, float) and isnan(value):
        return "NaN"
    return value


def dumps(value):
    assert isinstance(value, dict)
    return json.dumps(value, cls=DjangoJSONEncoder, separators=(",", ":"))


def loads(text):
    try:
        value = json.loads(text, parse_float=Decimal)
        # Like TS: a JSON document that is not an object fails an assert
        # (AssertionError is not caught there either).
        assert isinstance(value, dict)
    except (TypeError, ValueError):
        value = {}
    return value


class JSONDict(dict):
    def __repr__(self):
        return dumps(self)


class _ConvertingAttribute(DeferredAttribute):
    """Data descriptor: convert on assignment, like Django 1.x SubfieldBase."""

    def __set__(self, instance, value):
        instance.__dict__[self.field.attname] = self.field.to_python(value)


class JSONField(models.TextField):
    descriptor_class = _ConvertingAttribute

    def __init__(self, *args, **kwargs):
        if "default" not in kwargs:
            kwargs["default"] = "{}"
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if not value:
            return {}
        if isinstance(value, str):
            return JSONDict(**loads(value))
        return value

    def from_db_value(self, value, expression, connection):
        return self.to_python(value)

    def get_prep_value(self, value):
        # Used for lookups (?config__contains=zip): the raw text, like Django
        # 1.6's TextField; no JSON conversion.
        if value is None or isinstance(value, str):
            return value
        return str(value)

    def get_db_prep_save(self, value, connection):
        if not value:
            return ""
        return dumps(_groom(value))

    def value_to_string(self, obj):
        return self.get_db_prep_save(self.value_from_object(obj), None)
