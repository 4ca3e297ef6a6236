"""The `>>>` examples of the drafting modules' docstrings run (house style: examples that run)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "diplokg.draft.countries",
    "diplokg.draft.dates",
    "diplokg.draft.drafter",
    "diplokg.draft.gazetteer",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    failed, attempted = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert attempted > 0
    assert failed == 0
