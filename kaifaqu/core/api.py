"""Shared building blocks of the REST API: scope from `restrict()`, per-object and per-zone write checks, model
validation and attributed history. Each app's api.py builds its serializers and viewsets on these, so the API
decides access exactly as the rest of the system does (ARCHITECTURE.md, Scope).

- Reads: `ScopedViewSetMixin.get_queryset` is `Model.objects.restrict(user, "view")`; an object outside it is a 404.
- Changes and deletes: the object must also be in `restrict(user, "change" / "delete")`, else 403 and nothing changes.
- Creates: the new row's zone must pass `user.can_add_in_zone(Model.scope, zone_id)`, else 403.
- Validation: `ModelCleanSerializer` runs the model's `full_clean()`, so the API answers with the same messages as
  the forms, per field, as a 400.
- History: every save goes through the serializer with the requesting user as `_history_user`, because
  simple-history's middleware does not see token-authenticated users.
- Versions (no edit is lost, kaifaqu.core.versioning): a versioned row's detail answers with `ETag: "<version>"`
  and its serializer shows `version`. PUT/PATCH with `If-Match: "<version>"` are refused with 412 when the row has
  moved on, a body `version` with 409; both bodies carry the current version, the row and the differences. Without
  either the request is not checked, but its fields go onto the row as stored (re-read under a lock), so concurrent
  PATCHes of different fields both survive. Clients should send If-Match.
- Errors (`exception_handler`, settings.REST_FRAMEWORK): always JSON, in the user's language, in two documented
  shapes — `ValidationError` for every 400 ({field: [messages]}, row problems under `problems`) and `Error`
  ({"detail": message}) for 401/403/404/409. A 404 never names a model. Ids are checked to 1..2^63-1 before they
  reach the database; a value the database still refuses (OverflowError, DataError) is a 400, not a 500.
- Schema (`ApiSchema`, settings.REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]): adds those error responses where they
  happen, so the schema lists every status code the API answers with (kaifaqu/core/tests/test_api_fuzz.py).
"""

import copy
import logging

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, transaction
from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework import permissions, serializers
from rest_framework.exceptions import APIException, NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.validators import UniqueValidator
from rest_framework.views import exception_handler as drf_exception_handler

from .filtersets import MAX_ID
from .history import attributed
from .versioning import StaleEdit

DETAIL_ACTIONS = ("retrieve", "update", "partial_update")

HISTORY_USER = "_history_user"
EXPECTED_VERSION = "_expected_version"
INTEGER_KEYS = {"AutoField", "BigAutoField", "IntegerField", "BigIntegerField", "SmallAutoField"}
NOT_FOUND = _("未找到该数据，或您无权查看")
OUT_OF_RANGE = _("数值超出允许范围")
PROBLEMS_KEY = "problems"

logger = logging.getLogger(__name__)


def request_user(context):
    request = context.get("request")
    return getattr(request, "user", None)


class Conflict(APIException):
    """409: the request is understood and allowed, but the row's current state forbids it (e.g. still in use)."""

    status_code = 409
    default_detail = _("该数据仍在使用中，不能执行此操作")
    default_code = "conflict"


def parse_if_match(header):
    """The version an If-Match header names: None without the header or for `*`; 0 when it names none we issue."""
    if not header or header.strip() == "*":
        return None
    tag = header.split(",")[0].strip().removeprefix("W/").strip('"')
    return int(tag) if tag.isdigit() else 0


# -- errors -------------------------------------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    """401, 403, 404, 409: what went wrong, in the user's language. A 403 that refuses fields names them as keys."""

    detail = serializers.CharField(help_text=_("说明"))


class RowProblemSerializer(serializers.Serializer):
    """One problem of a row: a row of a list body (`row`, `field`) or a figure of a submission (firm, period, code)."""

    row = serializers.IntegerField(required=False, allow_null=True, help_text=_("请求体为列表时，出错的行（从0起）"))
    field = serializers.CharField(required=False, allow_null=True, help_text=_("出错的字段"))
    enterprise = serializers.IntegerField(required=False, allow_null=True, help_text=_("企业 id"))
    period = serializers.CharField(required=False, allow_null=True, help_text=_("报告期 YYYY-MM"))
    indicator = serializers.CharField(required=False, allow_null=True, help_text=_("指标代码"))
    message = serializers.CharField(help_text=_("说明"))


