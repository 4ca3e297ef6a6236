"""`diplokg export`: the built dataset, or one of its named graphs, in any RDF syntax.

Triple syntaxes (Turtle, N-Triples, JSON-LD, RDF/XML) hold the union of the selected graphs,
as the served default graph is; quad syntaxes (TriG, N-Quads) keep each triple's graph.
Serialisation goes through `diplokg.rdfio`, the code that writes dist/, so an export of the
whole dataset is the same document as the dump the build published.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from diplokg.config import Settings
from diplokg.errors import DiplokgError, DiskFull, InputError, disk_full
from diplokg.namespaces import NAMED_GRAPHS
from diplokg.rdfio import compact_jsonld, convert, write_text

# format name -> (rdfio extension, keeps named graphs)
FORMATS: dict[str, tuple[str, bool]] = {
    "turtle": ("ttl", False),
    "ntriples": ("nt", False),
    "jsonld": ("jsonld", False),
    "rdfxml": ("rdf", False),
    "trig": ("trig", True),
    "nquads": ("nq", True),
}


def graph_iri(name: str) -> str:
    """The IRI of a named graph given by short name (asserted, inferred...) or in full."""
    if name in NAMED_GRAPHS:
        return str(NAMED_GRAPHS[name])
    if name in {str(iri) for iri in NAMED_GRAPHS.values()}:
        return name
    known = ", ".join(NAMED_GRAPHS)
    raise DiplokgError(f"unknown graph '{name}' (known: {known}, or their full IRIs)")


def serialise(dataset: Path, fmt: str, graph: str | None = None) -> tuple[str, int]:
    """The text of `dataset` (an N-Quads file) in `fmt`, and how many triples or quads it has."""
    import pyoxigraph as ox

    if fmt not in FORMATS:
        raise DiplokgError(f"unknown format '{fmt}' (known: {', '.join(FORMATS)})")
    extension, keeps_graphs = FORMATS[fmt]
    selected = graph_iri(graph) if graph is not None else None
    try:
        quads = list(ox.parse(path=dataset, format=ox.RdfFormat.N_QUADS))
    except (SyntaxError, OSError) as exc:
        raise InputError(dataset, f"cannot be read as N-Quads: {exc}") from None
    if selected is not None:
        quads = [q for q in quads if str(q.graph_name) == f"<{selected}>"]
    if keeps_graphs:
        lines = {(str(q.graph_name), f"{q} .\n") for q in quads}
        if fmt == "nquads":
            return "".join(sorted(line for _, line in lines)), len(lines)
        # grouped by graph, then sorted: TriG writes one block a graph
        return convert("".join(line for _, line in sorted(lines)), "nq", "trig"), len(lines)
    triples = sorted({f"{q.triple} .\n" for q in quads})
    text = "".join(triples)
    if fmt == "jsonld":
        compacted = compact_jsonld(convert(text, "nt", "jsonld"))
        text = json.dumps(compacted, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    elif fmt != "ntriples":
        text = convert(text, "nt", extension)
    return text, len(triples)


def cli_export(args: argparse.Namespace) -> int:
    """`diplokg export --format FORMAT [--graph NAME] -o FILE` (written atomically)."""
    from diplokg.build import ensure_built

    if args.graph is not None:
        graph_iri(args.graph)  # an unknown graph fails before any build
    text, count = serialise(ensure_built(Settings()), args.format, args.graph)
    output = Path(args.output)
    try:
        write_text(output, text)
    except OSError as exc:
        if disk_full(exc):
            raise DiskFull(f"{output}: no space left on device") from None
        raise InputError(output, f"cannot be written: {exc.strerror or exc}") from None
    unit = "quads" if FORMATS[args.format][1] else "triples"
    print(f"wrote {count} {unit} to {output}", file=sys.stderr)
    return 0
