"""The public facade is what it claims, covers the FastAPI names we promise, and layers only import downward."""

import ast
from pathlib import Path

import fastapi

import genever

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