class ValidationErrorSerializer(serializers.Serializer):
    """Every 400: {field: [messages]} (`non_field_errors` for the whole request, `detail` for a malformed one) and,
    for a list body or a submission of figures, `problems` row by row."""

    problems = RowProblemSerializer(many=True, required=False, help_text=_("逐行的问题"))


class FieldMessagesExtension(OpenApiSerializerExtension):
    """Both error shapes allow any field name as a key, with a list of messages."""

    target_class = ValidationErrorSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        schema["additionalProperties"] = {"type": "array", "items": {"type": "string"}}
        return schema


class ErrorFieldsExtension(FieldMessagesExtension):
    target_class = ErrorSerializer


def messages_of(detail):
    """Every message inside a (nested) DRF error detail, as strings."""
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in messages_of(value)]
    if isinstance(detail, list):
        return [message for value in detail for message in messages_of(value)]
    return [str(detail)]


def row_problems(errors):
    """The errors of a list body (a list, or a dict keyed by row index) as `problems`, one per message."""
    rows = enumerate(errors) if isinstance(errors, list) else ((int(row), value) for row, value in errors.items())
    problems = []
    for row, value in rows:
        fields = value if isinstance(value, dict) else {None: value}
        for field, messages in fields.items():
            field = None if field == api_settings.NON_FIELD_ERRORS_KEY else field
            problems += [{"row": row, "field": field, "message": message} for message in messages_of(messages)]
    return problems


def validation_body(detail):
    """A 400's detail in the one documented shape: {field: [messages]}, rows of a list body under `problems`."""
    if isinstance(detail, list):
        if all(not isinstance(row, dict | list) for row in detail):
            return {api_settings.NON_FIELD_ERRORS_KEY: messages_of(detail)}
        return {PROBLEMS_KEY: row_problems(detail)}
    if not isinstance(detail, dict):
        return {api_settings.NON_FIELD_ERRORS_KEY: messages_of(detail)}
    if PROBLEMS_KEY in detail and isinstance(detail[PROBLEMS_KEY], list):
        return detail  # already row problems (statistics submissions)
    if detail and all(str(key).isdigit() for key in detail):
        return {PROBLEMS_KEY: row_problems(detail)}  # a list body's errors keyed by row (DRF's ListSerializer)
    return {str(field): messages_of(value) for field, value in detail.items()}


def error_body(detail, default):
    """A 401/403/404/409's detail as {"detail": message}, plus {field: [messages]} when it refuses fields."""
    if isinstance(detail, dict):
        body = {str(field): messages_of(value) for field, value in detail.items() if field != "detail"}
        return {"detail": str(detail.get("detail", default)), **body}
    if isinstance(detail, list):
        return {"detail": "；".join(messages_of(detail)) or str(default)}
    return {"detail": str(detail)}


def exception_handler(exc, context):
    """DRF's handler, with Django's and the database's refusals translated, and every body in a documented shape."""
    if isinstance(exc, Http404):
        exc = NotFound(NOT_FOUND)  # Django's message names the model ("No Project matches the given query.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = PermissionDenied(str(exc) or None)
    elif isinstance(exc, OverflowError | DataError):
        # The last line: a value past a column's range that no validation caught. Logged, so that it gets one.
        logger.warning("API input refused by the database: %s", exc, exc_info=exc)
        exc = ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [OUT_OF_RANGE]})
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if response.status_code == 400:
        response.data = validation_body(response.data)
    else:
        response.data = error_body(response.data, getattr(exc, "default_detail", ""))
    return response


@csrf_exempt  # it changes nothing; a CSRF refusal would be Django's HTML 403 page
def not_found(request, *args, **kwargs):
    """Any other path under /api/: a JSON 404 in the user's language, not the HTML page (api_urls.py's last route)."""
    return JsonResponse({"detail": str(NOT_FOUND)}, status=404, json_dumps_params={"ensure_ascii": False})


