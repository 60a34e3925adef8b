"""The route tree, table-driven: which template and parameters each path resolves to."""

import pytest

from genever._router import RouteConflictError, Tree

TEMPLATES = [
    "/",
    "/users",
    "/users/",
    "/users/me",
    "/users/{user_id}",
    "/users/{id}/posts",
    "/users/{id}/posts/{post_id}",
    "/files/{name}",
    "/files/{rest:path}",
    "/items/{item_id:int}",
    "/items/{slug}",
    "/prices/{value:float}",
    "/objects/{key:uuid}",
    "/reports/{year}-{month}.json",
    "/static/{path:path}",
    "/a/b/c",
    "/a/{x}/c",
    "/a/{x}/{y}",
]

CASES = [
    ("/", "/", {}),
    ("/users", "/users", {}),
    ("/users/", "/users/", {}),
    ("/users/me", "/users/me", {}),
    ("/users/42", "/users/{user_id}", {"user_id": "42"}),
    ("/users/42/posts", "/users/{id}/posts", {"id": "42"}),
    ("/users/42/posts/7", "/users/{id}/posts/{post_id}", {"id": "42", "post_id": "7"}),
    ("/users/me/posts", "/users/{id}/posts", {"id": "me"}),  # backtracks from the static 'me'
    ("/files/a.txt", "/files/{name}", {"name": "a.txt"}),
    ("/files/a/b/c.txt", "/files/{rest:path}", {"rest": "a/b/c.txt"}),
    ("/items/12", "/items/{item_id:int}", {"item_id": "12"}),
    ("/items/twelve", "/items/{slug}", {"slug": "twelve"}),
    ("/prices/1.5", "/prices/{value:float}", {"value": "1.5"}),
    ("/objects/12345678-1234-1234-1234-123456789abc", "/objects/{key:uuid}",
     {"key": "12345678-1234-1234-1234-123456789abc"}),
    ("/reports/2024-05.json", "/reports/{year}-{month}.json", {"year": "2024", "month": "05"}),
    ("/static/", "/static/{path:path}", {"path": ""}),
    ("/static/css/site.css", "/static/{path:path}", {"path": "css/site.css"}),
    ("/a/b/c", "/a/b/c", {}),
    ("/a/z/c", "/a/{x}/c", {"x": "z"}),
    ("/a/b/d", "/a/{x}/{y}", {"x": "b", "y": "d"}),
    ("/users/%20x", "/users/{user_id}", {"user_id": "%20x"}),  # raw: decoding is the server's job
]

MISSES = ["/nope", "/users/42/comments", "/objects/not-a-uuid", "/prices/abc", "/reports/2024.json", "/users//posts",
          "/a/b", "relative",
          "/static", "/files"]  # a catch-all after a slash needs the slash (Starlette's regex too; "/static" redirects)


@pytest.fixture(scope="module")
def tree() -> Tree[str]:
    tree: Tree[str] = Tree()
    for template in TEMPLATES:
        tree.add(template, template)
    return tree


@pytest.mark.parametrize(("path", "template", "params"), CASES)
def test_lookup(tree: Tree[str], path: str, template: str, params: dict[str, str]) -> None:
    match = tree.lookup(path)
    assert match is not None, path
    assert (match.value, match.template, match.params) == (template, template, params)


@pytest.mark.parametrize("path", MISSES)
def test_misses(tree: Tree[str], path: str) -> None:
    assert tree.lookup(path) is None


def test_order_of_addition_does_not_matter() -> None:
    forward: Tree[str] = Tree()
    backward: Tree[str] = Tree()
    for template in TEMPLATES:
        forward.add(template, template)
    for template in reversed(TEMPLATES):
        backward.add(template, template)
    for path, template, params in CASES:
        got = backward.lookup(path)
        assert got is not None and (got.template, got.params) == (template, params)
    assert backward.templates() == list(reversed(TEMPLATES))


@pytest.mark.parametrize(
    ("first", "second"),
    [("/users/{id}", "/users/{user_id}"), ("/x", "/x"), ("/f/{a:path}", "/f/{b:path}"), ("/n/{a:int}", "/n/{b:int}"),
     ("/r/{a}-{b}", "/r/{c}-{d}")],
)
def test_conflicts_name_both_templates(first: str, second: str) -> None:
    tree: Tree[int] = Tree()
    tree.add(first, 1)
    with pytest.raises(RouteConflictError) as info:
        tree.add(second, 2)
    assert first in str(info.value) and second in str(info.value)


@pytest.mark.parametrize(
    "template", ["users", "/users/{id", "/users/{id}/{id}", "/x/{a:nope}", "/x/{rest:path}/more", "/x/{bad-name}"]
)
def test_malformed_templates(template: str) -> None:
    with pytest.raises(ValueError, match="template"):
        Tree().add(template, 1)
