"""Background tasks, differential: same response, tasks run after it in the same order, with the
same arguments, from the parameter and from ``response.background``, mixed sync and async.

(One deliberate difference, tested in tests/test_responses.py: a failing task is logged and the
tasks after it still run; Starlette stops at the first failure.)"""

from typing import Any

import fastapi
import fastapi.responses
import fastapi.testclient
import pytest
import starlette.background

import genever
import genever.background
import genever.responses
import genever.testclient
from tests.rsgi_client import RSGITestClient


def build(fw: Any, responses: Any, background: Any) -> tuple[Any, list[str]]:
    log: list[str] = []
    app = (getattr(fw, "Genever", None) or fw.FastAPI)()

    async def record(name: str, suffix: str = "") -> None:
        log.append(name + suffix)

    @app.post("/notify/{who}")
    def notify(who: str, tasks: fw.BackgroundTasks, q: str = "") -> dict[str, str]:
        tasks.add_task(log.append, f"sync:{who}")
        tasks.add_task(record, "async:", suffix=who + q)
        log.append("handler")
        return {"queued": who}

    @app.get("/explicit")
    def explicit() -> Any:
        return responses.JSONResponse({"ok": True}, background=background.BackgroundTask(log.append, "explicit"))

    def dep(tasks: fw.BackgroundTasks) -> None:
        tasks.add_task(log.append, "from-dependency")

    @app.get("/dep", dependencies=[fw.Depends(dep)])
    def with_dep(tasks: fw.BackgroundTasks) -> str:
        tasks.add_task(log.append, "from-handler")
        return "ok"

    return app, log


CASES = [("POST", "/notify/ann?q=!"), ("GET", "/explicit"), ("GET", "/dep")]


@pytest.mark.parametrize("adapter", ["asgi", "rsgi"])
@pytest.mark.parametrize(("method", "url"), CASES)
def test_same_tasks_same_order(adapter: str, method: str, url: str) -> None:
    fast_app, fast_log = build(fastapi, fastapi.responses, starlette.background)
    gen_app, gen_log = build(genever, genever.responses, genever.background)
    expected = fastapi.testclient.TestClient(fast_app).request(method, url)
    client: Any = genever.testclient.TestClient(gen_app) if adapter == "asgi" else RSGITestClient(gen_app)
    got = client.request(method, url)
    assert (got.status_code, got.json()) == (expected.status_code, expected.json())
    assert gen_log == fast_log
    assert gen_log  # the tasks did run