# -- schema -------------------------------------------------------------------------------------------------------

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class ApiSchema(AutoSchema):
    """drf-spectacular's schema with the error responses the API answers with (unless a view declares its own):
    400 wherever input is read (bodies, filters, pages), 401 everywhere (not signed in), 403 on writes, 404 on
    every operation (an id out of scope, a page past the end, a zone not visible), 409 on deletes (still in use) and
    on PUT/PATCH with a stale body version, 412 on PUT/PATCH with a stale If-Match."""

    def error_responses(self):
        detail = "{" in self.path
        errors = {"401": ErrorSerializer, "404": ErrorSerializer}
        if self.method in UNSAFE or not detail:
            errors["400"] = ValidationErrorSerializer
        if self.method in UNSAFE:
            errors["403"] = ErrorSerializer
        if self.method == "DELETE":
            errors["409"] = ErrorSerializer
        if self.method in {"PUT", "PATCH"}:
            # A stale version (kaifaqu.core.versioning): a body `version` gives 409, an If-Match 412.
            errors["409"] = ErrorSerializer
            errors["412"] = ErrorSerializer
        return errors

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, serializer in self.error_responses().items():
            if code not in responses:
                responses[code] = self._get_response_for_code(serializer, code, direction=direction)
        return responses


# -- fields and serializers -----------------------------------------------------------------------------------------


def valid_id(value):
    """The integer id in `value` (an int or a string of digits) if it is within 1..2^63-1, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value.isascii() or not value.isdigit():
            return None
        value = int(value)
    if isinstance(value, int) and 1 <= value <= MAX_ID:
        return value
    return None


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related row chosen by id among those the requesting user may view; any other id 'does not exist'.

    Reference tables without scope (regions, industry classes, tags) are not restricted. An integer id out of
    1..2^63-1 does not exist either, without asking the database (which would overflow).
    """

    def to_internal_value(self, data):
        integer_key = self.pk_field is None and self.get_queryset().model._meta.pk.get_internal_type() in INTEGER_KEYS
        if integer_key and isinstance(data, int | str) and not isinstance(data, bool) and valid_id(data) is None:
            if isinstance(data, str) and not data.strip().lstrip("-").isdigit():
                self.fail("incorrect_type", data_type=type(data).__name__)
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)

    def get_queryset(self):
        queryset = super().get_queryset()
        if hasattr(queryset, "restrict"):
            queryset = queryset.restrict(request_user(self.context), "view")
        return queryset


def without_unique_validators(kwargs):
    """Drop DRF's UniqueValidator: the model's full_clean() checks uniqueness with the model's own message."""
    if "validators" in kwargs:
        kwargs["validators"] = [v for v in kwargs["validators"] if not isinstance(v, UniqueValidator)]
    return kwargs


