"""Take the client's address, the scheme and the host from a trusted proxy's headers.

Behind a load balancer the peer of every connection is the proxy; the proxy
says who the client was in ``Forwarded`` (RFC 7239) or ``X-Forwarded-For`` /
``X-Forwarded-Proto`` / ``X-Forwarded-Host``. Those headers are believed only
when the peer is one of ``trusted_hosts`` (anyone can send them), and in a
chain of proxies the client is the right-most address that is not itself a
trusted proxy. ``request.client``, ``request.scheme``, ``request.url`` and
``request.url_for`` then show the client's view; nothing changes for a
request from an untrusted peer.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from typing import Any

from ..requests import Request, _ASGIRequest, _RSGIRequest
from ..responses import Response
from . import BaseMiddleware, CallNext

_SCHEMES = frozenset({"http", "https", "ws", "wss"})
_HOST_FORBIDDEN = frozenset(" /\\@?#\"'<>\t\r\n")


class ProxyHeadersMiddleware(BaseMiddleware):
    """``trusted_hosts``: addresses and networks (``"10.0.0.0/8"``), a comma-separated string, or ``"*"``."""

    def __init__(self, trusted_hosts: str | Iterable[str] = "127.0.0.1") -> None:
        items = [h.strip() for h in trusted_hosts.split(",")] if isinstance(trusted_hosts, str) else list(trusted_hosts)
        items = [h for h in items if h]
        self.trust_all = "*" in items
        self.addresses: set[str] = set()
        networks = []
        for item in items:
            if item == "*":
                continue
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise ValueError(f"trusted proxy {item!r} is not an IP address or network") from None
        self.networks = [n for n in networks if n.num_addresses > 1]
        self.addresses = {str(n.network_address) for n in networks if n.num_addresses == 1}

    def trusts(self, host: str) -> bool:
        if self.trust_all or host in self.addresses:
            return True
        if not self.networks:
            return False
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self.networks)

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        peer = request.client
        if peer is not None and self.trusts(peer.host):
            forwarded = self.forwarded(request)
            if forwarded is not None:
                _apply(request, *forwarded)
        return await call_next(request)

    def forwarded(self, request: Request) -> tuple[tuple[str, int] | None, str | None, str | None] | None:
        """(client, scheme, host) as the trusted proxies tell them, or None if they tell nothing."""
        header = request.header("forwarded")
        if header:
            elements = list(_parse_forwarded(header))
            if not elements:
                return None
            index = self._client_index([e.get("for", "") for e in elements])
            element = elements[index]
            return _address(element.get("for", "")), element.get("proto"), element.get("host")
        xff = request.header("x-forwarded-for")
        proto = request.header("x-forwarded-proto")
        host = request.header("x-forwarded-host")
        if not (xff or proto or host):
            return None
        client = None
        if xff:
            hops = [hop.strip() for hop in xff.split(",")]
            client = _address(hops[self._client_index(hops)])
        return client, _last(proto), _last(host)

    def _client_index(self, hops: list[str]) -> int:
        """The right-most hop that is not a trusted proxy (the left-most if they all are)."""
        for index in range(len(hops) - 1, -1, -1):
            address = _address(hops[index])
            if address is None or not self.trusts(address[0]):
                return index
        return 0


def _last(value: str | None) -> str | None:
    return value.rsplit(",", 1)[-1].strip() if value else None


def _parse_forwarded(header: str) -> Iterator[dict[str, str]]:
    for element in header.split(","):
        pairs: dict[str, str] = {}
        for pair in element.split(";"):
            key, sep, value = pair.partition("=")
            if sep:
                pairs[key.strip().lower()] = value.strip().strip('"')
        if pairs:
            yield pairs


def _address(node: str) -> tuple[str, int] | None:
    """``1.2.3.4``, ``1.2.3.4:80``, ``[::1]:80`` or ``::1`` as (host, port); None for ``unknown`` and ``_hidden``."""
    node = node.strip().strip('"')
    port = 0
    if node.startswith("["):
        host, _, rest = node[1:].partition("]")
        if rest.startswith(":") and rest[1:].isdigit():
            port = int(rest[1:])
    elif node.count(":") == 1:
        host, _, port_text = node.partition(":")
        port = int(port_text) if port_text.isdigit() else 0
    else:
        host = node
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return None
    return host, port


def _apply(request: Request, client: tuple[str, int] | None, scheme: str | None, host: str | None) -> None:
    scheme = scheme.lower() if scheme else None
    if scheme not in _SCHEMES:
        scheme = None
    if host is not None and (not host or any(c in _HOST_FORBIDDEN for c in host)):
        host = None
    if client is None and scheme is None and host is None:
        return
    if isinstance(request, _RSGIRequest):
        request._rsgi = _ForwardedScope(request._rsgi, client, scheme, host)
    elif isinstance(request, _ASGIRequest):
        scope = request.scope = dict(request.scope)
        if client is not None:
            scope["client"] = client
        if scheme is not None:
            scope["scheme"] = scheme
        if host is not None:
            encoded = host.encode("latin-1")
            scope["headers"] = [(k, encoded if k == b"host" else v) for k, v in scope["headers"]]
    request._headers = None


class _ForwardedScope:
    """An RSGI scope with the client, scheme and ``Host`` the proxy reported; the rest is the real one."""

    __slots__ = ("_scope", "client", "headers", "scheme")

    def __init__(self, scope: Any, client: tuple[str, int] | None, scheme: str | None, host: str | None) -> None:
        self._scope = scope
        if client is not None:
            address, port = client
            self.client = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
        else:
            self.client = scope.client
        self.scheme = scheme or scope.scheme
        self.headers = _HostHeaders(scope.headers, host) if host is not None else scope.headers

    def __getattr__(self, name: str) -> Any:
        return getattr(self._scope, name)


class _HostHeaders:
    """RSGI headers with ``host`` replaced (the native mapping is read-only)."""

    __slots__ = ("_headers", "_host")

    def __init__(self, headers: Any, host: str) -> None:
        self._headers = headers
        self._host = host

    def get(self, name: str, default: Any = None) -> Any:
        return self._host if name == "host" else self._headers.get(name, default)

    def get_all(self, name: str) -> list[str]:
        return [self._host] if name == "host" else list(self._headers.get_all(name))

    def __getitem__(self, name: str) -> str:
        return self._host if name == "host" else self._headers[name]

    def __contains__(self, name: object) -> bool:
        return name == "host" or name in self._headers

    def keys(self) -> list[str]:
        keys = list(self._headers.keys())
        return keys if "host" in keys else [*keys, "host"]

    def items(self) -> list[tuple[str, str]]:
        items = [(k, v) for k, v in self._headers.items() if k != "host"]
        items.append(("host", self._host))
        return items

    def values(self) -> list[str]:
        return [v for _, v in self.items()]

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.keys())
