"""The public facade is what it claims, covers the FastAPI names we promise, and layers only import downward."""

import ast
import importlib
import inspect
from pathlib import Path

import fastapi
import pytest

import genever
import genever.routing

SRC = Path(genever.__file__).parent


def test_all_is_sorted_and_importable() -> None:
    assert genever.__all__ == sorted(genever.__all__)
    for name in genever.__all__:
        assert hasattr(genever, name), name


def test_fastapi_top_level_names_we_claim() -> None:
    claimed = ["APIRouter", "BackgroundTasks", "Body", "Cookie", "Depends", "FastAPI", "File", "Form", "HTTPException",
               "Header", "Path", "Query", "Request", "Response", "Security", "UploadFile", "WebSocket",
               "WebSocketDisconnect", "WebSocketException"]  # fmt: skip
    for name in claimed:
        assert hasattr(fastapi, name), name
        assert hasattr(genever, name), name


def test_fastapi_submodules_exist() -> None:
    import genever.encoders
    import genever.responses
    import genever.security
    import genever.status

    for name in ("JSONResponse", "PlainTextResponse", "HTMLResponse", "RedirectResponse", "StreamingResponse",
                 "FileResponse", "ORJSONResponse", "UJSONResponse", "Response"):  # fmt: skip
        assert hasattr(genever.responses, name), name
    assert genever.status.HTTP_422_UNPROCESSABLE_ENTITY == 422
    assert callable(genever.encoders.jsonable_encoder)
    import fastapi.security

    public = [n for n in dir(fastapi.security) if not n.startswith("_") and n[0].isupper()]
    assert public
    for name in public:
        assert hasattr(genever.security, name), name


# What packages built on FastAPI import (prometheus-fastapi-instrumentator, strawberry, sentry-sdk,
# fastapi-cache2, fastapi-pagination, starlette-exporter...), by FastAPI's module names.
ECOSYSTEM_IMPORTS = {
    "": ["APIRouter", "Body", "Depends", "FastAPI", "HTTPException", "Query", "Request", "Response", "params",
         "status"],
    "applications": ["FastAPI"],
    "concurrency": ["contextmanager_in_threadpool", "iterate_in_threadpool", "run_in_threadpool"],
    "datastructures": ["Default", "DefaultPlaceholder", "UploadFile"],
    "dependencies.models": ["Dependant"],
    "dependencies.utils": ["get_dependant", "get_typed_annotation", "get_typed_return_annotation",
                           "get_typed_signature", "lenient_issubclass"],
    "encoders": ["jsonable_encoder"],
    "exceptions": ["HTTPException", "RequestValidationError"],
    "logger": ["logger"],
    "middleware.cors": ["CORSMiddleware"],
    "middleware.wsgi": ["WSGIMiddleware"],
    "openapi.constants": ["METHODS_WITH_BODY", "REF_PREFIX", "REF_TEMPLATE"],
    "param_functions": ["Body", "Cookie", "Depends", "File", "Form", "Header", "Path", "Query", "Security"],
    "params": ["Body", "Depends", "Param", "Query", "Security"],
    "responses": ["JSONResponse"],
    "routing": ["APIRoute", "APIRouter", "APIWebSocketRoute", "get_request_handler"],
    "security": ["APIKeyCookie", "OAuth2PasswordBearer", "OAuth2PasswordRequestForm"],
    "security.base": ["SecurityBase"],
    "security.oauth2": ["SecurityScopes"],
    "types": ["DecoratedCallable", "IncEx", "UnionType"],
    "utils": ["deep_dict_update", "generate_unique_id", "get_path_param_names", "get_value_or_default",
              "is_body_allowed_for_status_code"],
}  # fmt: skip


@pytest.mark.filterwarnings("ignore:starlette.middleware.wsgi is deprecated")
def test_names_the_ecosystem_imports_exist_in_both() -> None:
    for module, names in ECOSYSTEM_IMPORTS.items():
        theirs = importlib.import_module("fastapi" + ("." + module if module else ""))
        mine = importlib.import_module("genever" + ("." + module if module else ""))
        for name in names:
            assert hasattr(theirs, name), f"fastapi.{module}.{name}"
            assert hasattr(mine, name), f"genever.{module}.{name}"


def test_router_takes_fastapis_keyword_arguments() -> None:
    signature = inspect.signature(genever.APIRouter)
    for name in ("default", "dependency_overrides_provider", "route_class", "lifespan", "on_startup"):
        assert name in signature.parameters, name
    assert "dependant" in inspect.signature(genever.routing.get_request_handler).parameters


# Modules that nothing inside the package may import (the top layer).
TOP = {"testclient", "cli"}


def test_nothing_imports_the_top_layer() -> None:
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                name = node.module.split(".")[-1]
                assert name not in TOP or path.stem in TOP, f"{path.relative_to(SRC)} imports {node.module}"


def test_router_tree_is_stdlib_only() -> None:
    for path in (SRC / "_router").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 2:
                raise AssertionError(f"{path.name} imports from the package: {node.module}")


def test_observability_facades() -> None:
    import genever.health
    import genever.logging
    import genever.metrics
    import genever.reporting
    import genever.tracing

    for module in (genever.health, genever.logging, genever.metrics, genever.reporting, genever.tracing):
        assert len(set(module.__all__)) == len(module.__all__), module.__name__  # ruff (RUF022) keeps it sorted
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.{name}"
