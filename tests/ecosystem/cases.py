"""Each package's documented basic usage, on an app built with ``fw`` (genever itself, or the
``fastapi`` module when ``genever.alias_fastapi()`` is in force), with real requests through
``make_client(app)``; each case asserts that the package's feature works.

Nothing here imports FastAPI or the packages at module level: under the alias they must be
imported after ``alias_fastapi()``.
"""

# no `from __future__ import annotations`: the endpoints annotate with `fw.Request` and local models

import uuid
from collections.abc import Callable
from typing import Any

Client = Callable[[Any], Any]


def prometheus_fastapi_instrumentator(fw: Any, make_client: Client) -> None:
    from prometheus_client import CollectorRegistry
    from prometheus_fastapi_instrumentator import Instrumentator

    app = fw.FastAPI()

    @app.get("/items/{item_id}")
    def read_item(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    Instrumentator(registry=CollectorRegistry()).instrument(app).expose(app)
    client = make_client(app)
    assert client.get("/items/1").status_code == 200
    assert client.get("/items/2").status_code == 200
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    assert 'http_requests_total{handler="/items/{item_id}",method="GET",status="2xx"} 2.0' in metrics.text


def starlette_exporter(fw: Any, make_client: Client) -> None:
    from starlette_exporter import PrometheusMiddleware, handle_metrics

    name = f"app_{uuid.uuid4().hex[:8]}"  # the exporter's metrics live in the process-wide registry
    app = fw.FastAPI()
    app.add_middleware(PrometheusMiddleware, app_name=name)
    app.add_route("/metrics", handle_metrics)

    @app.get("/users/{user_id}")
    def read_user(user_id: int) -> dict[str, int]:
        return {"user_id": user_id}

    client = make_client(app)
    assert client.get("/users/7").status_code == 200
    lines = [line for line in client.get("/metrics").text.splitlines() if f'app_name="{name}"' in line]
    labels = f'app_name="{name}",method="GET",path="/users/{{user_id}}",status_code="200"'
    expected = f"starlette_requests_total{{{labels}}} 1.0"
    assert expected in lines, lines


def asgi_correlation_id(fw: Any, make_client: Client) -> None:
    from asgi_correlation_id import CorrelationIdMiddleware, correlation_id

    app = fw.FastAPI()
    app.add_middleware(CorrelationIdMiddleware)

    @app.get("/")
    def root() -> dict[str, str | None]:
        return {"id": correlation_id.get()}

    client = make_client(app)
    given = uuid.uuid4().hex
    answer = client.get("/", headers={"X-Request-ID": given})
    assert answer.json() == {"id": given} and answer.headers["x-request-id"] == given
    generated = client.get("/")
    assert generated.json()["id"] == generated.headers["x-request-id"] and len(generated.json()["id"]) == 32


def session_middleware(fw: Any, make_client: Client) -> None:
    from starlette.middleware.sessions import SessionMiddleware

    app = fw.FastAPI()
    app.add_middleware(SessionMiddleware, secret_key="not-so-secret")

    @app.post("/cart/{item}")
    def add(item: str, request: fw.Request) -> dict[str, Any]:
        request.session["cart"] = [*request.session.get("cart", []), item]  # assigned: the session is saved
        return {"cart": request.session["cart"]}

    @app.get("/cart")
    def show(request: fw.Request) -> dict[str, Any]:
        return {"cart": request.session.get("cart", [])}

    client = make_client(app)
    assert client.post("/cart/apple").json() == {"cart": ["apple"]}
    assert client.post("/cart/pear").json() == {"cart": ["apple", "pear"]}
    assert client.get("/cart").json() == {"cart": ["apple", "pear"]}
    client.cookies.clear()
    assert client.get("/cart").json() == {"cart": []}


def slowapi(fw: Any, make_client: Client) -> None:
    from slowapi import Limiter, _rate_limit_exceeded_handler
    from slowapi.errors import RateLimitExceeded
    from slowapi.util import get_remote_address

    limiter = Limiter(key_func=get_remote_address)
    app = fw.FastAPI()
    app.state.limiter = limiter
    app.add_exception_handler(RateLimitExceeded, _rate_limit_exceeded_handler)

    @app.get("/home")
    @limiter.limit("2/minute")
    async def homepage(request: fw.Request) -> dict[str, bool]:
        return {"ok": True}

    client = make_client(app)
    assert [client.get("/home").status_code for _ in range(3)] == [200, 200, 429]
    assert "Rate limit exceeded" in client.get("/home").text


def sentry_sdk(fw: Any, make_client: Client) -> None:
    import sentry_sdk as sdk
    from sentry_sdk.integrations.asgi import SentryAsgiMiddleware
    from sentry_sdk.transport import Transport

    events: list[dict[str, Any]] = []

    class FakeTransport(Transport):
        def capture_envelope(self, envelope: Any) -> None:
            events.extend(item.payload.json for item in envelope.items if item.type == "event")

    sdk.init(dsn="http://public@127.0.0.1/1", transport=FakeTransport, default_integrations=False,
             auto_enabling_integrations=False)  # fmt: skip
    try:
        app = fw.FastAPI()

        @app.get("/fail/{n}")
        def fail(n: int) -> None:
            raise ValueError(f"failure {n}")

        @app.get("/fine")
        def fine() -> dict[str, bool]:
            return {"fine": True}

        app.add_middleware(SentryAsgiMiddleware)
        client = make_client(app, raise_server_exceptions=False)
        assert client.get("/fine").status_code == 200
        assert client.get("/fail/3").status_code == 500
        sdk.flush()
        assert len(events) == 1, events
        assert events[0]["exception"]["values"][0]["value"] == "failure 3"
        assert events[0]["transaction"].endswith("fail")  # named after the endpoint, from the scope
        assert events[0]["request"]["url"].endswith("/fail/3")
    finally:
        sdk.get_client().close()


def sentry_sdk_fastapi_integration(fw: Any, make_client: Client) -> None:
    """Sentry's documented set-up for FastAPI: ``sentry_sdk.init(dsn=...)``, integrations enabled by
    themselves; its FastAPI integration names the transaction after the route."""
    import sentry_sdk as sdk
    from sentry_sdk.transport import Transport

    events: list[dict[str, Any]] = []

    class FakeTransport(Transport):
        def capture_envelope(self, envelope: Any) -> None:
            events.extend(item.payload.json for item in envelope.items if item.type == "event")

    sdk.init(dsn="http://public@127.0.0.1/1", transport=FakeTransport)
    try:
        app = fw.FastAPI()

        @app.get("/fail/{n}")
        def fail(n: int) -> None:
            raise ValueError(f"failure {n}")

        client = make_client(app, raise_server_exceptions=False)
        assert client.get("/fail/4").status_code == 500
        sdk.flush()
        assert [event["exception"]["values"][0]["value"] for event in events] == ["failure 4"]
        assert events[0]["transaction"] == "/fail/{n}"
    finally:
        sdk.get_client().close()


def opentelemetry_asgi(fw: Any, make_client: Client) -> None:
    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    app = fw.FastAPI()

    def span_details(scope: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        # the documented hook to name spans; the route template comes from Starlette's matches() API
        for route in scope["app"].routes:
            match, _ = route.matches(scope)
            if match.name == "FULL":
                return f"{scope['method']} {route.path}", {"http.route": route.path}
        return scope["method"], {}

    @app.get("/orders/{order_id}")
    def read_order(order_id: int) -> dict[str, int]:
        return {"order_id": order_id}

    app.add_middleware(OpenTelemetryMiddleware, tracer_provider=provider, default_span_details=span_details)
    client = make_client(app)
    assert client.get("/orders/5").json() == {"order_id": 5}
    server = [span for span in exporter.get_finished_spans() if span.kind.name == "SERVER"]
    assert [span.name for span in server] == ["GET /orders/{order_id}"]
    assert server[0].attributes["http.route"] == "/orders/{order_id}"


def fastapi_pagination(fw: Any, make_client: Client) -> None:
    from fastapi_pagination import Page, Params, paginate
    from fastapi_pagination.api import pagination_ctx
    from fastapi_pagination.utils import disable_installed_extensions_check
    from pydantic import BaseModel

    disable_installed_extensions_check()  # SQLAlchemy is installed (genever[sqlalchemy]); lists are paged here

    class User(BaseModel):
        name: str

    users = [User(name=f"user{i}") for i in range(10)]
    app = fw.FastAPI()

    @app.get("/users", dependencies=[fw.Depends(pagination_ctx(Page[User]))])
    async def list_users() -> Page[User]:
        return paginate(users)

    @app.get("/explicit")
    async def explicit(params: Params = fw.Depends()) -> Page[User]:
        return paginate(users, params)

    client = make_client(app)
    page = client.get("/users?page=2&size=3").json()
    assert page == {"items": [{"name": "user3"}, {"name": "user4"}, {"name": "user5"}], "total": 10, "page": 2,
                    "size": 3, "pages": 4}  # fmt: skip
    assert client.get("/explicit?page=3&size=4").json()["items"] == [{"name": "user8"}, {"name": "user9"}]
    assert client.get("/explicit?page=0").status_code == 422


def fastapi_pagination_add_pagination(fw: Any, make_client: Client) -> None:
    """``add_pagination(app)`` rewrites FastAPI's routes: it works through the alias only."""
    from fastapi_pagination import Page, add_pagination, paginate
    from fastapi_pagination.utils import disable_installed_extensions_check
    from pydantic import BaseModel

    disable_installed_extensions_check()

    class Item(BaseModel):
        id: int

    app = fw.FastAPI()

    @app.get("/items")
    async def list_items() -> Page[Item]:
        return paginate([Item(id=i) for i in range(5)])

    add_pagination(app)
    with make_client(app) as client:
        assert client.get("/items?size=2&page=3").json() == {"items": [{"id": 4}], "total": 5, "page": 3, "size": 2,
                                                              "pages": 3}  # fmt: skip


def strawberry_graphql(fw: Any, make_client: Client) -> None:
    import strawberry
    from strawberry.fastapi import GraphQLRouter

    @strawberry.type
    class Query:
        @strawberry.field
        def hello(self, name: str = "world") -> str:
            return f"Hello {name}"

    app = fw.FastAPI()
    app.include_router(GraphQLRouter(strawberry.Schema(Query)), prefix="/graphql")
    client = make_client(app)
    answer = client.post("/graphql", json={"query": '{ hello(name: "genever") }'})
    assert answer.status_code == 200 and answer.json() == {"data": {"hello": "Hello genever"}}
    assert client.get("/graphql", params={"query": "{ hello }"}).json() == {"data": {"hello": "Hello world"}}
    assert "<html" in client.get("/graphql", headers={"accept": "text/html"}).text.lower()


def ariadne(fw: Any, make_client: Client) -> None:
    from ariadne import QueryType, gql, make_executable_schema
    from ariadne.asgi import GraphQL

    query = QueryType()

    @query.field("hello")
    def resolve_hello(*_: Any) -> str:
        return "Hello from ariadne"

    graphql_app = GraphQL(make_executable_schema(gql("type Query { hello: String! }"), query))
    app = fw.FastAPI()

    @app.post("/graphql")
    async def handle_graphql(request: fw.Request) -> Any:
        return await graphql_app.handle_request(request)  # a Starlette JSONResponse, sent as it is

    app.mount("/mounted", graphql_app)
    client = make_client(app)
    assert client.post("/graphql", json={"query": "{ hello }"}).json() == {"data": {"hello": "Hello from ariadne"}}
    mounted = client.post("/mounted/", json={"query": "{ hello }"})
    assert mounted.json() == {"data": {"hello": "Hello from ariadne"}}


def authlib_starlette_client(fw: Any, make_client: Client) -> None:
    """authlib's Starlette OAuth client: the redirect to the provider (state kept in the session),
    then the callback exchanging the code for a token (the provider is an httpx mock transport)."""
    import warnings
    from urllib.parse import parse_qs, urlsplit

    import httpx
    from starlette.middleware.sessions import SessionMiddleware

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # authlib 1.9 announces its move to httpx2
        from authlib.integrations.starlette_client import OAuth

    def provider(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/token" and b"code=the-code" in request.read()
        return httpx.Response(200, json={"access_token": "the-token", "token_type": "Bearer"})

    oauth = OAuth()
    oauth.register("example", client_id="client", client_secret="secret",
                   authorize_url="https://provider.test/authorize", access_token_url="https://provider.test/token",
                   client_kwargs={"transport": httpx.MockTransport(provider)})  # fmt: skip
    app = fw.FastAPI()
    app.add_middleware(SessionMiddleware, secret_key="not-so-secret")

    @app.get("/login")
    async def login(request: fw.Request) -> Any:
        return await oauth.example.authorize_redirect(request, request.url_for("auth"))

    @app.get("/auth")
    async def auth(request: fw.Request) -> dict[str, str]:
        token = await oauth.example.authorize_access_token(request)
        return {"access_token": token["access_token"]}

    client = make_client(app)
    redirect = client.get("/login", follow_redirects=False)
    assert redirect.status_code == 302
    location = urlsplit(redirect.headers["location"])
    query = parse_qs(location.query)
    assert (location.netloc, query["redirect_uri"]) == ("provider.test", ["http://testserver/auth"])
    answer = client.get("/auth", params={"code": "the-code", "state": query["state"][0]})
    assert answer.json() == {"access_token": "the-token"}


def fastapi_cache2(fw: Any, make_client: Client) -> None:
    from contextlib import asynccontextmanager

    from fastapi_cache import FastAPICache
    from fastapi_cache.backends.inmemory import InMemoryBackend
    from fastapi_cache.decorator import cache

    calls: list[int] = []

    @asynccontextmanager
    async def lifespan(app: Any) -> Any:
        FastAPICache.init(InMemoryBackend(), prefix=f"test-{uuid.uuid4().hex}")
        yield
        FastAPICache.reset()  # its set-up is process-wide: the next app starts afresh

    app = fw.FastAPI(lifespan=lifespan)

    @app.get("/expensive/{n}")
    @cache(expire=60)
    async def expensive(n: int) -> dict[str, int]:
        calls.append(n)
        return {"n": n, "computed": len(calls)}

    with make_client(app) as client:
        first = client.get("/expensive/1")
        second = client.get("/expensive/1")
        assert first.json() == second.json() == {"n": 1, "computed": 1}
        assert (first.headers.get("x-fastapi-cache"), second.headers.get("x-fastapi-cache")) == ("MISS", "HIT"), (
            first.headers, second.headers)
        assert client.get("/expensive/2").json() == {"n": 2, "computed": 2}
    assert calls == [1, 2]


def _wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"{environ['SCRIPT_NAME']}|{environ['PATH_INFO']}|{environ['QUERY_STRING']}".encode()]


def a2wsgi(fw: Any, make_client: Client) -> None:
    from a2wsgi import WSGIMiddleware

    app = fw.FastAPI()
    app.mount("/legacy", WSGIMiddleware(_wsgi_app))
    assert make_client(app).get("/legacy/a/b?c=1").text == "/legacy|/a/b|c=1"


def wsgi_middleware(fw: Any, make_client: Client) -> None:
    """FastAPI's own ``fastapi.middleware.wsgi.WSGIMiddleware`` (genever's through the alias)."""
    import importlib

    wsgi = importlib.import_module(fw.__name__ + ".middleware.wsgi")
    app = fw.FastAPI()
    app.mount("/legacy", wsgi.WSGIMiddleware(_wsgi_app))
    assert make_client(app).get("/legacy/a/b?c=1").text == "/legacy|/a/b|c=1"


# -- opentelemetry-instrumentation-fastapi, fastapi-users, fastapi-filter, SQLModel ------------------------------


def opentelemetry_fastapi(fw: Any, make_client: Client) -> None:
    """``FastAPIInstrumentor.instrument_app(app)``: it replaces ``app.build_middleware_stack`` to put its
    tracing middleware around the stack; spans are named by route template, exceptions recorded."""
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    app = fw.FastAPI()
    router = fw.APIRouter(prefix="/items")

    @router.get("/{item_id}")
    def read_item(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    @app.get("/fail")
    def fail() -> None:
        raise ValueError("traced failure")

    app.include_router(router)
    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider)
    client = make_client(app, raise_server_exceptions=False)
    assert client.get("/items/7?q=1").json() == {"item_id": 7}
    assert client.get("/fail").status_code == 500
    server = [span for span in exporter.get_finished_spans() if span.kind.name == "SERVER"]
    assert [span.name for span in server] == ["GET /items/{item_id}", "GET /fail"]
    attributes = server[0].attributes
    assert (attributes["http.route"], attributes["http.method"], attributes["http.status_code"],
            attributes["http.target"]) == ("/items/{item_id}", "GET", 200, "/items/7")  # fmt: skip
    assert attributes["http.url"].endswith("/items/7?q=1")
    failed = server[1]
    assert (failed.status.status_code.name, failed.attributes["http.status_code"]) == ("ERROR", 500)
    # the exception reached the tracing middleware before the 500 was sent, as under Starlette
    assert [event.attributes["exception.message"] for event in failed.events] == ["traced failure"]
    FastAPIInstrumentor.uninstrument_app(app)
    exporter.clear()
    assert client.get("/items/8").json() == {"item_id": 8}
    assert exporter.get_finished_spans() == ()


def opentelemetry_fastapi_instrument(fw: Any, make_client: Client) -> None:
    """``FastAPIInstrumentor().instrument()`` before the app is made: it replaces ``fastapi.FastAPI`` by
    its subclass that instruments itself (works through the alias only)."""
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    FastAPIInstrumentor().instrument(tracer_provider=provider)
    try:
        app = fw.FastAPI()

        @app.get("/orders/{order_id}")
        def read_order(order_id: int) -> dict[str, int]:
            return {"order_id": order_id}

        assert make_client(app).get("/orders/2").json() == {"order_id": 2}
    finally:
        FastAPIInstrumentor().uninstrument()
    server = [span for span in exporter.get_finished_spans() if span.kind.name == "SERVER"]
    assert [(span.name, span.attributes["http.route"]) for span in server] == [
        ("GET /orders/{order_id}", "/orders/{order_id}")]  # fmt: skip


def fastapi_users(fw: Any, make_client: Client) -> None:
    """fastapi-users' documented set-up (SQLAlchemy + aiosqlite, JWT over a bearer transport): register,
    log in, ``/users/me`` with the token and 401 without, a route protected by ``current_user``."""
    import tempfile
    from contextlib import asynccontextmanager

    from fastapi_users import BaseUserManager, FastAPIUsers, UUIDIDMixin, schemas
    from fastapi_users.authentication import AuthenticationBackend, BearerTransport, JWTStrategy
    from fastapi_users.db import SQLAlchemyBaseUserTableUUID, SQLAlchemyUserDatabase
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
    from sqlalchemy.orm import DeclarativeBase

    class Base(DeclarativeBase):
        pass

    class User(SQLAlchemyBaseUserTableUUID, Base):
        pass

    class UserRead(schemas.BaseUser[uuid.UUID]):
        pass

    class UserCreate(schemas.BaseUserCreate):
        pass

    class UserUpdate(schemas.BaseUserUpdate):
        pass

    secret = uuid.uuid4().hex
    directory = tempfile.TemporaryDirectory()
    engine = create_async_engine(f"sqlite+aiosqlite:///{directory.name}/users.db")
    session_maker = async_sessionmaker(engine, expire_on_commit=False)

    async def get_async_session() -> Any:
        async with session_maker() as session:
            yield session

    async def get_user_db(session: Any = fw.Depends(get_async_session)) -> Any:
        yield SQLAlchemyUserDatabase(session, User)

    class UserManager(UUIDIDMixin, BaseUserManager[User, uuid.UUID]):
        reset_password_token_secret = secret
        verification_token_secret = secret

    async def get_user_manager(user_db: Any = fw.Depends(get_user_db)) -> Any:
        yield UserManager(user_db)

    def get_jwt_strategy() -> JWTStrategy[User, uuid.UUID]:
        return JWTStrategy(secret=secret, lifetime_seconds=3600)

    auth_backend = AuthenticationBackend(name="jwt", transport=BearerTransport(tokenUrl="auth/jwt/login"),
                                         get_strategy=get_jwt_strategy)  # fmt: skip
    users = FastAPIUsers[User, uuid.UUID](get_user_manager, [auth_backend])
    current_active_user = users.current_user(active=True)

    @asynccontextmanager
    async def lifespan(app: Any) -> Any:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        yield
        await engine.dispose()

    app = fw.FastAPI(lifespan=lifespan)
    app.include_router(users.get_auth_router(auth_backend), prefix="/auth/jwt", tags=["auth"])
    app.include_router(users.get_register_router(UserRead, UserCreate), prefix="/auth", tags=["auth"])
    app.include_router(users.get_users_router(UserRead, UserUpdate), prefix="/users", tags=["users"])

    @app.get("/authenticated-route")
    async def authenticated_route(user: User = fw.Depends(current_active_user)) -> dict[str, str]:
        return {"message": f"Hello {user.email}!"}

    credentials = {"email": "king.arthur@camelot.bt", "password": "guinevere"}
    with directory, make_client(app) as client:
        registered = client.post("/auth/register", json=credentials)
        assert registered.status_code == 201, registered.text
        assert registered.json()["email"] == credentials["email"] and registered.json()["is_active"] is True
        assert "password" not in registered.json() and "hashed_password" not in registered.json()
        again = client.post("/auth/register", json=credentials)
        assert (again.status_code, again.json()) == (400, {"detail": "REGISTER_USER_ALREADY_EXISTS"})
        assert client.post("/auth/register", json={"email": "nope", "password": "x"}).status_code == 422

        form = {"username": credentials["email"], "password": credentials["password"]}
        login = client.post("/auth/jwt/login", data=form)  # OAuth2PasswordRequestForm
        assert login.status_code == 200 and login.json()["token_type"] == "bearer", login.text
        wrong = client.post("/auth/jwt/login", data={**form, "password": "lancelot"})
        assert (wrong.status_code, wrong.json()) == (400, {"detail": "LOGIN_BAD_CREDENTIALS"})

        bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}
        me = client.get("/users/me", headers=bearer)
        assert me.status_code == 200 and me.json() == registered.json()
        assert client.get("/users/me").status_code == 401
        assert client.get("/users/me", headers={"Authorization": "Bearer not-a-token"}).status_code == 401
        hello = client.get("/authenticated-route", headers=bearer)
        assert hello.json() == {"message": f"Hello {credentials['email']}!"}
        assert client.get("/authenticated-route").status_code == 401
        assert client.get(f"/users/{registered.json()['id']}", headers=bearer).status_code == 403  # not a superuser

        document = client.get("/openapi.json").json()  # the bearer transport's OAuth2 scheme is documented
        scheme = document["components"]["securitySchemes"]["OAuth2PasswordBearer"]
        assert scheme["flows"]["password"]["tokenUrl"] == "auth/jwt/login"
        assert document["paths"]["/users/me"]["get"]["security"] == [{"OAuth2PasswordBearer": []}]


def fastapi_filter(fw: Any, make_client: Client) -> None:
    """fastapi-filter's SQLAlchemy backend: ``FilterDepends(UserFilter)`` turns the query string into a
    filtered, ordered query on a real SQLite database (aiosqlite), a nested filter through a join."""
    import tempfile
    from contextlib import asynccontextmanager

    from fastapi_filter import FilterDepends, with_prefix
    from fastapi_filter.contrib.sqlalchemy import Filter
    from pydantic import BaseModel, ConfigDict
    from sqlalchemy import ForeignKey, select
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

    class Base(DeclarativeBase):
        pass

    class Address(Base):
        __tablename__ = "addresses"
        id: Mapped[int] = mapped_column(primary_key=True)
        city: Mapped[str]

    class User(Base):
        __tablename__ = "users"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str]
        age: Mapped[int]
        address_id: Mapped[int] = mapped_column(ForeignKey("addresses.id"))
        address: Mapped[Address] = relationship(lazy="joined")

    class UserOut(BaseModel):
        model_config = ConfigDict(from_attributes=True)
        name: str
        age: int

    class AddressFilter(Filter):
        city: str | None = None
        city__in: list[str] | None = None

        class Constants(Filter.Constants):
            model = Address

    class UserFilter(Filter):
        name__ilike: str | None = None
        age__lt: int | None = None
        age__gte: int | None = None
        age__in: list[int] | None = None
        address: AddressFilter | None = FilterDepends(with_prefix("address", AddressFilter))
        order_by: list[str] = ["age"]  # noqa: RUF012 - a pydantic field (copied per instance)
        search: str | None = None

        class Constants(Filter.Constants):
            model = User
            search_model_fields = ["name"]  # noqa: RUF012 - the package's documented spelling

    directory = tempfile.TemporaryDirectory()
    engine = create_async_engine(f"sqlite+aiosqlite:///{directory.name}/filter.db")
    session_maker = async_sessionmaker(engine, expire_on_commit=False)

    @asynccontextmanager
    async def lifespan(app: Any) -> Any:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        async with session_maker() as session:
            paris, rome = Address(city="Paris"), Address(city="Rome")
            session.add_all([User(name="Ann", age=31, address=paris), User(name="Bob", age=25, address=rome),
                             User(name="Carl", age=40, address=paris), User(name="Dana", age=19, address=rome),
                             User(name="anna", age=50, address=rome)])  # fmt: skip
            await session.commit()
        yield
        await engine.dispose()

    async def get_db() -> Any:
        async with session_maker() as session:
            yield session

    app = fw.FastAPI(lifespan=lifespan)

    @app.get("/users", response_model=list[UserOut])
    async def get_users(user_filter: UserFilter = FilterDepends(UserFilter), db: Any = fw.Depends(get_db)) -> Any:
        query = user_filter.sort(user_filter.filter(select(User).outerjoin(Address)))
        return (await db.execute(query)).scalars().all()

    def names(query: str) -> list[str]:
        answer = client.get("/users" + query)
        assert answer.status_code == 200, answer.text
        return [user["name"] for user in answer.json()]

    with directory, make_client(app) as client:
        assert names("") == ["Dana", "Bob", "Ann", "Carl", "anna"]  # order_by defaults to age
        assert names("?age__gte=25&order_by=-age") == ["anna", "Carl", "Ann", "Bob"]
        assert names("?age__in=19,40") == ["Dana", "Carl"]
        assert names("?name__ilike=%25an%25") == ["Dana", "Ann", "anna"]
        assert names("?search=ann") == ["Ann", "anna"]
        assert names("?address__city=Rome&order_by=name") == ["Bob", "Dana", "anna"]
        assert names("?address__city__in=Paris&age__lt=35") == ["Ann"]
        invalid = client.get("/users?age__gte=old")
        assert invalid.status_code == 422 and invalid.json()["detail"][0]["loc"] == ["query", "age__gte"]
        unknown = client.get("/users?order_by=salary")  # the filter's own RequestValidationError
        assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"] == ["order_by"], unknown.text
        parameters = client.get("/openapi.json").json()["paths"]["/users"]["get"]["parameters"]
        assert {"age__gte", "age__in", "address__city", "order_by", "search"} <= {p["name"] for p in parameters}


