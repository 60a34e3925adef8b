"""``genever._jinja``: the templates ``Jinja2Templates`` loads write exactly what Jinja2's own write."""

import enum
from typing import Any

import jinja2
import markupsafe
import pytest

import genever.templating
from genever._jinja import FastTemplate, escape_output


class Html:
    def __html__(self) -> str:
        return "<b>safe</b>"


class Color(enum.IntEnum):
    RED = 1


class Shout:
    def __str__(self) -> str:
        return "<&>'\""


VALUES: list[Any] = [
    "plain", "<script>alert('x') & \"y\"</script>", "", "フレームワーク — ok", 0, -12, 3.5, True, None,
    Color.RED, markupsafe.Markup("<i>marked</i>"), Html(), Shout(), [1, "<"], {"a": "<b>"},
]  # fmt: skip

TEMPLATES = {
    "page.html": "{% for v in values %}<p>{{ v }}</p>{% endfor %}{{ missing }}|{{ title|upper }}",
    "macros.html": "{% macro row(a, b) %}<td>{{ a }}</td><td>{{ b }}</td>{{ caller() if caller }}{% endmacro %}",
    "base.html": "<h1>{% block head %}{{ title }}{% endblock %}</h1>{% block body %}{% endblock %}",
    "child.html": (
        '{% extends "base.html" %}{% import "macros.html" as m %}'
        "{% block head %}[{{ super() }}]{% endblock %}"
        "{% block body %}{% for v in values %}{{ m.row(loop.index, v) }}{% endfor %}"
        "{% set block %}<{{ title }}>{% endset %}{{ block }}"
        "{% filter upper %}{{ title }}{% endfilter %}"
        "{% call m.row(1, 2) %}{{ title }}{% endcall %}"
        '{% include "part.html" %}{{ greet(title) }}{% endblock %}'
    ),
    "part.html": "<i>{{ title }}{{ values|length }}</i>",
    "plain.txt": "{{ title }}",
    "switch.html": (
        "{{ title }}{% autoescape false %}{{ title }}{% for v in values %}{{ v }}{% endfor %}{% endautoescape %}"
        "{% autoescape true %}{{ title }}{% endautoescape %}{% set t %}{{ title }}{% endset %}{{ t }}"
    ),
}


def environment(**options: Any) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.DictLoader(TEMPLATES), **options)
    env.globals["greet"] = lambda name: f"hi <{name}>"
    return env


@pytest.mark.parametrize("name", ["page.html", "child.html", "plain.txt", "switch.html"])
@pytest.mark.parametrize("autoescape", [True, False, jinja2.select_autoescape(["html"])])
@pytest.mark.parametrize("finalize", [None, lambda value: "" if value is None else value])
def test_same_text_as_jinja2(name: str, autoescape: Any, finalize: Any) -> None:
    fast = genever.templating.Jinja2Templates(env=environment(autoescape=autoescape, finalize=finalize))
    template = fast.get_template(name)
    assert isinstance(template, FastTemplate)
    context = {"values": VALUES, "title": "A&B <c>"}
    want = environment(autoescape=autoescape, finalize=finalize).get_template(name).render(context)
    assert template.render(context) == want
    assert "".join(template.generate(context)) == want
    if autoescape is True and name in ("page.html", "child.html"):
        assert "&lt;script&gt;" in want and "<b>safe</b>" in want and "<i>marked</i>" in want


def test_globals_are_read_at_each_render() -> None:
    templates = genever.templating.Jinja2Templates(env=environment(autoescape=True))
    template = templates.env.from_string("{{ greet('x') }} {{ site }}", globals={"site": "<one>"})
    assert template.render() == "hi &lt;x&gt; &lt;one&gt;"
    templates.env.globals["greet"] = lambda name: "changed"
    template.globals["site"] = "two"
    assert template.render() == "changed two"
    assert template.render(site="three") == "changed three"  # the render's values win over globals


def test_strings_are_escaped_inline() -> None:
    """The compiled page escapes a str without a Python call; any other value goes through escape()."""
    env = environment(autoescape=True)
    genever.templating.Jinja2Templates(env=env)
    source = env.compile("{{ title }}", raw=True)
    assert "_genever_escape_str(_genever_value) if (_genever_type := type(_genever_value := " in source
    template = env.from_string("{{ a }}|{{ b }}|{{ c }}")
    assert template.render(a="<&>", b=7, c=Html()) == "&lt;&amp;&gt;|7|<b>safe</b>"
    assert template.render(a=-12, b=True, c=Color.RED) == "-12|True|1"  # bool, IntEnum: escape()'s text
    plain = jinja2.Environment()
    genever.templating.Jinja2Templates(env=plain)
    assert "_genever_value" not in plain.compile("{{ title }}", raw=True)  # nothing to escape: Jinja2's str()


def test_escape_output_matches_markupsafe() -> None:
    for value in VALUES:
        assert escape_output(value) == str(markupsafe.escape(value))
        assert type(escape_output(value)) is str


def test_templates_loaded_before_are_loaded_again() -> None:
    env = environment(autoescape=True)
    assert type(env.get_template("page.html")) is jinja2.Template
    genever.templating.Jinja2Templates(env=env)
    assert type(env.get_template("page.html")) is FastTemplate


def test_an_environment_with_its_own_template_class_is_left_alone() -> None:
    class Mine(jinja2.Template):
        pass

    env = environment(autoescape=True)
    env.template_class = Mine
    genever.templating.Jinja2Templates(env=env)
    assert type(env.get_template("page.html")) is Mine


def test_undefined_still_fails_loudly() -> None:
    templates = genever.templating.Jinja2Templates(env=environment(autoescape=True, undefined=jinja2.StrictUndefined))
    with pytest.raises(jinja2.UndefinedError):
        templates.get_template("page.html").render(values=[])


def test_async_environments_write_the_same_text() -> None:
    import asyncio

    fast = genever.templating.Jinja2Templates(env=environment(autoescape=True, enable_async=True))
    context = {"values": VALUES, "title": "A&B <c>"}
    want = asyncio.run(environment(autoescape=True, enable_async=True).get_template("child.html").render_async(context))
    assert asyncio.run(fast.get_template("child.html").render_async(context)) == want


def test_errors_still_point_at_the_template_line() -> None:
    import traceback

    page = "<p>{{ a }}</p>\n<p>{{ b }}</p>\n<p>{{ 1 // c }}</p>"
    env = jinja2.Environment(loader=jinja2.DictLoader({"e.html": page}))
    genever.templating.Jinja2Templates(env=env)
    with pytest.raises(ZeroDivisionError) as caught:
        env.get_template("e.html").render(a=1, b=2, c=0)
    last = traceback.extract_tb(caught.value.__traceback__)[-1]
    assert (last.filename, last.lineno) == ("<template>", 3)  # Jinja2's rewritten frame: the template's line 3


def test_a_sandboxed_environment_writes_the_same_text_and_stays_sandboxed() -> None:
    import jinja2.sandbox

    def sandboxed() -> jinja2.Environment:
        return jinja2.sandbox.SandboxedEnvironment(loader=jinja2.DictLoader(TEMPLATES), autoescape=True)

    env = sandboxed()
    genever.templating.Jinja2Templates(env=env)
    context = {"values": VALUES, "title": "A&B <c>"}
    assert env.get_template("page.html").render(context) == sandboxed().get_template("page.html").render(context)
    with pytest.raises(jinja2.sandbox.SecurityError):
        env.from_string("{{ title.__class__.__mro__ }}").render(title="x")
