"""Streaming, files (ranges, conditional requests, HEAD), SSE, background tasks, static files, mounts."""

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from genever import BackgroundTasks, Genever
from genever.responses import FileResponse, JSONResponse, PlainTextResponse, StreamingResponse
from genever.sse import EventSourceResponse, ServerSentEvent
from genever.staticfiles import StaticFiles


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "data.bin").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("<h1>home</h1>")
    (tmp_path / "site" / "404.html").write_text("missing page")
    (tmp_path / "site" / "docs").mkdir()
    (tmp_path / "site" / "docs" / "index.html").write_text("docs index")
    (tmp_path / "site" / "style.css").write_text("body{}")
    (tmp_path / "secret.txt").write_text("do not serve")
    return tmp_path


def _app(files: Path, log: list[str]) -> Genever:
    app = Genever()

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        async def numbers() -> Any:
            for i in range(3):
                yield f"{i}\n"

        return StreamingResponse(numbers(), media_type="text/plain")

    @app.get("/sync-stream")
    def sync_stream() -> StreamingResponse:
        return StreamingResponse(iter([b"a", b"b", b"c"]), media_type="application/octet-stream")

    @app.get("/file")
    def file() -> FileResponse:
        return FileResponse(files / "data.bin", filename="d\u00e9ta.bin")

    @app.get("/events")
    async def events() -> EventSourceResponse:
        async def source() -> Any:
            yield ServerSentEvent({"n": 1}, event="tick", id="1", retry=500)
            yield ServerSentEvent(raw_data="line one\nline two", comment="raw")
            yield ServerSentEvent("quoted")
            yield {"any": "value"}
            yield "id: 9\n\n"  # str and bytes are sent as they are (it is a StreamingResponse)

        return EventSourceResponse(source())

    @app.post("/tasks")
    def tasks(background: BackgroundTasks) -> dict[str, bool]:
        background.add_task(log.append, "first")

        def broken() -> None:
            raise ValueError("task failure")

        background.add_task(broken)

        async def third() -> None:
            log.append("third")

        background.add_task(third)
        return {"queued": True}

    @app.get("/response-task")
    def response_task() -> JSONResponse:
        from genever.background import BackgroundTask

        return JSONResponse({"ok": True}, background=BackgroundTask(log.append, "response-task"))

    app.mount("/static", StaticFiles(directory=files / "site", html=True))

    async def raw_asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = f"{scope['root_path']}|{scope['path']}".encode()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": body})

    app.mount("/legacy", raw_asgi)
    return app


def test_streaming(client_factory: Any, files: Path) -> None:
    client = client_factory(_app(files, []))
    assert client.get("/stream").text == "0\n1\n2\n"
    assert client.get("/sync-stream").content == b"abc"


