"""The production test app with, in code, what ``genever run`` adds from its flags
(``--forwarded-allow-ips 127.0.0.1 --request-timeout 2 --limit-concurrency 2``): for uvicorn."""

from genever.middleware.concurrency import ConcurrencyLimitMiddleware
from genever.middleware.proxy_headers import ProxyHeadersMiddleware
from genever.middleware.timeout import RequestTimeoutMiddleware

from .production import app

app.add_middleware(RequestTimeoutMiddleware, 2)
app.add_middleware(ConcurrencyLimitMiddleware, 2)
app.add_middleware(ProxyHeadersMiddleware, trusted_hosts="127.0.0.1")