class ModelCleanSerializer(serializers.ModelSerializer):
    """A model serializer whose validation is the model's: `full_clean()` on the would-be row.

    Uniqueness, constraints and `Model.clean()` answer with the model's (Chinese, translatable) messages under the
    field they concern. Values normalised by `clean()` (e.g. the credit code in upper case) are what gets saved.
    Fields named in `Meta.create_only_fields` may be set on creation but not changed afterwards.
    Many-to-many values are written after the row by `set_many_to_many`, only when they differ.
    """

    serializer_related_field = ScopedPrimaryKeyRelatedField

    def build_standard_field(self, field_name, model_field):
        field_class, field_kwargs = super().build_standard_field(field_name, model_field)
        return field_class, without_unique_validators(field_kwargs)

    def build_relational_field(self, field_name, relation_info):
        field_class, field_kwargs = super().build_relational_field(field_name, relation_info)
        return field_class, without_unique_validators(field_kwargs)

    def get_fields(self):
        fields = super().get_fields()
        if hasattr(self.Meta.model, "expect_version"):
            # The version read with the row; sent back on a change it makes the save a compare-and-set (409 if stale).
            fields["version"] = serializers.IntegerField(
                required=False,
                min_value=1,
                label=_("版本"),
                help_text=_("读取时的版本；修改时提交则在记录已被他人修改时拒绝（409）。也可用 If-Match 头（412）"),
            )
        return fields

    def get_validators(self):
        # Unique-together and UniqueConstraint checks come from full_clean() in validate().
        return []

    # -- validation ---------------------------------------------------------------------------------------------

    def validate(self, attrs):
        attrs = super().validate(attrs)
        self.check_create_only(attrs)
        model = self.Meta.model
        concrete = {f.name for f in model._meta.concrete_fields} - {"version"}
        candidate = copy.copy(self.instance) if self.instance is not None else model()
        for name, value in attrs.items():
            if name in concrete:
                setattr(candidate, name, value)
        try:
            candidate.full_clean()
        except DjangoValidationError as error:
            raise serializers.ValidationError(self.error_detail(error)) from error
        for name in attrs:
            if name in concrete:
                attrs[name] = getattr(candidate, name)
        return attrs

    def check_create_only(self, attrs):
        if self.instance is None:
            return
        for name in getattr(self.Meta, "create_only_fields", ()):
            if name in attrs and attrs[name] != getattr(self.instance, name):
                raise serializers.ValidationError({name: self.create_only_message(name)})

    def create_only_message(self, name):
        return _("创建后不能更改此项")

    def error_detail(self, error):
        """Django's {model field: [messages]} as DRF's {serializer field: [messages]}."""
        if not hasattr(error, "error_dict"):
            return {api_settings.NON_FIELD_ERRORS_KEY: error.messages}
        by_source = {field.source: name for name, field in self.fields.items()}
        detail = {}
        for key, messages in error.message_dict.items():
            name = api_settings.NON_FIELD_ERRORS_KEY if key == NON_FIELD_ERRORS else by_source.get(key, key)
            detail.setdefault(name, []).extend(messages)
        return detail

    # -- saving -------------------------------------------------------------------------------------------------

    def split_many_to_many(self, validated_data):
        names = {f.name for f in self.Meta.model._meta.many_to_many}
        return {name: validated_data.pop(name) for name in list(validated_data) if name in names}

    def create(self, validated_data):
        history_user = validated_data.pop(HISTORY_USER, None)
        validated_data.pop("version", None)
        validated_data.pop(EXPECTED_VERSION, None)
        related = self.split_many_to_many(validated_data)
        instance = self.Meta.model(**validated_data)
        return self.save_instance(instance, related, history_user)

    def update(self, instance, validated_data):
        history_user = validated_data.pop(HISTORY_USER, None)
        expected = validated_data.pop(EXPECTED_VERSION, None)
        body_version = validated_data.pop("version", None)
        if hasattr(instance, "expect_version"):
            instance = self.fresh(instance)
            instance.expect_version(expected if expected is not None else body_version)
        related = self.split_many_to_many(validated_data)
        for name, value in validated_data.items():
            setattr(instance, name, value)
        return self.save_instance(instance, related, history_user)

    def fresh(self, instance):
        """The row as stored now, locked to the end of the request's transaction: the request's fields go onto it,
        so a request that names no version still keeps what others changed in the fields it does not send."""
        rows = type(instance)._base_manager
        if transaction.get_connection(rows.db).in_atomic_block:  # perform_update's; a lock needs a transaction
            rows = rows.select_for_update()
        return rows.get(pk=instance.pk)

    def save_instance(self, instance, related, history_user):
        attributed(instance, history_user)
        instance.save()
        for name, value in related.items():
            self.set_many_to_many(instance, name, value)
        if hasattr(instance, "_prefetched_objects_cache"):
            instance._prefetched_objects_cache = {}
        return instance

    def set_many_to_many(self, instance, name, values):
        manager = getattr(instance, name)
        if {obj.pk for obj in values} != set(manager.values_list("pk", flat=True)):
            manager.set(values)


class ScopedPermission(permissions.IsAuthenticated):
    """Authenticated; creating needs write rights somewhere; changing or deleting needs them on the object.

    Visibility itself is not decided here: the view's queryset is already restricted, so an object outside the
    user's view scope never reaches `has_object_permission` (404).
    """

    message = _("您没有执行此操作的权限")

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if getattr(view, "action", None) == "create":
            return view.may_create(request.user)
        return True

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True
        action = "delete" if request.method == "DELETE" else "change"
        return type(obj).objects.restrict(request.user, action).filter(pk=obj.pk).exists()


