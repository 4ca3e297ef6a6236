"""diplokg: a knowledge graph of France–Kazakhstan relations, each fact tied to its source.

    from diplokg import KnowledgeGraph
    kg = KnowledgeGraph.load()      # the built dataset, embedded
    kg.query("timeline")            # a canned query, as a typed DataFrame

The names here are the Python API: the graph, its settings and the errors it raises.
"""

import typing

from diplokg.__version__ import __version__
from diplokg.config import Settings
from diplokg.errors import (
    DamagedDist,
    DiplokgError,
    EvidenceError,
    InputError,
    LintFailed,
    QueryError,
    ValidationFailed,
)

__all__ = [
    "DamagedDist",
    "DiplokgError",
    "EvidenceError",
    "InputError",
    "KnowledgeGraph",
    "LintFailed",
    "ParameterError",
    "QueryError",
    "Settings",
    "UnknownQueryError",
    "UnknownResourceError",
    "ValidationFailed",
    "__version__",
]

if typing.TYPE_CHECKING:
    from diplokg.api import KnowledgeGraph, UnknownQueryError, UnknownResourceError
    from diplokg.queries import ParameterError


def __getattr__(name: str) -> typing.Any:
    # Lazy, so that importing diplokg (as every submodule does) loads neither pandas nor rdflib.
    if name in ("KnowledgeGraph", "UnknownQueryError", "UnknownResourceError"):
        from diplokg import api

        return getattr(api, name)
    if name == "ParameterError":
        from diplokg.queries import ParameterError

        return ParameterError
    raise AttributeError(f"module 'diplokg' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
