# ruff: noqa: E501 - a table of probes: one probe a line reads best
"""The hostile probes: what an attacker or an unlucky client sends, and what a correct
server answers. Each probe gets a :class:`Target` and returns an :class:`Outcome`.

Categories: ``http`` (request line, headers, lengths, chunking, pipelining, slow
clients), ``body`` (JSON depth, size, numbers, encodings; forms and multipart counts,
sizes, filenames), ``path`` (every encoding of ``..``, NUL, backslash, symlinks in and
out of a static directory) and ``ws`` (sizes, bad frames, clean and dirty closes, drops).

"Correct" is a 4xx (or the server closing the connection, for bytes it cannot parse)
for a client's mistake, and the documented answer for the rest; a 500, or no answer
in the time allowed (a hang), is always wrong.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from tests.hostile.wire import (
    WS,
    Answer,
    chunked,
    close_code,
    connect,
    exchange,
    read_answer,
    request,
    send_until_answer,
    ws_close_frame,
    ws_frame,
)

JSON = {"Content-Type": "application/json"}
LIMIT = 1 << 20  # the app's max_body_size in the suite


@dataclass
class Target:
    name: str  # the server: "genever-run", "uvicorn"
    port: int


@dataclass
class Outcome:
    ok: bool
    status: int | str  # the HTTP status, "closed", "hang", or a WebSocket close description
    note: str = ""


@dataclass
class Probe:
    name: str
    category: str
    run: Callable[[Target], Outcome]


PROBES: list[Probe] = []


def _judge(answer: Answer, accept: Callable[[int], bool], closed_ok: bool) -> Outcome:
    if answer.hung:
        return Outcome(False, "hang")
    if answer.closed:
        return Outcome(closed_ok, "closed")
    return Outcome(accept(answer.status) and answer.status != 500, answer.status, answer.body[:80].decode("latin-1"))


def client_error(status: int) -> bool:
    return 400 <= status < 500


def success(status: int) -> bool:
    return 200 <= status < 300


def raw(name: str, category: str, payload: bytes, accept: Callable[[int], bool] = client_error,
        closed_ok: bool = True, half_close: bool = False, timeout: float = 5.0) -> None:
    """A probe that sends ``payload`` on a new connection and judges the one answer."""

    def run(target: Target) -> Outcome:
        return _judge(exchange(target.port, payload, half_close=half_close, timeout=timeout), accept, closed_ok)

    PROBES.append(Probe(name, category, run))


def probe(name: str, category: str) -> Callable[[Callable[[Target], Outcome]], Callable[[Target], Outcome]]:
    def register(run: Callable[[Target], Outcome]) -> Callable[[Target], Outcome]:
        PROBES.append(Probe(name, category, run))
        return run

    return register


def status_in(*codes: int) -> Callable[[int], bool]:
    return lambda status: status in codes


# -- http: request line ------------------------------------------------------------------------

raw("garbage request line", "http", b"GARBAGE\r\n\r\n")
raw("binary request line", "http", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n")
raw("method with bad characters", "http", b"G@T /health HTTP/1.1\r\nHost: t\r\n\r\n", status_in(400, 405, 501))
raw("unknown method", "http", request("BREW", "/health"), status_in(400, 405, 501))
# the HTTP layer is the server's: uvicorn (httptools) takes some of these that Granian (hyper) refuses;
# either way the answer must not be a 500 or a hang
raw("HTTP/9.9", "http", b"GET /health HTTP/9.9\r\nHost: t\r\nConnection: close\r\n\r\n", status_in(200, 400, 505))
raw("no HTTP version", "http", b"GET /health\r\n\r\n", lambda s: s < 500)
raw("target without slash", "http", b"GET health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", lambda s: s < 500)
raw("absolute-form target", "http", b"GET http://other/health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
    lambda s: s < 500)
raw("URL of 100 KB", "http", request("GET", "/health?" + "a" * 100_000), status_in(200, 400, 414, 431))
raw("NUL in the path", "http", request("GET", "/he\x00alth"), client_error)
raw("space in the path", "http", b"GET /he alth HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", client_error)
raw("invalid percent-encoding in the path", "http", request("GET", "/%zz"), client_error)
raw("invalid UTF-8 in the path", "http", request("GET", "/%ff%fe"), client_error)
raw("invalid UTF-8 in the query", "http", request("GET", "/query?q=%ff&n=1"), success)
raw("invalid percent-encoding in the query", "http", request("GET", "/query?q=%zz%&n=1"), success)
raw("a query parameter of the wrong type", "http", request("GET", "/query?n=" + "9" * 5000), client_error)

# -- http: headers -----------------------------------------------------------------------------

raw("200 headers", "http", request("GET", "/query", headers={f"X-H{i}": "v" for i in range(200)}),
    lambda s: s == 200 or s == 431)
raw("10,000 headers", "http", request("GET", "/health", headers={f"X-H{i}": "v" for i in range(10_000)}),
    status_in(200, 400, 431))
raw("header value of 100 KB", "http", request("GET", "/health", headers={"X-Big": "v" * 100_000}), status_in(200, 400, 431))
raw("header line without colon", "http", b"GET /health HTTP/1.1\r\nHost: t\r\nNoColonHere\r\n\r\n", client_error)
raw("space before the colon", "http", b"GET /health HTTP/1.1\r\nHost : t\r\n\r\n", client_error)
raw("obsolete line folding", "http", b"GET /health HTTP/1.1\r\nHost: t\r\nX-A: 1\r\n folded\r\nConnection: close\r\n\r\n",
    lambda s: s == 200 or client_error(s))
raw("NUL in a header value", "http", b"GET /health HTTP/1.1\r\nHost: t\r\nX-A: a\x00b\r\n\r\n", client_error)
raw("no Host in HTTP/1.1", "http", b"GET /health HTTP/1.1\r\nConnection: close\r\n\r\n", lambda s: s == 200 or s == 400)
raw("HTTP/1.0 without Host", "http", b"GET /health HTTP/1.0\r\n\r\n", success)
raw("two Host headers", "http", b"GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n",
    lambda s: s == 200 or s == 400)
raw("garbage cookies", "http", request("GET", "/query", headers={"Cookie": '=;;"a=\\";\x7f=; b=%zz; c'}),
    lambda s: s == 200 or s == 400)
raw("Expect: 100-continue then the body", "http",
    request("POST", "/json", b'{"name": "a"}', {**JSON, "Expect": "100-continue"}), lambda s: s in (100, 200))

# -- http: lengths and chunking ----------------------------------------------------------------

raw("two different Content-Lengths", "http",
    b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde", client_error)
raw("negative Content-Length", "http", b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n", client_error)
raw("Content-Length not a number", "http", b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n", client_error)
raw("Content-Length of 2**70", "http", b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1180591620717411303424\r\n\r\n",
    status_in(400, 413))
raw("Content-Length and chunked together", "http",
    b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    + chunked(b"abc"), lambda s: s == 200 or client_error(s))
raw("unknown Transfer-Encoding", "http",
    b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: xchunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", status_in(400, 501))
raw("chunk size not hex", "http", request("POST", "/json", b"ZZ\r\nabc\r\n0\r\n\r\n", {**JSON, "Transfer-Encoding": "chunked"}))
raw("chunk shorter than its size", "http",
    request("POST", "/json", b"5\r\nabc\r\n0\r\n\r\n", {**JSON, "Transfer-Encoding": "chunked"}))
raw("chunk without CRLF", "http", request("POST", "/echo", b"3\r\nabcXX0\r\n\r\n", {"Transfer-Encoding": "chunked"}))
raw("chunk extension of 100 KB", "http",
    request("POST", "/echo", b"3;" + b"e" * 100_000 + b"\r\nabc\r\n0\r\n\r\n", {"Transfer-Encoding": "chunked"}),
    lambda s: s == 200 or client_error(s))
raw("half-close before Content-Length", "http",
    request("POST", "/json", b'{"name": ', {**JSON, "Content-Length": "100"}), half_close=True)
raw("half-close before Content-Length (form)", "http",
    request("POST", "/form", b"name=a", {"Content-Type": "application/x-www-form-urlencoded", "Content-Length": "100"}),
    half_close=True)


@probe("chunked body past the limit", "http")
def _chunked_past_limit(target: Target) -> Outcome:
    piece = b"x" * 65536
    head = request("POST", "/echo", headers={"Transfer-Encoding": "chunked"})
    return _judge(send_until_answer(target.port, head, [b"%x\r\n%s\r\n" % (len(piece), piece)] * 20), status_in(413), True)


@probe("pipelined GETs", "http")
def _pipelined(target: Target) -> Outcome:
    with connect(target.port) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n" * 3)
        carry = bytearray()
        statuses = [read_answer(sock, carry=carry).status for _ in range(3)]
    return Outcome(statuses == [200, 200, 200], ",".join(map(str, statuses)))


@probe("pipelined POST then GET", "http")
def _pipelined_post(target: Target) -> Outcome:
    with connect(target.port) as sock:
        sock.sendall(request("POST", "/json", b'{"name": "a"}', {**JSON, "Connection": "keep-alive"})
                     + b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
        carry = bytearray()
        statuses = [read_answer(sock, carry=carry).status for _ in range(2)]
    return Outcome(statuses == [200, 200], ",".join(map(str, statuses)))


@probe("100 requests on one connection", "http")
def _keep_alive(target: Target) -> Outcome:
    with connect(target.port) as sock:
        statuses = set()
        for _ in range(100):
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
            statuses.add(read_answer(sock).status)
    return Outcome(statuses == {200}, ",".join(map(str, sorted(statuses))))


@probe("slow client (a byte at a time)", "http")
def _slow_client(target: Target) -> Outcome:
    payload = request("POST", "/json", b'{"name": "slow"}', JSON)
    with connect(target.port, timeout=10) as sock:
        for i in range(0, len(payload), 4):
            sock.sendall(payload[i : i + 4])
            time.sleep(0.01)
        return _judge(read_answer(sock), success, False)


@probe("slowloris: 50 idle half-sent requests, then a real one", "http")
def _slowloris(target: Target) -> Outcome:
    idle = []
    try:
        for _ in range(50):
            sock = connect(target.port)
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: t\r\nX-Slow: ")
            idle.append(sock)
        return _judge(exchange(target.port, request("GET", "/health")), success, False)
    finally:
        for sock in idle:
            sock.close()


@probe("client gone mid-body (reset)", "http")
def _reset_mid_body(target: Target) -> Outcome:
    for _ in range(20):
        sock = connect(target.port)
        sock.sendall(request("POST", "/upload", b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\n"
                             + b"x" * 10000, {"Content-Type": "multipart/form-data; boundary=b", "Content-Length": "900000"}))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    return _judge(exchange(target.port, request("GET", "/health")), success, False)


@probe("50 concurrent clients", "http")
def _concurrent(target: Target) -> Outcome:
    results: list[int] = []

    def one() -> None:
        results.append(exchange(target.port, request("POST", "/json", b'{"name": "c"}', JSON)).status)

    threads = [threading.Thread(target=one) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Outcome(results == [200] * 50, ",".join(sorted({str(s) for s in results})))


# -- bodies: JSON ------------------------------------------------------------------------------

PARSE_ERROR = b'{"detail":"There was an error parsing the body"}'


def json_probe(name: str, body: bytes, accept: Callable[[int], bool], exact: bytes | None = None,
               headers: dict[str, str] | None = None) -> None:
    def run(target: Target) -> Outcome:
        answer = exchange(target.port, request("POST", "/json", body, headers or JSON))
        outcome = _judge(answer, accept, False)
        if exact is not None and outcome.ok and answer.body != exact:
            return Outcome(False, answer.status, answer.body[:80].decode("latin-1"))
        return outcome

    PROBES.append(Probe(name, "body", run))


def nested(depth: int) -> bytes:
    return b'{"name": "n", "tags": [' + b"[" * depth + b"]" * depth + b"]}"


json_probe("JSON with invalid UTF-8", b'{"name": "\xff"}', status_in(400), PARSE_ERROR)
json_probe("JSON with an overlong UTF-8 sequence", b'{"name": "\xc0\xaf"}', status_in(400), PARSE_ERROR)
json_probe("JSON integer of 5000 digits", b'{"name": "a", "price": ' + b"9" * 5000 + b"}", status_in(400), PARSE_ERROR)
json_probe("JSON float of 5000 digits", b'{"name": "a", "price": 1.' + b"9" * 5000 + b"}", success)
json_probe("JSON 1e999", b'{"name": "a", "price": 1e999}', lambda s: s in (200, 422))
json_probe("JSON nested 600 levels", nested(600), success)
json_probe("JSON nested 5000 levels", nested(5000), status_in(400), PARSE_ERROR)
json_probe("JSON nested 100,000 levels", b"[" * 100_000 + b"]" * 100_000, status_in(400), PARSE_ERROR)
json_probe("JSON nested objects 5000 levels", b'{"a":' * 5000 + b"1" + b"}" * 5000, status_in(400), PARSE_ERROR)
json_probe("JSON truncated", b'{"name": ', status_in(422))
json_probe("JSON with a NUL", b'{"name": "\x00"}', status_in(422))
json_probe("JSON with a lone surrogate", b'{"name": "\\ud800"}', success)
json_probe("JSON with a BOM", b'\xef\xbb\xbf{"name": "a"}', success)
json_probe("JSON in UTF-16", '{"name": "a"}'.encode("utf-16"), success)
json_probe("JSON duplicate keys", b'{"name": "a", "name": "b"}', success)
json_probe("JSON top-level array", b"[1, 2, 3]", status_in(422))
json_probe("JSON 900 KB string", b'{"name": "' + b"a" * 900_000 + b'"}', success)
json_probe("JSON 1,000,000 array items", b'{"name": "a", "tags": [' + b"0," * 499_999 + b"0]}", lambda s: s in (200, 413))
json_probe("JSON declared as text/plain", b'{"name": "a"}', status_in(422), headers={"Content-Type": "text/plain"})
json_probe("JSON with a bad charset", b'{"name": "a"}', lambda s: s in (200, 415, 422),
           headers={"Content-Type": "application/json; charset=klingon"})
json_probe("empty JSON body", b"", status_in(422))

# -- bodies: forms and multipart ---------------------------------------------------------------

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def form_probe(name: str, path: str, body: bytes, headers: dict[str, str], accept: Callable[[int], bool]) -> None:
    def run(target: Target) -> Outcome:
        return _judge(exchange(target.port, request("POST", path, body, headers)), accept, False)

    PROBES.append(Probe(name, "body", run))


def multipart(*parts: tuple[bytes, bytes], boundary: bytes = b"XyZ") -> bytes:
    return b"".join(b"--" + boundary + b"\r\n" + head + b"\r\n\r\n" + data + b"\r\n" for head, data in parts) + (
        b"--" + boundary + b"--\r\n"
    )


def file_part(filename: bytes, data: bytes = b"data") -> tuple[bytes, bytes]:
    return b'Content-Disposition: form-data; name="file"; filename="' + filename + b'"', data


MP = {"Content-Type": "multipart/form-data; boundary=XyZ"}

form_probe("urlencoded form", "/form", b"name=a&count=2", FORM, success)
form_probe("urlencoded invalid percent-encoding", "/form", b"name=%zz%&count=1", FORM, success)
form_probe("urlencoded invalid UTF-8", "/form", b"name=%ff%fe", FORM, success)
form_probe("urlencoded 2000 fields", "/form", b"&".join(b"f%d=v" % i for i in range(2000)), FORM, status_in(400))
form_probe("urlencoded wrong type", "/form", b"name=a&count=" + b"9" * 5000, FORM, status_in(422))
form_probe("multipart without boundary", "/upload", multipart(file_part(b"a")),
           {"Content-Type": "multipart/form-data"}, client_error)
form_probe("multipart with another boundary", "/upload", multipart(file_part(b"a"), boundary=b"other"), MP, client_error)
form_probe("multipart truncated", "/upload", multipart(file_part(b"a"))[:-20], MP, client_error)
form_probe("multipart 2000 files", "/upload", multipart(*[file_part(b"f%d" % i) for i in range(2000)]), MP,
           status_in(400))
form_probe("multipart 2000 fields", "/upload", multipart(
    *[(b'Content-Disposition: form-data; name="f%d"' % i, b"v") for i in range(2000)]), MP, status_in(400))
form_probe("multipart part header of 64 KB", "/upload",
           multipart((b'Content-Disposition: form-data; name="file"; filename="a"\r\nX-Big: ' + b"h" * 65536, b"d")),
           MP, lambda s: s == 200 or client_error(s))
form_probe("multipart filename ../../etc/passwd", "/upload", multipart(file_part(b"../../etc/passwd")), MP, success)
form_probe("multipart filename with NUL and invalid UTF-8", "/upload", multipart(file_part(b"a\x00\xff.txt")), MP,
           lambda s: s == 200 or client_error(s))
form_probe("multipart filename of 10 KB", "/upload", multipart(file_part(b"n" * 10_000)), MP,
           lambda s: s == 200 or client_error(s))
form_probe("multipart field over the part size", "/upload", multipart(
    (b'Content-Disposition: form-data; name="note"', b"n" * (LIMIT + 1000)), file_part(b"a")), MP, client_error)
form_probe("multipart without the file", "/upload", multipart(
    (b'Content-Disposition: form-data; name="note"', b"n")), MP, status_in(422))

# -- paths (the static directory of tests/hostile/tree.py) ----------------------------------------

TRAVERSALS = [
    "/%2e%2e/secret.txt",
    "/../secret.txt",
    "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/inner/%2e%2e/%2e%2e/secret.txt",
    "/..%2fsecret.txt",
    "/%2e%2e%2fsecret.txt",
    "/.%2e/secret.txt",
    "/%2E%2E/secret.txt",
    "/..%5csecret.txt",
    "/%5c..%5csecret.txt",
    "//etc/passwd",
    "/%2fetc%2fpasswd",
    "/dir-out/%2e%2e/secret.txt",
    "/%252e%252e/secret.txt",
    "/%c0%ae%c0%ae/secret.txt",
    "/hello.txt%00",
    "/hello.txt%00.png",
]


def path_probe(name: str, path: str, accept: Callable[[Answer], bool]) -> None:
    def run(target: Target) -> Outcome:
        answer = exchange(target.port, request("GET", path))
        outcome = _judge(answer, lambda s: True, True)
        if not outcome.ok:
            return outcome
        return Outcome(accept(answer), outcome.status, answer.body[:40].decode("latin-1"))

    PROBES.append(Probe(name, "path", run))


def refused(answer: Answer) -> bool:
    return (answer.closed or answer.status in (400, 404)) and b"secret" not in answer.body and b"root:" not in answer.body


for mount in ("/static", "/plain"):
    for traversal in TRAVERSALS:
        path_probe(f"{mount}{traversal}", mount + traversal, refused)
path_probe("/static/hello.txt", "/static/hello.txt", lambda a: a.status == 200 and a.body == b"hello")
path_probe("/static/back%5cslash.txt (a name)", "/static/back%5cslash.txt", lambda a: a.body == b"backslash")
path_probe("symlink inside, pointing inside", "/plain/link-in.txt", lambda a: a.body == b"page")
path_probe("symlink inside, pointing out (followed)", "/static/link-out.txt", lambda a: a.body == b"secret")
path_probe("symlink inside, pointing out (not followed)", "/plain/link-out.txt", refused)
raw("POST to a static file", "path", request("POST", "/static/hello.txt", b"x"), status_in(405))


# -- WebSocket ---------------------------------------------------------------------------------


def ws_outcome(ws: WS, expect_code: int | None, name: str) -> Outcome:
    """The connection must be closed by the server: a close frame (with ``expect_code`` on uvicorn;
    Granian sends none) or the end of the TCP connection."""
    frame = ws.read_close(timeout=10)
    if frame is not None:
        code = close_code(frame[1])
        if name == "uvicorn" and expect_code is not None and code != expect_code:
            return Outcome(False, f"close {code}", f"expected {expect_code}")
        return Outcome(True, f"close {code}")
    if ws.wait_eof(timeout=2):
        return Outcome(True, "closed")
    return Outcome(False, "hang")


def ws_probe(name: str, frames: list[bytes], expect_code: int | None, path: str = "/ws/echo") -> None:
    def run(target: Target) -> Outcome:
        with WS(target.port, path) as ws:
            if ws.answer.status != 101:
                return Outcome(False, ws.answer.status, "no upgrade")
            for frame in frames:
                if not ws.send(frame):
                    break
            return ws_outcome(ws, expect_code, target.name)

    PROBES.append(Probe(name, "ws", run))


ws_probe("text frame with invalid UTF-8", [ws_frame(0x1, b"\xff\xfe")], 1007)
ws_probe("unmasked client frame", [ws_frame(0x1, b"hi", mask=False)], 1002)
ws_probe("reserved bits set", [ws_frame(0x1, b"hi", rsv=0b111)], 1002)
ws_probe("unknown opcode", [ws_frame(0x3, b"hi")], 1002)
ws_probe("fragmented ping", [ws_frame(0x9, b"p", fin=False)], 1002)
ws_probe("ping of 200 bytes", [ws_frame(0x9, b"p" * 200)], 1002)
ws_probe("continuation without a start", [ws_frame(0x0, b"x")], 1002)
ws_probe("close with code 999", [ws_close_frame(999)], 1002)
ws_probe("close with a 1-byte payload", [ws_frame(0x8, b"\x03")], 1002)
ws_probe("close with an invalid UTF-8 reason", [ws_close_frame(1000, b"\xff")], 1007)
ws_probe("message of 20 MB", [ws_frame(0x2, b"x" * (20 << 20))], 1009)
ws_probe("fragmented message of 19 MB", [ws_frame(0x2, b"x" * (1 << 20), fin=False)]
         + [ws_frame(0x0, b"x" * (1 << 20), fin=False)] * 18 + [ws_frame(0x0, b"x")], 1009)


@probe("WebSocket echo then a clean close", "ws")
def _ws_clean(target: Target) -> Outcome:
    with WS(target.port, "/ws/echo") as ws:
        ws.send(ws_frame(0x1, b"hello") + ws_frame(0x2, b"\x00\x01"))
        echoed = [ws.read(), ws.read()]
        if echoed != [(0x1, b"hello"), (0x2, b"\x00\x01")]:
            return Outcome(False, "echo", repr(echoed))
        started = time.monotonic()
        ws.send(ws_close_frame(1000))
        frame = ws.read_close(timeout=3)
        eof = ws.wait_eof(timeout=3)
        elapsed = time.monotonic() - started
        ok = frame is not None and close_code(frame[1]) == 1000 and eof and elapsed < 2
        return Outcome(ok, f"close {frame and close_code(frame[1])}", f"{elapsed:.2f}s")


@probe("WebSocket endpoint that returns", "ws")
def _ws_returns(target: Target) -> Outcome:
    with WS(target.port, "/ws/bye") as ws:
        if ws.read() != (0x1, b"bye"):
            return Outcome(False, "no bye")
        started = time.monotonic()
        if ws.read_close(timeout=3) is not None:
            ws.send(ws_close_frame(1000))
        eof = ws.wait_eof(timeout=3)
        return Outcome(eof and time.monotonic() - started < 2, "closed" if eof else "hang")


@probe("WebSocket dirty closes (RST) x50", "ws")
def _ws_dirty(target: Target) -> Outcome:
    for _ in range(50):
        ws = WS(target.port, "/ws/echo")
        ws.send(ws_frame(0x1, b"x"))
        ws.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        ws.close()
    with WS(target.port, "/ws/echo") as ws:
        ws.send(ws_frame(0x1, b"alive"))
        return Outcome(ws.read() == (0x1, b"alive"), "echo")


@probe("WebSocket upgrades dropped mid-handshake x50", "ws")
def _ws_dropped(target: Target) -> Outcome:
    for _ in range(50):
        sock = connect(target.port)
        sock.sendall(b"GET /ws/echo HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n")
        sock.close()
    return _judge(exchange(target.port, request("GET", "/health")), success, False)


raw("WebSocket upgrade with version 8", "ws",
    b"GET /ws/echo HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n", status_in(400, 426))
raw("WebSocket upgrade without a key", "ws",
    b"GET /ws/echo HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n",
    status_in(400, 426))


@probe("WebSocket to an unknown path", "ws")
def _ws_unknown(target: Target) -> Outcome:
    with WS(target.port, "/ws/nowhere") as ws:
        if ws.answer.status in (403, 404):
            return Outcome(True, ws.answer.status)
        if ws.answer.status == 101:
            return ws_outcome(ws, None, target.name)
        return Outcome(False, ws.answer.status)