def sqlmodel(fw: Any, make_client: Client) -> None:
    """SQLModel's FastAPI tutorial: table and data models as request and response models, a CRUD round
    trip on SQLite, and the models in the OpenAPI document."""
    import tempfile
    import warnings
    from contextlib import asynccontextmanager
    from typing import Annotated

    from sqlmodel import Field, Session, SQLModel, create_engine, select

    class HeroBase(SQLModel):
        name: str = Field(index=True)
        secret_name: str
        age: int | None = Field(default=None, index=True)

    # a table of its own per run: SQLModel keeps one process-wide registry (which warns when the class
    # is defined again, as it is here for each client) and metadata
    table = f"hero_{uuid.uuid4().hex[:8]}"
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "This declarative base already contains a class")

        class Hero(HeroBase, table=True):
            __tablename__ = table
            id: int | None = Field(default=None, primary_key=True)

    class HeroCreate(HeroBase):
        pass

    class HeroPublic(HeroBase):
        id: int

    class HeroUpdate(SQLModel):
        name: str | None = None
        secret_name: str | None = None
        age: int | None = None

    directory = tempfile.TemporaryDirectory()
    engine = create_engine(f"sqlite:///{directory.name}/heroes.db", connect_args={"check_same_thread": False})

    def get_session() -> Any:
        with Session(engine) as session:
            yield session

    session_dep = Annotated[Session, fw.Depends(get_session)]

    @asynccontextmanager
    async def lifespan(app: Any) -> Any:
        SQLModel.metadata.create_all(engine, tables=[Hero.__table__])
        yield
        engine.dispose()
        SQLModel.metadata.remove(Hero.__table__)

    app = fw.FastAPI(lifespan=lifespan)

    @app.post("/heroes/", response_model=HeroPublic)
    def create_hero(hero: HeroCreate, session: session_dep) -> Any:
        db_hero = Hero.model_validate(hero)
        session.add(db_hero)
        session.commit()
        session.refresh(db_hero)
        return db_hero

    @app.get("/heroes/", response_model=list[HeroPublic])
    def read_heroes(session: session_dep, offset: int = 0, limit: Annotated[int, fw.Query(le=100)] = 100) -> Any:
        return session.exec(select(Hero).offset(offset).limit(limit)).all()

    @app.get("/heroes/{hero_id}", response_model=HeroPublic)
    def read_hero(hero_id: int, session: session_dep) -> Any:
        hero = session.get(Hero, hero_id)
        if not hero:
            raise fw.HTTPException(status_code=404, detail="Hero not found")
        return hero

    @app.patch("/heroes/{hero_id}", response_model=HeroPublic)
    def update_hero(hero_id: int, hero: HeroUpdate, session: session_dep) -> Any:
        db_hero = session.get(Hero, hero_id)
        if not db_hero:
            raise fw.HTTPException(status_code=404, detail="Hero not found")
        db_hero.sqlmodel_update(hero.model_dump(exclude_unset=True))
        session.add(db_hero)
        session.commit()
        session.refresh(db_hero)
        return db_hero

    @app.delete("/heroes/{hero_id}")
    def delete_hero(hero_id: int, session: session_dep) -> dict[str, bool]:
        hero = session.get(Hero, hero_id)
        if not hero:
            raise fw.HTTPException(status_code=404, detail="Hero not found")
        session.delete(hero)
        session.commit()
        return {"ok": True}

    @app.get("/table/{hero_id}")
    def read_table_row(hero_id: int, session: session_dep) -> Hero:  # the table model as response model
        return session.get(Hero, hero_id)  # type: ignore[return-value]

    with directory, make_client(app) as client:
        deadpond = client.post("/heroes/", json={"name": "Deadpond", "secret_name": "Dive Wilson"})
        assert deadpond.json() == {"name": "Deadpond", "secret_name": "Dive Wilson", "age": None, "id": 1}
        rusty = client.post("/heroes/", json={"name": "Rusty-Man", "secret_name": "Tommy Sharp", "age": 48}).json()
        missing = client.post("/heroes/", json={"name": "Spider-Boy"})
        assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["body", "secret_name"]
        assert client.get("/heroes/").json() == [deadpond.json(), rusty]
        assert client.get("/heroes/?offset=1&limit=1").json() == [rusty]
        assert client.get("/heroes/?limit=101").status_code == 422
        updated = client.patch("/heroes/1", json={"age": 30})
        assert updated.json() == {**deadpond.json(), "age": 30}
        assert client.get("/heroes/1").json() == updated.json()
        assert client.get("/table/1").json() == updated.json()
        assert client.delete("/heroes/1").json() == {"ok": True}
        assert client.get("/heroes/1").status_code == 404
        assert client.patch("/heroes/1", json={"age": 1}).json() == {"detail": "Hero not found"}

        document = client.get("/openapi.json").json()
        schemas = document["components"]["schemas"]
        assert {"HeroCreate", "HeroPublic", "HeroUpdate"} <= set(schemas)
        assert schemas["HeroCreate"]["required"] == ["name", "secret_name"]
        assert schemas["HeroPublic"]["required"] == ["name", "secret_name", "id"]
        create = document["paths"]["/heroes/"]["post"]
        body = create["requestBody"]["content"]["application/json"]["schema"]
        ok = create["responses"]["200"]["content"]["application/json"]["schema"]
        assert (body, ok) == ({"$ref": "#/components/schemas/HeroCreate"}, {"$ref": "#/components/schemas/HeroPublic"})


