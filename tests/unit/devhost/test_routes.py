"""Route templates matched as the Functions host (ASP.NET Core routing) matches them."""

from __future__ import annotations

import pytest

from devhost.routes import RouteTable, RouteTemplateError, parse_template

GUID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"


@pytest.mark.parametrize(
    ("template", "path", "expected"),
    [
        ("orders", "orders", {}),
        ("orders", "ORDERS/", {}),
        ("orders/{order_id}", "orders/abc-1", {"order_id": "abc-1"}),
        ("orders/{order_id}", "orders/a%20b", {"order_id": "a b"}),
        ("orders/{order_id}", "orders", None),
        ("orders/{order_id}", "orders/a/b", None),
        ("items/{id:guid}", f"items/{GUID}", {"id": GUID}),
        ("items/{id:guid}", f"items/{{{GUID}}}", {"id": f"{{{GUID}}}"}),
        ("items/{id:guid}", "items/not-a-guid", None),
        ("n/{id:int}", "n/-42", {"id": "-42"}),
        ("n/{id:int}", "n/2147483648", None),
        ("n/{id:long}", "n/2147483648", {"id": "2147483648"}),
        ("n/{id:alpha}", "n/abc", {"id": "abc"}),
        ("n/{id:alpha}", "n/ab1", None),
        ("n/{flag:bool}", "n/True", {"flag": "True"}),
        ("n/{x:double}", "n/1.5e3", {"x": "1.5e3"}),
        ("n/{x:datetime}", "n/2024-01-02", {"x": "2024-01-02"}),
        ("n/{id:int:range(1,10)}", "n/10", {"id": "10"}),
        ("n/{id:int:range(1,10)}", "n/11", None),
        ("n/{id:min(5)}", "n/4", None),
        ("n/{id:int}", "n/" + "0" * 5000 + "7", {"id": "0" * 5000 + "7"}),  # int.TryParse: yes
        # Over Python's 4300-digit limit for int(): no match, where int() raised (a 500).
        ("n/{id:int}", "n/" + "9" * 5000, None),
        ("n/{id:long:max(9)}", "n/-" + "9" * 5000, None),
        ("n/{id:range(1,10)}", "n/" + "0" * 5000 + "9", {"id": "0" * 5000 + "9"}),
        ("n/{s:minlength(2):maxlength(3)}", "n/abcd", None),
        ("n/{s:length(3)}", "n/abc", {"s": "abc"}),
        ("n/{s:regex(^a\\d{{2}}$)}", "n/a12", {"s": "a12"}),
        ("n/{s:regex(^a\\d{{2}}$)}", "n/a123", None),
        ("users/{id?}", "users", {}),
        ("users/{id:int?}", "users/7", {"id": "7"}),
        ("users/{id:int?}", "users/x", None),
        ("page/{n=1}", "page", {"n": "1"}),
        ("images/{*name}", "images/a/b/c.png", {"name": "a/b/c.png"}),
        ("images/{*name}", "images", {}),
        ("files/{name}.{ext}", "files/a.tar.gz", {"name": "a.tar", "ext": "gz"}),
        ("", "", {}),
    ],
)
def test_template_matching(template: str, path: str, expected: dict[str, str] | None) -> None:
    assert parse_template(template).match(path) == expected


@pytest.mark.parametrize(
    "template",
    ["a/{*rest}/b", "a/{id?}/b", "a/{id:nosuch}", "a/{id", "a/{1bad}", "a/{id:range(x)}"],
)
def test_invalid_templates_are_rejected(template: str) -> None:
    with pytest.raises(RouteTemplateError):
        parse_template(template)


def test_most_specific_template_wins_whatever_the_registration_order() -> None:
    table: RouteTable[str] = RouteTable()
    table.add("orders/{*rest}", None, "catch-all")
    table.add("orders/{order_id}", ["GET"], "param")
    table.add("orders/{order_id:int}", ["GET"], "constrained")
    table.add("orders/summary", ["GET"], "literal")
    assert table.resolve("GET", "orders/summary") == ("literal", {})
    assert table.resolve("GET", "orders/12") == ("constrained", {"order_id": "12"})
    assert table.resolve("GET", "orders/x") == ("param", {"order_id": "x"})
    assert table.resolve("GET", "orders/x/y") == ("catch-all", {"rest": "x/y"})


def test_methods_filter_routes() -> None:
    table: RouteTable[str] = RouteTable()
    table.add("orders/{order_id}", ["GET"], "get")
    table.add("orders/{order_id}", ["patch"], "patch")
    assert table.resolve("PATCH", "orders/1") == ("patch", {"order_id": "1"})
    assert table.resolve("DELETE", "orders/1") is None


def test_no_methods_means_any_method() -> None:
    table: RouteTable[str] = RouteTable()
    table.add("hook", None, "hook")
    assert table.resolve("PUT", "hook") == ("hook", {})
