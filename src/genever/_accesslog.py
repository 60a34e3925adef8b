"""The access log as one JSON object per line, for log shippers (``genever run --access-log``).

Granian logs each request as ``access_logger.info(format, fields)``; this
formatter ignores the format and writes the fields, so a path with quotes or
spaces cannot break the line's structure.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Mapping
from typing import Any

import msgspec

_encode = msgspec.json.Encoder().encode


class JSONAccessFormatter(logging.Formatter):
    """``{"time", "client", "method", "path", "query", "status", "duration_ms", "scheme", "protocol"}``."""

    def format(self, record: logging.LogRecord) -> str:
        fields: Mapping[str, Any] = record.args if isinstance(record.args, Mapping) else {}
        line = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "client": fields.get("addr"),
            "method": fields.get("method"),
            "path": fields.get("path"),
            "query": fields.get("query_string") or "",
            "status": fields.get("status"),
            "duration_ms": round(float(fields.get("dt_ms") or 0.0), 3),
            "scheme": fields.get("scheme"),
            "protocol": fields.get("protocol"),
        }
        return _encode(line).decode()


def logging_config() -> dict[str, Any]:
    """Granian's logging configuration with the access logger's formatter replaced by JSON."""
    from granian.log import LOGGING_CONFIG

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["access"] = {"()": f"{__name__}.JSONAccessFormatter"}
    return config