def test_file_response_headers_ranges_and_conditionals(client_factory: Any, files: Path) -> None:
    client = client_factory(_app(files, []))
    full = client.get("/file")
    assert full.status_code == 200
    assert full.content == (files / "data.bin").read_bytes()
    assert full.headers["content-length"] == "1024"
    assert full.headers["accept-ranges"] == "bytes"
    assert full.headers["content-disposition"] == "attachment; filename*=utf-8''d%C3%A9ta.bin"
    etag = full.headers["etag"]
    part = client.get("/file", headers={"Range": "bytes=10-19"})
    assert (part.status_code, part.content) == (206, bytes(range(10, 20)))
    assert part.headers["content-range"] == "bytes 10-19/1024"
    suffix = client.get("/file", headers={"Range": "bytes=-4"})
    assert suffix.content == bytes(range(252, 256))
    assert client.get("/file", headers={"Range": "bytes=5000-"}).status_code == 416
    assert client.get("/file", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/file", headers={"If-Range": '"other"', "Range": "bytes=0-1"}).status_code == 200
    head = client.head("/file")
    assert (head.status_code, head.content, head.headers["content-length"]) == (200, b"", "1024")


def test_server_sent_events(client_factory: Any, files: Path) -> None:
    response = client_factory(_app(files, [])).get("/events")
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-cache"
    assert response.text == (
        'event: tick\ndata: {"n":1}\nid: 1\nretry: 500\n\n'
        ": raw\ndata: line one\ndata: line two\n\n"
        'data: "quoted"\n\n'
        'data: {"any":"value"}\n\n'
        "id: 9\n\n"
    )


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"data": 1, "raw_data": "1"}, "not both"),
        ({"event": "a\nb"}, "single line"),
        ({"id": "a\rb"}, "single line"),
        ({"id": "a\0b"}, "NUL"),
        ({"retry": -1}, "retry"),
    ],
)
def test_server_sent_event_is_checked_when_built(kwargs: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        ServerSentEvent(**kwargs)


def test_sse_pings_while_quiet() -> None:
    async def slow() -> Any:
        await asyncio.sleep(0.05)
        yield ServerSentEvent(raw_data="late")

    response = EventSourceResponse(slow(), ping=0.01)

    async def collect() -> list[bytes]:
        return [chunk async for chunk in response.body_iterator]

    chunks = asyncio.run(collect())
    assert chunks[0] == b": ping\n\n"
    assert chunks[-1] == b"data: late\n\n"


def test_background_tasks_run_in_order_after_the_response(client_factory: Any, files: Path) -> None:
    log: list[str] = []
    client = client_factory(_app(files, log))
    assert client.post("/tasks").json() == {"queued": True}
    for _ in range(50):
        if len(log) == 2:
            break
        time.sleep(0.01)
    assert log == ["first", "third"]  # the failing task in between is logged, not fatal
    assert client.get("/response-task").json() == {"ok": True}
    assert log[-1] == "response-task"


def test_static_files(client_factory: Any, files: Path) -> None:
    client = client_factory(_app(files, []))
    assert client.get("/static/").text == "<h1>home</h1>"
    assert client.get("/static/style.css").text == "body{}"
    assert client.get("/static/style.css").headers["content-type"].startswith("text/css")
    docs = client.get("/static/docs", follow_redirects=False)
    assert docs.status_code == 307
    assert client.get("/static/docs/").text == "docs index"
    missing = client.get("/static/nope.html")
    assert (missing.status_code, missing.text) == (404, "missing page")
    assert client.get("/static/../secret.txt").status_code == 404
    assert client.get("/static/%2e%2e/secret.txt").status_code == 404
    assert client.post("/static/style.css").status_code == 405


def test_static_files_without_html(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a")
    app = Genever()
    app.mount("/files", StaticFiles(directory=tmp_path))
    from genever.testclient import TestClient

    client = TestClient(app)
    assert client.get("/files/a.txt").text == "a"
    assert client.get("/files/").status_code == 404
    with pytest.raises(RuntimeError, match="does not exist"):
        StaticFiles(directory=tmp_path / "missing")


def test_mounted_asgi_app(client_factory: Any, files: Path) -> None:
    client = client_factory(_app(files, []))
    # Starlette >= 0.33 (FastAPI): a mounted app gets the full path, the mount point in root_path
    assert client.get("/legacy/a/b").text == "/legacy|/legacy/a/b"


def test_plain_text_charset() -> None:
    assert PlainTextResponse("x").raw_headers == [("content-type", "text/plain; charset=utf-8")]


def test_asgi_streaming_stops_when_the_client_disconnects() -> None:
    closed: list[bool] = []

    async def forever() -> Any:
        try:
            while True:
                yield "tick\n"
                await asyncio.sleep(0.001)
        finally:
            closed.append(True)

    class Req:
        async def _receive(self) -> dict[str, Any]:
            await asyncio.sleep(0.02)
            return {"type": "http.disconnect"}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    response = EventSourceResponse(forever(), ping=None)
    response._prepare(Req())
    asyncio.run(asyncio.wait_for(response._send_asgi(send), timeout=5))
    assert closed == [True]
    assert 1 < len(sent) < 1000


def test_headers_follow_the_media_type_and_charset_in_force() -> None:
    from genever.responses import HTMLResponse, Response

    html = HTMLResponse("<p>é</p>")
    assert (html.body, html.raw_headers) == ("<p>é</p>".encode(), [("content-type", "text/html; charset=utf-8")])
    html.raw_headers.append(("x-mine", "1"))  # each response owns its list
    assert HTMLResponse("x").raw_headers == [("content-type", "text/html; charset=utf-8")]
    assert (Response("x").raw_headers, Response(None).body, Response(b"\x00").body) == ([], b"", b"\x00")
    assert HTMLResponse("x", media_type="text/csv").raw_headers == [("content-type", "text/csv; charset=utf-8")]
    given = HTMLResponse("x", headers={"Content-Type": "text/x-mine", "X-A": "b"}).raw_headers
    assert given == [("content-type", "text/x-mine"), ("x-a", "b")]

    class Latin(HTMLResponse):
        def __init__(self, content: str) -> None:
            self.charset = "latin-1"  # an instance's own charset, set before Response.__init__
            super().__init__(content)

    latin = Latin("é")
    assert (latin.body, latin.raw_headers) == (b"\xe9", [("content-type", "text/html; charset=latin-1")])

    class Later(HTMLResponse):
        pass

    Later.media_type = "text/csv"  # a class attribute changed after the class was made
    assert Later("x").raw_headers == [("content-type", "text/csv; charset=utf-8")]

    class Own(HTMLResponse):
        def _initial_headers(self, headers: Any) -> list[tuple[str, str]]:
            return [("x-own", "headers")]

    assert Own("x").raw_headers == [("x-own", "headers")]


def test_text_subclasses_render_as_their_str() -> None:
    import enum

    class Color(enum.StrEnum):
        RED = "red"

    class Shout(str):
        def __str__(self) -> str:
            return self.upper()

    assert PlainTextResponse(Color.RED).body == b"red"
    assert PlainTextResponse(Shout("hey")).body == b"HEY"  # as before: str(content), encoded
    assert PlainTextResponse(12).body == b"12"


def test_a_class_that_sends_itself_is_not_sent_for_it_under_rsgi() -> None:
    from genever.responses import Response
    from tests.rsgi_client import RSGITestClient

    class Marked(Response):
        def _send_rsgi_now(self, proto: Any, head_only: bool = False) -> None:
            self.raw_headers = [*self.raw_headers, ("x-sent-by", "marked")]
            super()._send_rsgi_now(proto, head_only)

    app = Genever()

    @app.get("/")
    async def index() -> Marked:
        return Marked("body")

    with RSGITestClient(app) as client:
        answer = client.get("/")
        assert (answer.text, answer.headers["x-sent-by"]) == ("body", "marked")
        head = client.head("/")
        assert (head.content, head.headers["x-sent-by"], head.headers["content-length"]) == (b"", "marked", "4")