CASES: dict[str, Callable[[Any, Client], None]] = {
    "fastapi-cache2": fastapi_cache2,
    "authlib Starlette client": authlib_starlette_client,
    "a2wsgi": a2wsgi,
    "WSGIMiddleware": wsgi_middleware,
    "prometheus-fastapi-instrumentator": prometheus_fastapi_instrumentator,
    "starlette-exporter": starlette_exporter,
    "asgi-correlation-id": asgi_correlation_id,
    "starlette SessionMiddleware": session_middleware,
    "slowapi": slowapi,
    "sentry-sdk": sentry_sdk,
    "sentry-sdk FastApiIntegration": sentry_sdk_fastapi_integration,
    "opentelemetry-instrumentation-asgi": opentelemetry_asgi,
    "fastapi-pagination": fastapi_pagination,
    "fastapi-pagination add_pagination": fastapi_pagination_add_pagination,
    "strawberry-graphql": strawberry_graphql,
    "ariadne": ariadne,
}
CASES.update({
    "opentelemetry-instrumentation-fastapi": opentelemetry_fastapi,
    "opentelemetry-instrumentation-fastapi instrument()": opentelemetry_fastapi_instrument,
    "fastapi-users": fastapi_users,
    "fastapi-filter": fastapi_filter,
    "SQLModel": sqlmodel,
})  # fmt: skip

# what works only through the alias, and why
ALIAS_ONLY = {
    "opentelemetry-instrumentation-fastapi instrument()": "it replaces the real fastapi.FastAPI class; directly, "
    "the app is genever's: FastAPIInstrumentor.instrument_app(app) instruments it",
    "fastapi-pagination add_pagination": "it walks the app's routes looking for FastAPI's own APIRoute class",
    "sentry-sdk FastApiIntegration": "it wraps fastapi.routing.get_request_handler, which is genever's only through "
    "the alias (directly, errors are captured through the logging integration, the transaction unnamed)",
}
