"""Raw-socket helpers for the hostile tests: send exact bytes, read one HTTP answer,
speak just enough WebSocket to send good and bad frames, count a process's descriptors.

No HTTP client library is used on purpose: the point is to send what a library
would refuse to send.
"""

from __future__ import annotations

import base64
import os
import socket
import struct
import time
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Answer:
    """What came back: ``status`` 0 when the server closed without answering, -1 on a hang."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    raw: bytes = b""

    @property
    def hung(self) -> bool:
        return self.status == -1

    @property
    def closed(self) -> bool:
        return self.status == 0


def connect(port: int, timeout: float = 5.0) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.settimeout(timeout)
    return sock


def read_answer(sock: socket.socket, timeout: float = 5.0, carry: bytearray | None = None) -> Answer:
    """Read one HTTP/1.1 response (Content-Length, chunked or until close). ``carry`` holds
    bytes read past the answer (pipelined answers) for the next call, and gives them to it."""
    deadline = time.monotonic() + timeout
    data = b""
    if carry:
        data = bytes(carry)
        carry.clear()

    def more() -> bytes:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        sock.settimeout(remaining)
        return sock.recv(65536)

    try:
        while b"\r\n\r\n" not in data:
            chunk = more()
            if not chunk:
                return Answer(0, raw=data)
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            length = int(headers["content-length"])
            while len(rest) < length:
                chunk = more()
                if not chunk:
                    break
                rest += chunk
            if carry is not None:
                carry.extend(rest[length:])
            return Answer(status, headers, rest[:length], data)
        if headers.get("transfer-encoding", "").lower() == "chunked":
            while not rest.endswith(b"0\r\n\r\n"):
                chunk = more()
                if not chunk:
                    break
                rest += chunk
            return Answer(status, headers, _dechunk(rest), data)
        if status in (101, 204, 304) or 100 <= status < 200:
            return Answer(status, headers, rest, data)  # after a 101: the first frames, if any
        while chunk := more():
            rest += chunk
        return Answer(status, headers, rest, data)
    except TimeoutError:
        return Answer(-1, raw=data)
    except (ConnectionResetError, BrokenPipeError):
        return Answer(0, raw=data)


def _dechunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out += data[:size]
        data = data[size + 2 :]
    return out


def exchange(port: int, payload: bytes, *, half_close: bool = False, timeout: float = 5.0) -> Answer:
    """Send ``payload`` on a new connection (then shut down our side if asked), read one answer."""
    with connect(port, timeout) as sock:
        try:
            sock.sendall(payload)
            if half_close:
                sock.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            return Answer(0)
        return read_answer(sock, timeout)


def send_until_answer(port: int, head: bytes, pieces: list[bytes], timeout: float = 10.0) -> Answer:
    """Send ``head`` then ``pieces`` one by one, stopping as soon as the server answers (a
    server that refuses a body early may close the connection: the answer must not be lost
    to a reset caused by bytes it did not want)."""
    import select

    with connect(port, timeout) as sock:
        try:
            sock.sendall(head)
            for piece in pieces:
                readable, _, _ = select.select([sock], [], [], 0)
                if readable:
                    break
                sock.sendall(piece)
        except (BrokenPipeError, ConnectionResetError):
            pass
        return read_answer(sock, timeout)


def request(method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> bytes:
    """A well-formed HTTP/1.1 request with ``Connection: close`` (add a Content-Length when there is a body)."""
    all_headers = {"Host": "test", "Connection": "close", **(headers or {})}
    if body and "Content-Length" not in all_headers and "Transfer-Encoding" not in all_headers:
        all_headers["Content-Length"] = str(len(body))
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in all_headers.items())
    return head.encode("latin-1") + b"\r\n" + body


def chunked(*parts: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def tcp_fds(pid: int) -> int:
    """Sockets held by ``pid``."""
    count = 0
    for entry in Path(f"/proc/{pid}/fd").iterdir():
        try:
            if os.readlink(entry).startswith("socket:"):
                count += 1
        except OSError:
            pass
    return count


# -- WebSocket ---------------------------------------------------------------------------------


class WS:
    """A hand-made WebSocket client connection: ``answer`` is the handshake response."""

    def __init__(self, port: int, path: str, timeout: float = 5.0) -> None:
        self.sock = connect(port, timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET {path} HTTP/1.1\r\nHost: test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        self.answer = read_answer(self.sock, timeout)
        self.buffer = self.answer.body if self.answer.status == 101 else b""

    def send(self, data: bytes) -> bool:
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            return False

    def _exactly(self, n: int, deadline: float) -> bytes:
        while len(self.buffer) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            self.sock.settimeout(remaining)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionResetError
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def read(self, timeout: float = 5.0) -> tuple[int, bytes] | None:
        """One server frame: (opcode, payload); None when the connection ended or nothing came."""
        deadline = time.monotonic() + timeout
        try:
            first, second = self._exactly(2, deadline)
            length = second & 0x7F
            if length == 126:
                (length,) = struct.unpack("!H", self._exactly(2, deadline))
            elif length == 127:
                (length,) = struct.unpack("!Q", self._exactly(8, deadline))
            return first & 0x0F, self._exactly(length, deadline)
        except (TimeoutError, ConnectionResetError, OSError):
            return None

    def read_close(self, timeout: float = 5.0) -> tuple[int, bytes] | None:
        """Skip data frames until a close frame (8, payload); None if none came."""
        deadline = time.monotonic() + timeout
        while (frame := self.read(max(deadline - time.monotonic(), 0.01))) is not None:
            if frame[0] == 0x8:
                return frame
        return None

    def wait_eof(self, timeout: float) -> bool:
        """True when the server closes the TCP connection within ``timeout`` (frames before it are skipped)."""
        deadline = time.monotonic() + timeout
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self.sock.settimeout(remaining)
                if not self.sock.recv(65536):
                    return True
        except TimeoutError:
            return False
        except OSError:
            return True

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> WS:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def ws_frame(opcode: int, payload: bytes = b"", *, fin: bool = True, mask: bool = True, rsv: int = 0) -> bytes:
    """One client frame (masked, as a client must, unless ``mask=False``)."""
    first = (0x80 if fin else 0) | (rsv << 4) | opcode
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", first, (0x80 if mask else 0) | length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", first, (0x80 if mask else 0) | 126, length)
    else:
        header = struct.pack("!BBQ", first, (0x80 if mask else 0) | 127, length)
    if not mask:
        return header + payload
    key = os.urandom(4)
    return header + key + _xor(payload, key)


def _xor(payload: bytes, key: bytes) -> bytes:
    repeated = (key * (len(payload) // 4 + 1))[: len(payload)]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(len(payload), "big")


def ws_close_frame(code: int = 1000, reason: bytes = b"") -> bytes:
    return ws_frame(0x8, struct.pack("!H", code) + reason)


def close_code(payload: bytes) -> int | None:
    """The status code of a close frame's payload (None: the frame carried none)."""
    return int(struct.unpack("!H", payload[:2])[0]) if len(payload) >= 2 else None
