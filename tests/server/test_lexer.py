"""The query checker's lexer is linear and reads queries as the backtracking lexer did.

The reference below is the lexer as it was before issue 12: right, but quadratic on inputs
such as `a-a-a-...` (one 32 KB query held the event loop for 5.6 s). Hypothesis checks the
new lexer against it on random text, that its tokens join back to the query, and the
adversarial families are checked for linearity by counting the characters the patterns
examine, never by timing.
"""

from __future__ import annotations

import contextlib
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diplokg.protocol import Lexer, QueryRejected, inspect_query, tokenize

REFERENCE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][0-9A-Za-z_\u00B7-\uFFFF]+)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<pname>(?:[A-Za-z_\u00C0-\uFFFF][\w\-.\u00B7-\uFFFF]*)?:(?:[\w\-.:%\u00B7-\uFFFF]|\\.)*)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<number>[0-9][0-9.eE]*)
  | (?P<open>[{(\[])
  | (?P<close>[})\]])
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
# What SPARQL queries are made of, and what trips lexers up.
ALPHABET = st.sampled_from(
    [*"aAzS_-.:%?$@#<>{}()[]'\"\\ \t\n\r0e9,;/|^`=!*+", "é", "\u00b7", "\u3000", "SERVICE"]
)
QUERIES = st.lists(ALPHABET, max_size=80).map("".join)


def reference_tokens(query: str) -> list[tuple[str, str]] | None:
    """The old lexer's tokens; None where a quote opens a string never closed on its line."""
    tokens = []
    for m in REFERENCE.finditer(query):
        kind = m.lastgroup or "other"
        if kind == "other" and m.group() in "'\"":
            return None
        if kind not in ("ws", "comment"):
            tokens.append((kind, m.group()))
    return tokens


@settings(max_examples=1500, deadline=None)
@given(QUERIES)
def test_tokens_are_those_of_the_backtracking_lexer(query: str) -> None:
    expected = reference_tokens(query)
    if expected is None:
        with pytest.raises(QueryRejected) as info:
            tokenize(query)
        assert info.value.status == 400
    else:
        assert tokenize(query) == expected


@settings(max_examples=1500, deadline=None)
@given(QUERIES)
def test_tokens_join_back_to_the_query(query: str) -> None:
    lexer = Lexer(query, layout=True)
    try:
        tokens = lexer.run()
    except QueryRejected:
        return
    assert "".join(text for _, text in tokens) == query
    assert lexer.work <= 3 * len(query) + 3


ADVERSARIAL = {
    "name-runs": "a-",  # the issue's case: every `a` began a scan to the end
    "dotted-names": "a.",
    "escaped-quotes": '"\\',
    "open-iris": "<a",
    "unclosed-long-strings": "'''a' ",
    "blank-nodes": "_:",
    "numbers": "1e",
}


@pytest.mark.parametrize("unit", ADVERSARIAL.values(), ids=ADVERSARIAL.keys())
def test_work_grows_linearly(unit: str) -> None:
    def work(n: int) -> int:
        lexer = Lexer("SELECT * { " + unit * n + " }")
        with contextlib.suppress(QueryRejected):
            lexer.run()
        return lexer.work

    small, large = work(2000), work(16000)
    assert large <= 8 * small + 100
    assert large <= 3 * len(unit) * 16000 + 100


def test_the_issue_query_is_read_in_one_pass() -> None:
    query = "SELECT * { " + "a-" * 16370 + " }"
    lexer = Lexer(query)
    lexer.run()
    assert lexer.work <= 2 * len(query)
    assert inspect_query(query, 200).form == "SELECT"


@pytest.mark.parametrize(
    "query",
    ["SELECT * { ?s a.SERVICE <http://x/> { } }", "SELECT * {?s?p?o.SERVICE <http://x/> {}}"],
    ids=["after-a-name", "after-a-variable"],
)
def test_service_hidden_in_a_name_run_is_found(query: str) -> None:
    assert inspect_query(query, 200).service is True
