"""FastAPI's ``fastapi.logger``: the framework's logger."""

import logging

logger = logging.getLogger("genever")
