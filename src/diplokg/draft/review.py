"""`diplokg review DRAFT.ttl --into CURATED.ttl`: walk a draft fact by fact and keep what is right.

For each fact (events, agreements, figures, office holdings, then the entities they need) the
terminal shows its quotes and the statements proposed; the answer is `a` (accept), `e` (edit:
type replacement Turtle lines for the fact, ended by an empty line), `r` (reject), `s` (skip,
decide later) or `q` (quit, keeping what was decided). Accepted facts are appended to the
curated file without the draft markers (`dkg:status res:status-draft`, `dkg:confidence`) and
with the entities they name that the curated file lacks. The curated file is written only at
the end, atomically, and parsed again first: an edit that breaks the Turtle is refused.

The prompts go through two callables (`ask`, `say`) so that the CLI passes `input`/`print` and
the tests pass scripted answers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from diplokg.draft.records import AGREEMENT_KINDS, EVENT_KINDS, FIGURE_KINDS, HOLDING_KINDS, local
from diplokg.errors import InputError
from diplokg.namespaces import DKG, OA, PREFIXES, RES
from diplokg.rdfio import bind_prefixes, parse_turtle

FACT_KINDS = EVENT_KINDS | AGREEMENT_KINDS | FIGURE_KINDS | HOLDING_KINDS
_DRAFT_MARKS = (DKG.status, DKG.confidence)
# the interpretation the draft marks rest on (diplokg.draft.writer), dropped with them
_MACHINE_DRAFT = RES["interpretation-machine-draft"]


def _draft_mark(graph: Graph, p: Node, o: Node) -> bool:
    """Whether (p, o) of a fact is a draft marker or the interpretation they rest on."""
    return p in _DRAFT_MARKS or (
        p == DKG.interpretation and (o, DKG.interpretationKind, _MACHINE_DRAFT) in graph
    )


@dataclass
class Outcome:
    """What a review decided: IRIs accepted (as is or edited), rejected and skipped."""

    accepted: list[str] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    written: Path | None = None


def _closure(graph: Graph, node: Node) -> Graph:
    """The triples about `node` and the blank nodes it points to (quotes, interpretations)."""
    out = Graph()
    pending = [node]
    seen: set[Node] = set()
    while pending:
        subject = pending.pop()
        if subject in seen:
            continue
        seen.add(subject)
        for p, o in graph.predicate_objects(subject):
            if isinstance(subject, URIRef) and _draft_mark(graph, p, o):
                continue
            out.add((subject, p, o))
            if isinstance(o, BNode):
                pending.append(o)
    return out


def _facts(graph: Graph) -> list[URIRef]:
    order = {"event": 0, "agreement": 1, "figure": 2, "holding": 3}

    def family(kind: str) -> str:
        if kind in AGREEMENT_KINDS:
            return "agreement"
        if kind in FIGURE_KINDS:
            return "figure"
        if kind in HOLDING_KINDS:
            return "holding"
        return "event"

    found = []
    for s, cls in graph.subject_objects(RDF.type):
        if isinstance(s, URIRef) and local(cls) in FACT_KINDS and (s, DKG.status, None) in graph:
            found.append((order[family(local(cls))], str(s), s))
    return [s for _, _, s in sorted(found)]


def describe(graph: Graph, fact: URIRef) -> str:
    """The quotes and proposed statements of one fact, as the terminal shows them."""
    confidence = graph.value(fact, DKG.confidence)
    # a curated fact has no confidence: nothing is shown for it, never "None"
    lines = [local(fact) + (f"  (confidence {confidence})" if confidence is not None else "")]
    for q in graph.objects(fact, DKG.quote):
        exact = graph.value(q, OA.exact) if isinstance(q, BNode) else q
        lines.append(f"  quote: «{exact}»")
    for p, o in sorted(graph.predicate_objects(fact), key=lambda po: (str(po[0]), str(po[1]))):
        if p in (DKG.quote, DKG.interpretation, RDFS.label, *_DRAFT_MARKS):
            continue
        lines.append(f"  {_short(p)} {_short(o)}")
    for i in graph.objects(fact, DKG.interpretation):
        if not _draft_mark(graph, DKG.interpretation, i):
            comment = graph.value(i, RDFS.comment) or graph.value(i, DKG.interpretationKind)
            lines.append(f"  interpretation: {_short(comment) if comment is not None else '—'}")
    return "\n".join(lines)


def _short(node: Node) -> str:
    text = str(node)
    for prefix, iri in PREFIXES.items():
        if text.startswith(iri):
            return f"{prefix}:{text[len(iri) :]}"
    return text


def _referenced_entities(draft: Graph, fact_graph: Graph, curated: Graph) -> Graph:
    """Entities minted by the draft that an accepted fact names and the curated file lacks."""
    out = Graph()
    for o in set(fact_graph.objects()):
        if (
            isinstance(o, URIRef)
            and str(o).startswith(str(RES))
            and (o, RDF.type, None) in draft
            and (o, RDF.type, None) not in curated
            and local(draft.value(o, RDF.type) or o) not in FACT_KINDS
        ):
            out += _closure(draft, o)
    return out


def review(
    draft_path: Path,
    curated_path: Path,
    ask: Callable[[str], str],
    say: Callable[[str], None],
) -> Outcome:
    """Walk the draft (module docstring). Raises InputError for a missing or bad file, or when
    the accepted facts with the edits do not parse."""
    draft = parse_turtle(draft_path)
    curated = parse_turtle(curated_path)
    accepted = Graph()
    outcome = Outcome()
    facts = _facts(draft)
    for n, fact in enumerate(facts, start=1):
        say(f"\n[{n}/{len(facts)}] {describe(draft, fact)}")
        answer = ask("accept / edit / reject / skip / quit [a/e/r/s/q]? ").strip().lower()[:1]
        if answer == "q":
            outcome.skipped += [local(f) for f in facts[n - 1 :]]
            break
        if answer == "r":
            outcome.rejected.append(local(fact))
            continue
        if answer == "e":
            say(
                "Turtle for this fact (prefixes dkg: res: xsd: rdfs: oa: are declared), "
                "an empty line to end:"
            )
            lines = []
            while True:
                line = ask("")
                if not line.strip():
                    break
                lines.append(line)
            edited = _parse_edit("\n".join(lines), draft_path)
            accepted += edited
            accepted += _referenced_entities(draft, edited, curated)
            outcome.edited.append(local(fact))
            continue
        if answer == "a":
            kept = _closure(draft, fact)
            accepted += kept
            accepted += _referenced_entities(draft, kept, curated)
            outcome.accepted.append(local(fact))
            continue
        outcome.skipped.append(local(fact))
    if len(accepted):
        _append(curated_path, curated, accepted)
        outcome.written = curated_path
    return outcome


def _parse_edit(text: str, where: Path) -> Graph:
    header = "".join(f"@prefix {p}: <{iri}> .\n" for p, iri in PREFIXES.items())
    graph = Graph()
    try:
        graph.parse(data=header + text, format="turtle")
    except Exception as exc:  # rdflib raises several types for bad Turtle
        raise InputError(where, f"the edited fact is not Turtle: {exc}") from None
    return graph


def _append(path: Path, curated: Graph, accepted: Graph) -> None:
    """Append the accepted triples to the curated file as a new section, after checking that
    the whole file still parses; the file is replaced atomically."""
    block = bind_prefixes(Graph())
    block += accepted
    body = block.serialize(format="turtle")
    # keep only the statements: the curated file already declares its prefixes
    statements = "\n".join(line for line in body.splitlines() if not line.startswith("@prefix"))
    existing = path.read_text(encoding="utf-8")
    missing = [
        f"@prefix {p}: <{iri}> ."
        for p, iri in PREFIXES.items()
        if f"@prefix {p}:" not in existing and f"{p}:" in statements
    ]
    text = (
        existing.rstrip("\n")
        + "\n\n#################################################################\n"
        + "#    Accepted from a machine draft (diplokg review)\n"
        + "#################################################################\n"
        + ("\n".join(missing) + "\n" if missing else "")
        + statements.strip("\n")
        + "\n"
    )
    check = Graph()
    try:
        check.parse(data=text, format="turtle")
    except Exception as exc:
        raise InputError(path, f"the reviewed file would not parse: {exc}") from None
    if len(check) < len(curated):
        raise InputError(path, "the reviewed file would lose triples")
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
