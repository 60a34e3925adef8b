"""The OpenAPI 3.1 document, built once from the same analysis that drives validation.

The structure, the component names (``HTTPValidationError``,
``ValidationError``, model names, ``Body_<operationId>``), the titles and the
``operationId``s follow FastAPI's output, so clients and tools generated for a
FastAPI service keep working. Schemas come from pydantic's JSON-schema
generator, run once over every parameter, body and response type of the app
(validation mode for inputs, serialization mode for outputs), so shared
models become ``$ref``s into ``components/schemas``. ``msgspec`` types are
described by msgspec's own schema generator.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import http.client
import typing
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal

import msgspec
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, GetPydanticSchema, TypeAdapter, create_model
from pydantic.json_schema import GenerateJsonSchema

from .._analysis import Dependant, ParamSpec, expand_models, field_request_aliases, flat_body_params, flat_params
from .._compile.forms import form_field_aliases, form_models
from .._serialize import involves_struct
from .._utils import body_allowed
from ..encoders import jsonable_encoder
from ..params import Unset
from ..responses import JSONResponse
from ..routing import APIRoute

if TYPE_CHECKING:
    from ..applications import Genever

REF_PREFIX = "#/components/schemas/"
REF_TEMPLATE = "#/components/schemas/{model}"
METHODS_WITH_BODY = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"}

VALIDATION_ERROR = {
    "title": "ValidationError",
    "type": "object",
    "properties": {
        "loc": {
            "title": "Location",
            "type": "array",
            "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
        },
        "msg": {"title": "Message", "type": "string"},
        "type": {"title": "Error Type", "type": "string"},
        "input": {"title": "Input"},
        "ctx": {"title": "Context", "type": "object"},
    },
    "required": ["loc", "msg", "type"],
}
HTTP_VALIDATION_ERROR = {
    "title": "HTTPValidationError",
    "type": "object",
    "properties": {"detail": {"title": "Detail", "type": "array", "items": {"$ref": REF_PREFIX + "ValidationError"}}},
}
STATUS_RANGES = {"1XX": "Information", "2XX": "Success", "3XX": "Redirection", "4XX": "Client Error",
                 "5XX": "Server Error", "DEFAULT": "Default Response"}  # fmt: skip

Mode = Literal["validation", "serialization"]


class _Field:
    """One schema to generate: a type (with its Field metadata) in a mode, and its title."""

    __slots__ = ("adapter", "mode", "struct", "struct_type", "title")

    def __init__(self, tp: Any, mode: Mode, title: str | None) -> None:
        self.struct = involves_struct(tp)
        self.adapter: TypeAdapter[Any] | None = None if self.struct else TypeAdapter(tp)
        self.struct_type = tp if self.struct else None
        self.mode = mode
        self.title = title


def _param_field(spec: ParamSpec) -> Any:
    info = spec.field
    kwargs: dict[str, Any] = {**info.constraints(), **info.schema_keywords()}
    if not spec.required:
        if info.default_factory is not None:
            kwargs["default_factory"] = info.default_factory
        else:
            kwargs["default"] = spec.default
    return Annotated[spec.annotation, Field(**kwargs)]


def _title(name: str) -> str:
    return name.title().replace("_", " ")


def _body_type(route: APIRoute, specs: list[ParamSpec]) -> tuple[Any, bool, str]:
    """(the request body's type, required, media type), FastAPI's ``Body_<id>`` model when embedded."""
    embed = len(specs) > 1 or bool(getattr(specs[0].field, "embed", False)) or specs[0].source in ("form", "file")
    first = specs[0]
    media_type = _media_type(specs)
    model_like = first.source in ("form", "file") and len(specs) == 1 and _is_model(first.annotation)
    if not embed or model_like:
        return _param_field(first), first.required, media_type
    models_of = [form_models(s.annotation) if s.source == "form" else [] for s in specs]
    if any(models_of):
        if len(specs) == 1 and type(None) not in typing.get_args(first.annotation):  # the body itself
            return _param_field(first), first.required, media_type
        return _form_body_model(route, specs, models_of), any(s.required for s in specs), media_type
    fields: dict[str, Any] = {}
    for spec in specs:
        kwargs: dict[str, Any] = {**spec.field.constraints(), **spec.field.schema_keywords(), "alias": spec.alias}
        if spec.field.default_factory is not None:  # not called: the schema shows no default, as FastAPI's
            kwargs["default_factory"] = spec.field.default_factory
        elif not spec.required:
            kwargs["default"] = spec.default
        fields[spec.name] = (spec.annotation, Field(**kwargs))
    model = create_model(f"Body_{route.unique_id}", **fields)
    return model, any(s.required for s in specs), media_type


def _media_type(specs: list[ParamSpec]) -> str:
    """The request body's media type, by FastAPI's rule: files make it multipart; forms are multipart
    if one says so, else their one shared media type (urlencoded when they differ); JSON bodies their
    one shared media type (application/json when they differ)."""
    if any(s.source == "file" for s in specs):
        return "multipart/form-data"
    kind = "form" if any(s.source == "form" for s in specs) else "body"
    declared = [getattr(s.field, "media_type", "application/json") for s in specs if s.source == kind]
    if kind == "form" and "multipart/form-data" in declared:
        return "multipart/form-data"
    if len(set(declared)) == 1:
        return declared[0]
    return "application/x-www-form-urlencoded" if kind == "form" else "application/json"


def _form_body_model(route: APIRoute, specs: list[ParamSpec], models_of: list[list[Any]]) -> Any:
    """FastAPI's ``Body_<id>`` for a form holding models: the plain fields as properties, each model
    (or union of models) as an ``allOf`` condition, an optional one as "absent or valid"."""
    fields: dict[str, Any] = {}
    for index, spec in enumerate(specs):
        kwargs: dict[str, Any] = {**spec.field.constraints(), **spec.field.schema_keywords()}
        kwargs.update(alias=f"field_{index}", title=spec.field.title or spec.name.replace("_", " ").title())
        if not spec.required:
            kwargs["default"] = spec.default
        annotation = spec.annotation
        if len(models_of[index]) == 1:  # one model: documented under the names a form gives its fields
            model = models_of[index][0]
            annotation = Annotated[model, GetPydanticSchema(get_pydantic_json_schema=functools.partial(
                _form_model_schema, model))]  # fmt: skip
            if typing.get_origin(spec.annotation) is not None or spec.annotation is not model:
                annotation = annotation | None
        fields[f"field_{index}"] = (annotation, Field(**kwargs))
    config = ConfigDict(json_schema_extra=functools.partial(_form_body_schema, specs, models_of))
    return create_model(f"Body_{route.unique_id}", __config__=config, **fields)


def _form_model_schema(model: type[BaseModel], core_schema: Any, handler: Any) -> dict[str, Any]:
    """A form model's schema as FastAPI documents it inside a form: a field read under other names than
    its schema name (``AliasChoices``, ``populate_by_name``) is listed under the first, and, when
    required, any of its names satisfies the requirement (``allOf: [{anyOf: [{required: [a]}, ...]}]``).
    The model's own schema (shared with other uses) is left as it is."""
    schema = handler(core_schema)
    model_schema = handler.resolve_ref_schema(schema)
    properties = model_schema.get("properties", {})
    required = model_schema.get("required", [])
    config = model.model_config
    names: dict[str, list[str]] = {}
    for name, info in model.model_fields.items():
        va = info.validation_alias
        pairs = field_request_aliases(name, info, convert_underscores=False, config=config)
        keys = [key for key, _ in pairs]
        schema_name = va.choices[0] if isinstance(va, AliasChoices) else (
            va if isinstance(va, str) and va else (info.alias if info.alias is not None else name))  # fmt: skip
        if isinstance(schema_name, str) and schema_name in properties and (
            keys[0] != schema_name or (len(keys) > 1 and schema_name in required)
        ):
            names[schema_name] = keys
    if not names:
        return dict(schema)
    model_schema = copy.deepcopy(model_schema)
    model_schema["properties"] = {names.get(key, [key])[0]: value for key, value in properties.items()}
    model_schema["required"] = []
    for key in required:
        choices = names.get(key, [key])
        if len(choices) == 1:
            model_schema["required"].append(choices[0])
        else:
            model_schema.setdefault("allOf", []).append({"anyOf": [{"required": [c]} for c in choices]})
    return dict(model_schema)


def _form_body_schema(specs: list[ParamSpec], models_of: list[list[Any]], schema: dict[str, Any]) -> None:
    parameter_schemas = schema.pop("properties")
    schema.pop("required", None)
    properties: dict[str, Any] = {}
    required: list[str] = []
    conditions: list[dict[str, Any]] = []
    for index, (spec, models) in enumerate(zip(specs, models_of, strict=True)):
        field_schema = parameter_schemas[f"field_{index}"]
        if not models:
            if spec.alias in properties:
                conditions.append({"properties": {spec.alias: field_schema}})
            else:
                properties[spec.alias] = field_schema
            if spec.required and spec.alias not in required:
                required.append(spec.alias)
            continue
        field_schema.pop("default", None)
        if type(None) in typing.get_args(spec.annotation):
            # an optional model is left out by sending none of its fields, not by a null
            field_schema["anyOf"] = [c for c in field_schema.get("anyOf", []) if c.get("type") != "null"]
            absent: dict[str, Any]
            if any(model.model_config.get("extra") in ("allow", "forbid") for model in models):
                absent = {"maxProperties": 0}
            else:
                names = sorted({key for model in models for name, info in model.model_fields.items()
                                for key in form_field_aliases(name, info)})  # fmt: skip
                absent = {"not": {"anyOf": [{"required": [name]} for name in names]}} if names else {}
            if spec.required:
                conditions.append({"not": absent})
            else:
                field_schema = {"anyOf": [absent, field_schema]}
        conditions.append(field_schema)
    if properties:
        schema["properties"] = properties
    if required:
        schema["required"] = required
    schema["allOf"] = conditions


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


class _SchemaGenerator(GenerateJsonSchema):
    """pydantic's generator, with ``bytes`` described the OpenAPI 3.1 way (as FastAPI does)."""

    def bytes_schema(self, schema: Any) -> dict[str, Any]:
        json_schema: dict[str, Any] = {"type": "string", "contentMediaType": "application/octet-stream"}
        mode = self._config.ser_json_bytes if self.mode == "serialization" else self._config.val_json_bytes
        if mode == "base64":
            json_schema["contentEncoding"] = "base64"
        self.update_with_validations(json_schema, schema, self.ValidationsMapping.bytes)
        return json_schema


class _Builder:
    """Collects every schema of the app, generates them in one pass, then writes the paths."""

    def __init__(self) -> None:
        self.fields: list[_Field] = []

    def add(self, tp: Any, mode: Mode, title: str | None) -> _Field:
        field = _Field(tp, mode, title)
        self.fields.append(field)
        return field

    def generate(self) -> tuple[dict[int, dict[str, Any]], dict[str, Any]]:
        generator = _SchemaGenerator(ref_template=REF_TEMPLATE)
        inputs = [(i, f.mode, f.adapter.core_schema) for i, f in enumerate(self.fields) if f.adapter is not None]
        mapping, definitions = generator.generate_definitions(inputs=inputs)
        schemas: dict[int, dict[str, Any]] = {i: dict(schema) for (i, _), schema in mapping.items()}
        all_definitions: dict[str, Any] = {str(k): v for k, v in definitions.items()}
        structs = [(i, f) for i, f in enumerate(self.fields) if f.struct]
        if structs:
            found, components = msgspec.json.schema_components(
                [f.struct_type for _, f in structs], ref_template="#/components/schemas/{name}"
            )
            for (i, _), schema in zip(structs, found, strict=True):
                schemas[i] = dict(schema)
            all_definitions.update(components)
        for definition in all_definitions.values():
            if isinstance(definition.get("description"), str):
                definition["description"] = definition["description"].split("\f")[0]
        return schemas, all_definitions


def _security(dependant: Dependant) -> tuple[dict[str, Any], list[dict[str, list[str]]]]:
    """The security schemes a route uses (its dependencies'), with the scopes each collects."""
    schemes: dict[str, Any] = {}
    scopes: dict[str, list[str]] = {}
    seen: set[Any] = set()

    def visit(node: Dependant, parent_scopes: list[str], root: bool) -> None:
        key = node.cache_key
        if key in seen:
            return
        seen.add(key)
        node_scopes = list(parent_scopes)
        for scope in node.security_scopes:
            if scope not in node_scopes:
                node_scopes.append(scope)
        requirement = node.security_requirement
        if not root and requirement is not None:
            name = requirement.scheme_name
            schemes[name] = jsonable_encoder(requirement.model, exclude_none=True)
            listed = scopes.setdefault(name, [])
            listed.extend(s for s in node_scopes if s not in listed)
        for sub in node.dependencies:
            visit(sub, node_scopes, False)

    visit(dependant, [], True)
    return schemes, [{name: value} for name, value in scopes.items()]


def _params_in_order(dependant: Dependant) -> list[ParamSpec]:
    """Path, query, header, cookie parameters of the route and its dependencies, as FastAPI orders them."""
    groups: dict[str, list[ParamSpec]] = {"path": [], "query": [], "header": [], "cookie": []}
    seen: set[Any] = set()
    stack = [dependant]
    while stack:
        node = stack.pop()
        if node.cache_key in seen:
            continue
        seen.add(node.cache_key)
        for spec in expand_models(node.own_params):
            groups[spec.source].append(spec)
        stack.extend(reversed(node.dependencies))
    return [spec for group in groups.values() for spec in group]


_METHOD_ORDER = ["GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"]


@dataclasses.dataclass(slots=True)
class _Plan:
    """One documented route: the schemas it registered with the builder (and its callbacks' plans)."""

    route: APIRoute
    params: list[tuple[ParamSpec, _Field]]
    body: tuple[_Field, bool, str, ParamSpec] | None
    response: _Field | None
    extra: dict[Any, _Field]
    callbacks: list[_Plan]


def _plan(route: APIRoute, builder: _Builder) -> _Plan:
    params = [
        (spec, builder.add(_param_field(spec), "validation", spec.field.title or _title(spec.alias)))
        for spec in _params_in_order(route.dependant)
        if spec.field.include_in_schema
    ]
    body = None
    body_specs = flat_body_params(route.dependant)
    if body_specs:
        body_tp, required, media_type = _body_type(route, body_specs)
        name = body_specs[0].alias if len(body_specs) == 1 else f"Body_{route.unique_id}"
        body = (builder.add(body_tp, "validation", _title(name)), required, media_type, body_specs[0])
    response = None
    if route.response_model is not None:
        response = builder.add(route.response_model, "serialization", _title(f"Response_{route.unique_id}"))
    elif route.stream_item_type is not None:
        response = builder.add(route.stream_item_type, "serialization", _title(f"StreamItem_{route.unique_id}"))
    extra = {}
    for code, declared in route.responses.items():
        if isinstance(declared, dict) and declared.get("model") is not None:
            title = _title(f"Response_{code}_{route.unique_id}")
            extra[code] = builder.add(declared["model"], "serialization", title)
    callbacks = [_plan(cb, builder) for cb in route.callbacks or () if isinstance(cb, APIRoute)]
    return _Plan(route, params, body, response, extra, callbacks)


def _path_item(
    plan: _Plan, schema_of: Callable[[_Field], dict[str, Any]], components: dict[str, Any],
    definitions: dict[str, Any],
) -> dict[str, Any]:
    """``{method: operation}`` for one planned route."""
    route, params, body = plan.route, plan.params, plan.body
    operations: dict[str, Any] = {}
    security_schemes, security = _security(route.dependant)
    if security_schemes:
        components.setdefault("securitySchemes", {}).update(security_schemes)
    for method in sorted(route.methods, key=_METHOD_ORDER.index):
        operation: dict[str, Any] = {}
        if route.tags:
            operation["tags"] = [getattr(t, "value", t) for t in route.tags]
        operation["summary"] = route.summary or route.name.replace("_", " ").title()
        if route.description:
            operation["description"] = route.description
        operation["operationId"] = route.operation_id or route.unique_id
        if route.deprecated:
            operation["deprecated"] = True
        if security:
            operation["security"] = copy.deepcopy(security)
        parameters: dict[tuple[str, str], dict[str, Any]] = {}
        for spec, field in params:
            parameter: dict[str, Any] = {
                "name": spec.alias,
                "in": spec.source,
                "required": spec.required,
                "schema": schema_of(field),
            }
            if spec.field.description:
                parameter["description"] = spec.field.description
            if spec.field.openapi_examples:
                parameter["examples"] = jsonable_encoder(spec.field.openapi_examples)
            elif spec.field.example is not Unset:
                parameter["example"] = jsonable_encoder(spec.field.example)
            if spec.field.deprecated:
                parameter["deprecated"] = True
            key = (spec.source, spec.alias)
            if key not in parameters or parameter["required"]:
                parameters[key] = parameter
        if parameters:
            operation["parameters"] = list(parameters.values())
        if body is not None and method in METHODS_WITH_BODY:
            field, required, media_type, first = body
            content: dict[str, Any] = {"schema": schema_of(field)}
            if getattr(first.field, "openapi_examples", None):
                content["examples"] = jsonable_encoder(first.field.openapi_examples)
            elif getattr(first.field, "example", Unset) is not Unset:
                content["example"] = jsonable_encoder(first.field.example)
            request_body: dict[str, Any] = {}
            if required:
                request_body["required"] = True
            request_body["content"] = {media_type: content}
            operation["requestBody"] = request_body
        _responses(operation, route, plan.response, plan.extra, schema_of)
        # every parameter counts, also those hidden with include_in_schema=False (they are validated)
        validates = bool(body is not None or flat_params(route.dependant))
        if validates and not any(s in operation["responses"] for s in ("422", "4XX", "default")):
            operation["responses"]["422"] = {
                "description": "Validation Error",
                "content": {"application/json": {"schema": {"$ref": REF_PREFIX + "HTTPValidationError"}}},
            }
            definitions.setdefault("ValidationError", VALIDATION_ERROR)
            definitions.setdefault("HTTPValidationError", HTTP_VALIDATION_ERROR)
        if route.openapi_extra:
            _deep_update(operation, route.openapi_extra)
        operations[method.lower()] = operation
    return operations


def get_openapi(
    *,
    title: str,
    version: str,
    openapi_version: str = "3.1.0",
    summary: str | None = None,
    description: str | None = None,
    routes: Sequence[Any],
    tags: list[dict[str, Any]] | None = None,
    servers: list[dict[str, Any]] | None = None,
    terms_of_service: str | None = None,
    contact: dict[str, Any] | None = None,
    license_info: dict[str, Any] | None = None,
    webhooks: Sequence[Any] | None = None,
) -> dict[str, Any]:
    """Build the OpenAPI document for ``routes`` (FastAPI's function of the same name)."""
    info: dict[str, Any] = {"title": title, "version": version}
    if summary:
        info["summary"] = summary
    if description:
        info["description"] = description
    if terms_of_service:
        info["termsOfService"] = terms_of_service
    if contact:
        info["contact"] = contact
    if license_info:
        info["license"] = license_info
    output: dict[str, Any] = {"openapi": openapi_version, "info": info}
    if servers:
        output["servers"] = servers

    builder = _Builder()

    def documented(candidates: Sequence[Any]) -> list[_Plan]:
        return [_plan(r, builder) for r in candidates if isinstance(r, APIRoute) and r.include_in_schema]

    plans, hooks = documented(routes), documented(webhooks or ())
    schemas, definitions = builder.generate()

    def schema_of(field: _Field) -> dict[str, Any]:
        schema = copy.deepcopy(schemas[builder.fields.index(field)])
        if "$ref" not in schema and field.title is not None:
            schema["title"] = schema.get("title") if field.struct and "title" in schema else field.title
        return schema

    paths: dict[str, dict[str, Any]] = {}
    components: dict[str, Any] = {}

    def path_item(plan: _Plan) -> dict[str, Any]:
        item = _path_item(plan, schema_of, components, definitions)
        if plan.callbacks:
            callbacks: dict[str, Any] = {}
            for callback in plan.callbacks:
                callbacks.setdefault(callback.route.name, {}).setdefault(callback.route.path_format, {}).update(
                    path_item(callback)
                )
            for operation in item.values():
                operation["callbacks"] = copy.deepcopy(callbacks)
        return item

    for plan in plans:
        paths.setdefault(plan.route.path_format, {}).update(path_item(plan))
    webhook_items: dict[str, dict[str, Any]] = {}
    for plan in hooks:
        webhook_items.setdefault(plan.route.path_format, {}).update(path_item(plan))
    if definitions:
        components["schemas"] = {k: definitions[k] for k in sorted(definitions)}
    if components:
        output["components"] = components
    output["paths"] = paths
    if webhook_items:
        output["webhooks"] = webhook_items
    if tags:
        output["tags"] = tags
    # FastAPI drops every null from the document (a default of None included)
    result: dict[str, Any] = jsonable_encoder(output, exclude_none=True)
    return result


# One server-sent event, as OpenAPI 3.2 describes an event stream's items.
_SSE_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "data": {"type": "string"},
        "event": {"type": "string"},
        "id": {"type": "string"},
        "retry": {"type": "integer", "minimum": 0},
    },
}


