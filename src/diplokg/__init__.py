"""diplokg: a knowledge graph of France–Kazakhstan relations, each fact tied to its source."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["KnowledgeGraph", "__version__"]

if TYPE_CHECKING:
    from diplokg.api import KnowledgeGraph


def __getattr__(name: str) -> Any:
    # Lazy so that importing diplokg does not load pandas.
    if name == "KnowledgeGraph":
        from diplokg.api import KnowledgeGraph

        return KnowledgeGraph
    raise AttributeError(name)
