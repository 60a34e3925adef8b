"""Shared by the fuzz targets: one hypothesis profile and the corpus of interesting inputs.

CI runs every target with a fixed number of examples, derandomized and without an
example database, so a run is the same run every time and takes a few seconds per
target. ``GENEVER_FUZZ_EXAMPLES=N`` runs N random examples per target instead (a
longer local hunt); an input worth keeping goes into ``corpus/<target>/`` as a file
of raw bytes, and every target always replays its corpus first.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from hypothesis import HealthCheck, example, settings

CORPUS = Path(__file__).parent / "corpus"

_hunt = int(os.environ.get("GENEVER_FUZZ_EXAMPLES", "0"))
FUZZ = settings(
    max_examples=_hunt or 150,
    derandomize=not _hunt,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)

F = TypeVar("F", bound=Callable[..., Any])


def corpus(target: str) -> list[bytes]:
    """The raw inputs kept for ``target`` (``corpus/<target>/*``), sorted by file name."""
    folder = CORPUS / target
    return [path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file()]


def with_corpus(target: str, *, text: bool = False) -> Callable[[F], F]:
    """Replay ``corpus/<target>/`` as explicit examples of the test's one argument
    (decoded as UTF-8 with surrogateescape when ``text``)."""

    def decorate(test: F) -> F:
        for raw in reversed(corpus(target)):
            test = example(raw.decode("utf-8", "surrogateescape") if text else raw)(test)
        return test

    return decorate
