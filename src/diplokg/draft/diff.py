"""`diplokg diff OLD.ttl NEW.ttl`: what changed between two editions of a page.

Facts of the two files (curated or draft) are paired: events by the identity rule of `score`
(same kind, overlapping dates, same countries on both sides) or as re-dated (same kind, same
actors and places), one to one by best agreement (`_agreement`: the same actors — persons,
offices — on each side, then the same places, the same dates, the same words), the best-agreeing
pairs taken first, not the first candidate met, so two same-day receptions by different people
pair each with its own; agreements by kind and parties,
figures by indicator (or unit) and period, office holdings by holder and office. A pair whose
dates, actors, places, value or words differ is a change; an unpaired old fact is dropped, an
unpaired new one added. Each side keeps its quote.

The change set is RDF (`changeset_graph`): one `dkg:ChangeSet` with `prov:used` the two files'
documents, and one `dkg:Change` per change with `dkg:changeKind` (`res:change-added`,
`-dropped`, `-redated`, `-updated`, `-reworded`, `-modified`), `dkg:oldFact`/`dkg:newFact`,
`dkg:oldQuote`/`dkg:newQuote`, and a `rdfs:comment` saying what moved. Served with
`--include-drafts` like a draft, it can be queried beside the facts it compares.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from diplokg.draft.records import Context, Record, load_graph, read_records
from diplokg.draft.score import same_event
from diplokg.namespaces import DKG, RES

KINDS = ("added", "dropped", "redated", "updated", "reworded", "modified")


@dataclass(frozen=True)
class Change:
    """One change between the editions; `old`/`new` are None for an added/dropped fact."""

    kind: str
    family: str
    old: Record | None
    new: Record | None
    detail: str

    @property
    def label(self) -> str:
        record = self.new or self.old
        assert record is not None
        return f"{record.kind} {record.date_text()}".strip()


def _paired(ctx: Context, a: Record, b: Record) -> bool:
    if a.family != b.family:
        return False
    if a.family == "event":
        if a.same_kind != b.same_kind:
            return False
        if same_event(ctx, a, b):
            return True
        # re-dated: same kind and the same actors, dates apart
        return bool(
            ctx.same_entity(a.source, b.source)
            and ctx.same_entity(a.target, b.target)
            and a.places == b.places
            and (a.source is not None or a.places)
        )
    if a.family == "agreement":
        return (
            a.kind == b.kind
            and sorted(map(str, map(ctx.country, a.parties)))
            == sorted(map(str, map(ctx.country, b.parties)))
            and (a.first == b.first or a.label == b.label)
        )
    if a.family == "figure":
        return (
            a.kind == b.kind
            and a.unit == b.unit
            and (_indicator(a) == _indicator(b))
            and (a.first == b.first or a.label == b.label)
        )
    return ctx.same_entity(a.holder, b.holder) and ctx.same_entity(a.office, b.office)


def _agreement(ctx: Context, a: Record, b: Record) -> tuple[int, ...]:
    """How far two paired facts agree, compared most significant first: the same source and
    target actors (the persons or offices themselves, not only their countries), the same
    places, the same dates, the same words (1 each, else 0)."""
    return (
        int(ctx.same_entity(a.source, b.source)) + int(ctx.same_entity(a.target, b.target)),
        int(a.places == b.places and a.parties == b.parties),
        int((a.first, a.last, a.qualifiers) == (b.first, b.last, b.qualifiers)),
        int(a.quotes == b.quotes),
    )


def _side(actor: str | None, target: str | None, places: tuple[str, ...]) -> str:
    """One side of a modified fact, "source->target place,place": "—" for an absent actor, the
    arrow left out when the fact has neither (a cultural season), never "None"."""
    parts = [f"{actor or '—'}->{target or '—'}"] if actor or target else []
    if places:
        parts.append(",".join(places))
    return " ".join(parts) or "—"


def _num(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{int(value):,}".replace(",", " ") if float(value).is_integer() else f"{value:g}"


def _when(r: Record) -> str:
    """ " (2014)" for a dated fact; nothing, never "()", for an undated one."""
    return f" ({r.date_text()})" if r.date_text() else ""


def _indicator(r: Record) -> str:
    return r.extra.get("indicator", "")


def _compare(ctx: Context, old: Record, new: Record) -> Change | None:
    """The first difference, in this order: a figure's value (updated, its period with it), the
    dates (re-dated), actors/places/parties (modified), the words only (reworded)."""
    if old.family == "figure" and old.value != new.value:
        return Change(
            "updated",
            old.family,
            old,
            new,
            f"{_num(old.value)}{_when(old)} -> {_num(new.value)}{_when(new)} "
            f"{new.unit or ''}".rstrip(),
        )
    if (old.first, old.last, old.qualifiers) != (new.first, new.last, new.qualifiers):
        return Change(
            "redated",
            old.family,
            old,
            new,
            f"{old.date_text() or '—'} -> {new.date_text() or '—'}",
        )
    if old.value != new.value:
        return Change(
            "updated",
            old.family,
            old,
            new,
            f"{_num(old.value)} -> {_num(new.value)} {new.unit or ''}".rstrip(),
        )
    actors_same = ctx.same_entity(old.source, new.source) and ctx.same_entity(
        old.target, new.target
    )
    if not actors_same or old.places != new.places or old.parties != new.parties:
        return Change(
            "modified",
            old.family,
            old,
            new,
            f"{_side(old.source, old.target, old.places)} => "
            f"{_side(new.source, new.target, new.places)}",
        )
    if old.quotes != new.quotes:
        return Change("reworded", old.family, old, new, "the words changed, the fact did not")
    return None


def diff_graphs(old: Graph, new: Graph, context: Graph | None = None) -> list[Change]:
    """The changes from `old` to `new`, in the order: changed, dropped, added."""
    ctx = Context(old, new, *(g for g in (context,) if g is not None))
    olds, news = _with_indicators(old), _with_indicators(new)
    candidates = sorted(
        (
            (_agreement(ctx, o, n), o.iri, n.iri, o, n)
            for o in olds
            for n in news
            if _paired(ctx, o, n)
        ),
        key=lambda c: (tuple(-x for x in c[0]), c[1], c[2]),
    )
    pairs: dict[str, Record] = {}
    used: set[str] = set()
    for _, o_iri, n_iri, _o, n in candidates:
        if o_iri in pairs or n_iri in used:
            continue
        pairs[o_iri] = n
        used.add(n_iri)
    changes: list[Change] = []
    for o in olds:
        if o.iri not in pairs:
            changes.append(Change("dropped", o.family, o, None, "not in the new edition"))
            continue
        change = _compare(ctx, o, pairs[o.iri])
        if change is not None:
            changes.append(change)
    for n in news:
        if n.iri not in used:
            changes.append(Change("added", n.family, None, n, "new in this edition"))
    order = {
        k: i
        for i, k in enumerate(("redated", "updated", "modified", "reworded", "dropped", "added"))
    }
    return sorted(changes, key=lambda c: (order[c.kind], c.family, c.label))


def _with_indicators(graph: Graph) -> list[Record]:
    records = read_records(graph)
    for r in records:
        value = graph.value(URIRef(r.iri), DKG.indicator)
        if value is not None:
            r.extra["indicator"] = str(value)
    return records


def diff_files(old: Path, new: Path, context: list[Path] | None = None) -> list[Change]:
    """`diff_graphs` of two Turtle files. Raises InputError for a missing or malformed file."""
    extra = Graph()
    for path in context or []:
        extra += load_graph(path)
    return diff_graphs(load_graph(old), load_graph(new), extra)


def format_changes(changes: list[Change]) -> str:
    """The changes as a table: kind, family, fact, what changed, and each side's quote."""
    if not changes:
        return "no change"
    lines = [f"{'change':<9} {'fact':<10} {'what':<40} detail"]
    for c in changes:
        lines.append(f"{c.kind:<9} {c.family:<10} {c.label[:40]:<40} {c.detail}")
        if c.old is not None and c.old.quotes:
            lines.append(f"{'':<20} old: «{c.old.quotes[0]}»")
        if c.new is not None and c.new.quotes:
            lines.append(f"{'':<20} new: «{c.new.quotes[0]}»")
    return "\n".join(lines)


