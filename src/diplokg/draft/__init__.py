"""Drafting a new page: a French date grammar, spaCy with our gazetteer, statement patterns,
Turtle in the event model, and the tools to score, compare and review drafts.

Nothing here loads the French model at import time; `diplokg.draft.pipeline.load_model` does,
once, when a page is drafted.
"""

from __future__ import annotations

from diplokg.draft.dates import DateExpr, bounds, find_dates, parse_date

__all__ = ["DateExpr", "bounds", "find_dates", "parse_date"]
