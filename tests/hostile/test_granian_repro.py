"""Keeps the Granian reproduction honest: while Granian reports an unreadable body as one
more empty chunk (and no error), genever's work-around in ``Request.stream()`` is needed;
when this fails, Granian changed and the work-around can be revisited."""

from tests.hostile.granian_body_repro import observe


def test_granian_reports_an_unreadable_body_as_an_extra_empty_chunk() -> None:
    seen = observe()
    assert seen["good chunked"] == {"chunks": [3, 0], "error": None}
    for name in ("bad chunk size", "short chunk", "half-closed before Content-Length"):
        assert seen[name]["error"] is None, name
        assert seen[name]["chunks"][-2:] == [0, 0], name