class ScopedViewSetMixin:
    """The queryset, write checks and attributed saves of every zone-owned resource.

    Set `model`, and `select_related` / `prefetch_related` so that list pages issue a bounded number of queries.
    `zone_field` names the serializer value that carries the new row's zone (None for a zone itself).
    Combine with the DRF mixins for the actions the resource offers and `viewsets.GenericViewSet`.
    """

    model = None
    select_related = ()
    prefetch_related = ()
    zone_field = "zone"
    permission_classes = [ScopedPermission]

    def get_object(self):
        """An id that is not 1..2^63-1 names no row: 404 before the database is asked."""
        lookup = self.lookup_url_kwarg or self.lookup_field
        if lookup in self.kwargs and valid_id(self.kwargs[lookup]) is None:
            raise NotFound(NOT_FOUND)
        return super().get_object()

    def get_queryset(self):
        queryset = self.model.objects.restrict(self.request.user, "view")
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        if self.prefetch_related:
            queryset = queryset.prefetch_related(*self.prefetch_related)
        return queryset

    def may_create(self, user):
        """Coarse check before validation: may the user create this kind of row in any zone at all?"""
        return user.may("add", self.model)

    def check_create(self, validated_data):
        """Fine check after validation: may the user create the row in the zone it names?"""
        zone = validated_data.get(self.zone_field)
        if not self.request.user.can_add_in_zone(self.model.scope, getattr(zone, "pk", None)):
            raise PermissionDenied(_("您没有在该开发区新建此类数据的权限"))

    def perform_create(self, serializer):
        self.check_create(serializer.validated_data)
        with transaction.atomic():
            serializer.save(**{HISTORY_USER: self.request.user})

    def perform_update(self, serializer):
        with transaction.atomic():
            serializer.save(**{HISTORY_USER: self.request.user, EXPECTED_VERSION: self.if_match_version()})

    # -- versions (kaifaqu.core.versioning) ----------------------------------------------------------------------

    def if_match_version(self):
        return parse_if_match(self.request.headers.get("If-Match"))

    def handle_exception(self, exc):
        # If-Match is checked where it cannot race: the save's compare-and-set (after validation, so a 400 comes
        # first). Caught here, not in an `update` of this mixin: a method named `update` would make the router offer
        # PUT/PATCH on read-only viewsets.
        if isinstance(exc, StaleEdit):
            return self.refuse_stale(exc, precondition=self.if_match_version() is not None)
        return super().handle_exception(exc)

    def refuse_stale(self, stale, *, precondition):
        """412 (If-Match) or 409 (body version) with the current version, the row and the differences."""
        row = self.get_serializer(stale.current).data
        detail = " ".join(str(line) for line in stale.describe())
        body = {"detail": detail, "code": "precondition_failed" if precondition else "stale_version", **stale.as_data()}
        return Response({**body, "current": row}, status=412 if precondition else 409)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if hasattr(self.model, "expect_version") and getattr(self, "action", None) in DETAIL_ACTIONS:
            version = response.data.get("version") if isinstance(response.data, dict) else None
            if response.status_code == 200 and version is not None:
                response["ETag"] = f'"{version}"'
            elif response.status_code in (409, 412):
                response["ETag"] = f'"{response.data.get("current_version")}"'
        return response

    def perform_destroy(self, instance):
        attributed(instance, self.request.user)
        with transaction.atomic():
            instance.delete()


# -- OpenAPI links ------------------------------------------------------------------------------------------------

# Query parameters that name a row of a resource by its id: a response carrying that row's id feeds them.
LINKED_FILTERS = {
    "/api/zones/": "zone",
    "/api/parks/": "park",
    "/api/departments/": "department",
    "/api/enterprises/": "enterprise",
    "/api/projects/": "project",
}


def link_name(operation_id):
    return "".join(part.capitalize() for part in operation_id.split("_"))


def add_links(result, generator, request, public):
    """drf-spectacular postprocessing hook: OpenAPI links from each response that carries a row's id to the operations
    that take it — a created or read row to its own detail operations (GET, PUT, PATCH, DELETE), and a zone,
    park, department, enterprise or project to the lists filtered by it (e.g. a project to its stages, approvals,
    progress and problems) — so that stateful testing and clients can follow objects."""
    paths = result["paths"]
    for collection, item in paths.items():
        detail = paths.get(f"{collection}{{id}}/")
        if detail is None:
            continue
        targets = {
            f"{link_name(op['operationId'])}": (op["operationId"], {"id": "$response.body#/id"})
            for method, op in detail.items()
            if method in ("get", "put", "patch", "delete")
        }
        name = LINKED_FILTERS.get(collection)
        if name:
            for other, other_item in paths.items():
                listing = other_item.get("get")
                if other == collection or listing is None or "{" in other:
                    continue
                if any(p["in"] == "query" and p["name"] == name for p in listing.get("parameters", ())):
                    targets[link_name(listing["operationId"])] = (
                        listing["operationId"],
                        {f"query.{name}": "$response.body#/id"},
                    )
        sources = [(item.get("post"), "201"), (detail.get("get"), "200"), (detail.get("put"), "200")]
        for operation, code in sources:
            response = operation and operation["responses"].get(code)
            if response is None:
                continue
            response["links"] = {
                label: {"operationId": operation_id, "parameters": parameters}
                for label, (operation_id, parameters) in sorted(targets.items())
            }
    return result
