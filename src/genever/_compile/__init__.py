"""Route compilation: a ``Dependant`` tree becomes one flat, per-request plan.

Everything here runs when the app is built, except what the plans call per
request. One public entry per kind of route: ``compile_route`` (HTTP) and
``compile_websocket_route``; ``close_generators`` runs the code after
``yield`` once a response is sent.

- ``nodes``: a plan's steps and how each call runs;
- ``params``: path/query/header/cookie getters, special parameters;
- ``body``: the JSON body reader; ``forms``: ``Form``/``File`` parameters;
- ``exits``: entering ``yield`` dependencies and their clean-up;
- ``respond``: the handler's result as a ``Response``;
- ``plan``: flattening the tree, and the runners that walk the plan.

Each private per-request slot of ``Request`` that a plan fills has one writer:
``_cleanup`` in ``exits``, ``_sub_response`` and ``_background`` in ``params``.
"""

from .exits import close_generators
from .plan import compile_route, compile_websocket_route

__all__ = ["close_generators", "compile_route", "compile_websocket_route"]
