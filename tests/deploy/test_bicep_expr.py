"""The Bicep expression reader of the deploy tests (tests/deploy/bicep_expr.py, bicep_eval.py)
against the language's documented rules, which pycep's own tree does not follow."""

from __future__ import annotations

import pytest

from tests.deploy import infra
from tests.deploy.bicep_eval import Symbol, Template, declarations
from tests.deploy.bicep_expr import parse


def value(text: str, **names: object) -> object:
    return Template("main.bicep", names).evaluate(parse(text), {})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7 - 2 + 3 - 1", 7),  # additive: left to right
        ("1 + 2 * 3 % 4", 3),  # multiplicative first: 2 * 3 = 6, 6 % 4 = 2
        ("(1 + 2) * 3", 9),
        ("7 / 2", 3),
        ("-7 / 2", -3),  # truncated toward zero, as ARM's div (Python's // gives -4)
        ("-7 % 3", -1),  # the sign of the dividend, as ARM's mod (Python's % gives 2)
        ("1 == 1 ? 'a' : 'b'", "a"),  # equality binds tighter than ?:
        ("false ? 1 : true ? 2 : 3", 2),  # ?: right to left
        ("!false && 1 < 2 || false", True),
        ("null ?? 'x'", "x"),
        ("'n-${1 + 2}-${'q'}'", "n-3-q"),
        ("range(1, 3)", [1, 2, 3]),  # a start and a count, not a stop
        ("range(1, 0)", []),
        ("[for k in range(2, 2): 'a${k}']", ["a2", "a3"]),
        ("[for (x, i) in ['p', 'q']: '${x}${i}']", ["p0", "q1"]),
        ("[\n  'a' // a comment\n  'b'\n][1]", "b"),
        ("concat(['a'], ['b'])", ["a", "b"]),
        ("join(concat(['a'], [for k in range(1, 2): 'o${k}']), ',')", "a,o1,o2"),
        ("{\n  a: 1\n  b: 'x'\n}.b", "x"),
    ],
)
def test_expressions_follow_the_documented_rules(text: str, expected: object) -> None:
    assert value(text) == expected


def test_what_only_arm_knows_stays_a_symbol_and_refuses_arithmetic() -> None:
    assert value("uniqueString('a')") == Symbol("uniqueString()")
    with pytest.raises(TypeError):
        value("uniqueString('a') + 1")


def test_pycep_s_own_tree_reads_the_queue_count_differently() -> None:
    """Why the values are parsed here: for account 0 of 3 with 4 queues the template means
    (4 - 0 + 3 - 1) / 3 = 2 queues; pycep's tree nests the sum to the right and makes it 0."""
    text = (infra.INFRA / "modules/event-queues.bicep").read_text("utf-8")
    assert "(queues - accountIndex + accounts - 1) / accounts" in text
    tree = infra.parse("modules/event-queues.bicep")["variables"]["queuesHere"]["value"]
    assert tree["operator"]["type"] == "equals"  # `queues == (1 ? 0 : ...)`
    template = Template(
        "modules/event-queues.bicep",
        {"accountIndex": 0, "accounts": 3, "queues": 4, "storageAccountName": "st"},
    )
    assert template["queuesHere"] == 2
    assert declarations("modules/event-queues.bicep")["queuesHere"].kind == "var"