def _responses(operation: dict[str, Any], route: APIRoute, response: _Field | None, extra: dict[Any, _Field],
               schema_of: Any) -> None:
    response_class = route.response_class
    media_type = response_class.media_type
    status = str(route.effective_status_code)
    responses = operation.setdefault("responses", {})
    responses.setdefault(status, {})["description"] = route.response_description
    if route.stream_mode in ("jsonl", "sse"):
        item = schema_of(response) if response is not None else {}
        if route.stream_mode == "jsonl":
            responses[status]["content"] = {"application/jsonl": {"itemSchema": item}}
        else:
            event = copy.deepcopy(_SSE_EVENT_SCHEMA)
            if response is not None:
                event["properties"]["data"].update(contentMediaType="application/json", contentSchema=item)
                event["required"] = ["data"]
            responses[status]["content"] = {"text/event-stream": {"itemSchema": event}}
    elif body_allowed(route.effective_status_code) and media_type:
        schema: dict[str, Any] = {"type": "string"}
        if issubclass(response_class, JSONResponse):
            schema = schema_of(response) if response is not None else {}
        responses[status].setdefault("content", {}).setdefault(media_type, {})["schema"] = schema
    for code, spec in route.responses.items():
        processed = copy.deepcopy(spec)
        processed.pop("model", None)
        key = str(code).upper()
        if key == "DEFAULT":
            key = "default"
        target = responses.setdefault(key, {})
        field = extra.get(code)
        if field is not None:
            schema_target = processed.setdefault("content", {}).setdefault(media_type or "application/json", {})
            _deep_update(schema_target.setdefault("schema", {}), schema_of(field))
        status_text = STATUS_RANGES.get(str(code).upper()) or (
            http.client.responses.get(int(code)) if str(code).isdigit() else None
        )
        description = processed.get("description") or target.get("description") or status_text or "Additional Response"
        _deep_update(target, processed)
        target["description"] = description


def _deep_update(target: dict[str, Any], source: dict[str, Any]) -> None:
    for key, value in source.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _deep_update(target[key], value)
        elif isinstance(value, list) and isinstance(target.get(key), list):
            target[key] = target[key] + value
        else:
            target[key] = value


def get_openapi_for_app(app: Genever) -> dict[str, Any]:
    """``app.openapi()``'s document (cached on the app by the caller)."""
    servers = list(app.servers)
    if app.root_path and app.root_path_in_servers and not any(s.get("url") == app.root_path for s in servers):
        servers.insert(0, {"url": app.root_path})
    return get_openapi(
        title=app.title,
        version=app.version,
        openapi_version=app.openapi_version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
        webhooks=app.webhooks.routes,
        tags=app.openapi_tags,
        servers=servers or None,
        terms_of_service=app.terms_of_service,
        contact=app.contact,
        license_info=app.license_info,
    )


__all__ = ["get_openapi", "get_openapi_for_app"]
