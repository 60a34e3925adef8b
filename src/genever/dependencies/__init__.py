"""FastAPI's ``fastapi.dependencies`` package: the signature helpers packages import (``utils``)."""
