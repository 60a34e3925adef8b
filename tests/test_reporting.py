"""``app.add_error_reporter``: the one place unhandled exceptions go, with route, request id and
the app's context; answers (HTTPException, 422, handled exceptions) are not reported."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from genever import Depends, Genever, HTTPException, Request
from genever import logging as genever_logging
from genever.reporting import ErrorReport, add_error_context


class Handled(Exception):
    pass


def make_app(reports: list[ErrorReport]) -> Genever:
    app = Genever()

    async def current_user(request: Request) -> str:
        add_error_context(request, user_id="u-1")
        return "u-1"

    @app.get("/orders/{order_id}")
    async def order(order_id: int, user: str = Depends(current_user)) -> dict[str, int]:
        if order_id == 0:
            raise HTTPException(404)
        if order_id == 1:
            raise Handled()
        raise KeyError(order_id)

    @app.get("/sync-fail")
    def sync_fail(request: Request) -> None:
        add_error_context(request, tenant="acme")
        raise ValueError("in a thread")

    @app.exception_handler(Handled)
    async def handled(request: Request, exc: Handled) -> Any:
        from genever.responses import JSONResponse

        return JSONResponse({"handled": True}, status_code=409)

    async def async_reporter(report: ErrorReport) -> None:
        reports.append(report)

    def broken_reporter(report: ErrorReport) -> None:
        raise RuntimeError("the reporter itself fails")

    app.add_error_reporter(broken_reporter)
    app.add_error_reporter(async_reporter)
    genever_logging.instrument(app, access_log=False)
    return app


def test_unhandled_exceptions_reach_the_reporters(
    client_factory: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    reports: list[ErrorReport] = []
    client = client_factory(make_app(reports), raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR):
        assert client.get("/orders/7", headers={"X-Request-ID": "r-1"}).status_code == 500
        assert client.get("/sync-fail", headers={"X-Request-ID": "r-2"}).status_code == 500
        # answers are not errors
        assert client.get("/orders/0").status_code == 404
        assert client.get("/orders/x").status_code == 422
        assert client.get("/orders/1").status_code == 409
    first, second = reports
    assert isinstance(first.exception, KeyError)
    assert (first.method, first.route, first.path) == ("GET", "/orders/{order_id}", "/orders/7")
    assert first.request_id == "r-1"
    assert first.context == {"user_id": "u-1"}
    assert isinstance(second.exception, ValueError)
    assert (second.route, second.request_id, second.context) == ("/sync-fail", "r-2", {"tenant": "acme"})
    # the reporter that failed is logged and did not stop the others
    assert sum("error reporter" in r.getMessage() for r in caplog.records) == 2


def test_an_exception_handler_that_fails_is_reported(client_factory: Callable[..., Any]) -> None:
    reports: list[ErrorReport] = []
    app = Genever()

    @app.get("/")
    async def root() -> None:
        raise Handled()

    @app.exception_handler(Handled)
    async def failing(request: Request, exc: Handled) -> Any:
        raise LookupError("handler bug")

    app.add_error_reporter(reports.append)
    client = client_factory(app, raise_server_exceptions=False)
    assert client.get("/").status_code == 500
    (report,) = reports
    assert isinstance(report.exception, LookupError)
    assert report.route == "/"
    assert report.request_id is None
