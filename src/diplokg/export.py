"""Exports: the built dataset, or one of its named graphs, in any RDF syntax.

Triple syntaxes (Turtle, N-Triples, JSON-LD, RDF/XML) hold the union of the selected graphs,
as the served default graph is; quad syntaxes (TriG, N-Quads) keep each triple's graph.
Serialisation goes through `diplokg.rdfio`, the code that writes dist/, so an export of the
whole dataset is the same document as the dump the build published.
"""

from __future__ import annotations

import json
from pathlib import Path

from diplokg.errors import DiplokgError, InputError
from diplokg.formats import GRAPH_FORMATS, JSON_LD, NQUADS, NTRIPLES, by_key
from diplokg.namespaces import KNOWN_GRAPHS
from diplokg.rdfio import compact_jsonld, convert

# format name -> (file extension, keeps named graphs), as diplokg.formats has them
FORMATS: dict[str, tuple[str, bool]] = {f.key: (f.extension, f.datasets) for f in GRAPH_FORMATS}


def graph_iri(name: str) -> str:
    """The IRI of a named graph given by short name (asserted, inferred...) or in full."""
    if name in KNOWN_GRAPHS:
        return str(KNOWN_GRAPHS[name])
    if name in {str(iri) for iri in KNOWN_GRAPHS.values()}:
        return name
    known = ", ".join(KNOWN_GRAPHS)
    raise DiplokgError(f"unknown graph '{name}' (known: {known}, or their full IRIs)")


def serialise(dataset: Path, fmt: str, graph: str | None = None) -> tuple[str, int]:
    """The text of `dataset` (an N-Quads file) in `fmt`, and how many triples or quads it has."""
    import pyoxigraph as ox

    if fmt not in FORMATS:
        raise DiplokgError(f"unknown format '{fmt}' (known: {', '.join(FORMATS)})")
    target = by_key(fmt)
    selected = graph_iri(graph) if graph is not None else None
    try:
        quads = list(ox.parse(path=dataset, format=NQUADS.rdf))
    except (SyntaxError, OSError) as exc:
        raise InputError(dataset, f"cannot be read as N-Quads: {exc}") from None
    if selected is not None:
        quads = [q for q in quads if str(q.graph_name) == f"<{selected}>"]
    if target.datasets:
        lines = {(str(q.graph_name), f"{q} .\n") for q in quads}
        if target is NQUADS:
            return "".join(sorted(line for _, line in lines)), len(lines)
        # grouped by graph, then sorted: TriG writes one block a graph
        return convert("".join(line for _, line in sorted(lines)), NQUADS, target), len(lines)
    triples = sorted({f"{q.triple} .\n" for q in quads})
    text = "".join(triples)
    if target is JSON_LD:
        compacted = compact_jsonld(convert(text, NTRIPLES, JSON_LD))
        text = json.dumps(compacted, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    elif target is not NTRIPLES:
        text = convert(text, NTRIPLES, target)
    return text, len(triples)