def changeset_graph(changes: list[Change], old: Path, new: Path) -> Graph:
    """The change set as RDF (module docstring); IRIs are stable for the same two files."""
    digest = hashlib.sha256(f"{old.name}\n{new.name}".encode()).hexdigest()[:12]
    base = f"changeset-{old.stem}-{new.stem}"
    cs = RES[base]
    g = Graph()
    g.add((cs, RDF.type, DKG.ChangeSet))
    g.add((cs, RDFS.label, Literal(f"Changes from {old.name} to {new.name}", lang="en")))
    g.add((cs, RDFS.label, Literal(f"Modifications de {old.name} à {new.name}", lang="fr")))
    g.add((cs, DKG.oldEdition, Literal(old.name)))
    g.add((cs, DKG.newEdition, Literal(new.name)))
    g.add((cs, RDFS.comment, Literal(f"id {digest}")))
    for n, change in enumerate(changes, start=1):
        node = RES[f"{base}/{n}"]
        g.add((cs, DKG.hasChange, node))
        g.add((node, RDF.type, DKG.Change))
        g.add((node, DKG.changeKind, RES[f"change-{change.kind}"]))
        g.add((node, RDFS.label, Literal(f"{change.kind}: {change.label}", lang="en")))
        g.add((node, RDFS.label, Literal(f"{change.kind} : {change.label}", lang="fr")))
        g.add((node, RDFS.comment, Literal(change.detail, lang="en")))
        if change.old is not None:
            g.add((node, DKG.oldFact, URIRef(change.old.iri)))
            for q in change.old.quotes:
                g.add((node, DKG.oldQuote, Literal(q)))
        if change.new is not None:
            g.add((node, DKG.newFact, URIRef(change.new.iri)))
            for q in change.new.quotes:
                g.add((node, DKG.newQuote, Literal(q)))
    return g
