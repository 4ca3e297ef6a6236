"""`diplokg score DRAFT.ttl GOLD.ttl`: precision, recall and F1 of a draft by kind of fact.

Matching rules (README, "Drafting a new page"):

- **Same event** (identity): the same kind (an official visit is a visit), intervals that
  overlap (each date widened to the bounds its precision and qualifiers allow), and the same
  countries on both sides (the set of the source actors' countries, and of the target actors').
  Meetings, consultations, signings and the establishment of relations are unordered: the set
  of the countries of all their parties, source and target actors together, since the event
  model codes a mutual event (a signing, the establishment of relations) with every party as
  both source and target actor. Each gold event pairs with at most one draft event, closest
  dates first.
- Rows **events** and **events (identity)** hold the interaction events (visits, receptions,
  meetings, consultations, signings, establishment of relations); **other events** (creations,
  summits...) match on kind and overlapping dates.
- **events** row: a pair counts when, besides, the dates are the same values at the same
  precision and the actors are the same entities (the same IRI, or a shared label): each side's
  in order, or all the parties together for the unordered kinds.
- Actors are read from `dkg:sourceActor`/`dkg:targetActor` (every value), else from the guest
  and host they repeat (the guest acts in a visit, the host in a reception). An office no
  graph describes is read by its slug's convention (`office-<role>-<country>`).
- **agreements**: the same kind, the same signing date, the same parties' countries.
- **figures**: the same value (relative difference under 10⁻⁶) and the same currency or unit.
- **dates**: the distinct date values (lexical form and precision) of all facts.
- **entities**: the entities named by facts (actors, places, parties, holders, offices, things
  created), the same when their IRIs are equal or they share a label.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from diplokg.draft.records import (
    INTERACTIONS,
    MUTUAL,
    SYMMETRIC,
    Context,
    Record,
    date_values,
    entities,
    load_graph,
    read_records,
)

ROWS = (
    "events",
    "events (identity)",
    "other events",
    "agreements",
    "figures",
    "dates",
    "entities",
)
# The goals of issue 14 on a page: F1 at least this much per row.
GOALS = {"events": 0.8, "dates": 0.9, "entities": 0.8}


@dataclass
class RowScore:
    """True positives, false positives and false negatives of one kind of fact."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    missed: list[str] = field(default_factory=list)
    spurious: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: RowScore) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn


@dataclass
class Score:
    """Rows in the order of ROWS."""

    rows: dict[str, RowScore]

    def add(self, other: Score) -> None:
        for name, row in other.rows.items():
            self.rows.setdefault(name, RowScore()).add(row)


def _side(ctx: Context, slugs: tuple[str, ...]) -> frozenset[str | None]:
    """The countries of one side's actors (a side may name several)."""
    return frozenset(ctx.country(s) for s in slugs) if slugs else frozenset({None})


def _overlap(a: Record, b: Record) -> bool:
    ia, ib = a.interval(), b.interval()
    return not (ia is None or ib is None or ia[0] > ib[1] or ib[0] > ia[1])


def same_event(ctx: Context, a: Record, b: Record) -> bool:
    """The identity rule (module docstring): for the unordered kinds, the set of the countries
    of every party (source and target actors together, as a mutual event lists each party under
    both); for the others, the countries of each side."""
    if a.same_kind != b.same_kind or not _overlap(a, b):
        return False
    if a.same_kind in SYMMETRIC:
        return _side(ctx, a.actors) == _side(ctx, b.actors)
    return _side(ctx, a.sources) == _side(ctx, b.sources) and _side(ctx, a.targets) == _side(
        ctx, b.targets
    )


def same_other_event(ctx: Context, a: Record, b: Record) -> bool:
    """Other events: the same kind and overlapping dates; two undated ones (a summit the page
    does not date) are the same when they share a place or a label."""
    if a.kind != b.kind:
        return False
    if a.interval() is None and b.interval() is None:
        same_place = bool(set(a.places) & set(b.places))
        return same_place or (
            bool(a.label) and ctx.labels(local_slug(a)) & ctx.labels(local_slug(b)) != set()
        )
    return _overlap(a, b)


def local_slug(r: Record) -> str:
    return r.iri.rsplit("/", 1)[-1]


def _same_entities(ctx: Context, a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Each entity of `a` is a distinct entity of `b` (same IRI or a shared label), and back."""
    if len(a) != len(b):
        return False
    left = list(b)
    for x in a:
        y = next((y for y in left if ctx.same_entity(x, y)), None)
        if y is None:
            return False
        left.remove(y)
    return True


def event_right(ctx: Context, draft: Record, gold: Record) -> bool:
    """Dates the same values, and the actors the same entities: each side in order, or, for
    the unordered kinds, the parties together (a mutual event lists each under both sides)."""
    if (draft.first, draft.last or draft.first) != (gold.first, gold.last or gold.first):
        return False
    if draft.same_kind in SYMMETRIC:
        return _same_entities(ctx, draft.actors, gold.actors)
    return _same_entities(ctx, draft.sources, gold.sources) and _same_entities(
        ctx, draft.targets, gold.targets
    )


def _pair(
    drafts: list[Record],
    golds: list[Record],
    same: Callable[[Record, Record], bool],
    right: Callable[[Record, Record], bool] | None = None,
) -> list[tuple[Record, Record]]:
    """Greedy one-to-one pairs: pairs that are `right` first, then the closest dates."""
    candidates = []
    for g in golds:
        for d in drafts:
            if same(d, g):
                gi, di = g.interval(), d.interval()
                distance = abs((gi[0] - di[0]).days) + abs((gi[1] - di[1]).days) if gi and di else 0
                wrong = 0 if right is None or right(d, g) else 1
                candidates.append((wrong, distance, d.iri, g.iri, d, g))
    candidates.sort(key=lambda c: (c[0], c[1], c[2], c[3]))
    used_d: set[str] = set()
    used_g: set[str] = set()
    pairs = []
    for _, _, d_iri, g_iri, d, g in candidates:
        if d_iri in used_d or g_iri in used_g:
            continue
        used_d.add(d_iri)
        used_g.add(g_iri)
        pairs.append((d, g))
    return pairs


def _figure_text(r: Record) -> str:
    """ "1200000000.0 EUR"; "?" for an absent value, the unit left out when there is none
    (never "None")."""
    value = "?" if r.value is None else f"{r.value}"
    return f"{value} {r.unit}" if r.unit else value


def _row(pairs_ok: int, n_draft: int, n_gold: int) -> RowScore:
    return RowScore(pairs_ok, n_draft - pairs_ok, n_gold - pairs_ok)


def _describe(r: Record) -> str:
    if r.kind in MUTUAL:
        return f"{r.kind} {r.date_text()} {'+'.join(r.actors)}".strip()
    return f"{r.kind} {r.date_text()} {'+'.join(r.sources)}→{'+'.join(r.targets)}".strip()


def score_graphs(draft: Graph, gold: Graph, context: Graph | None = None) -> Score:
    """Score `draft` against `gold` (module docstring); `context` adds what the project graph
    knows about entities (offices' countries, labels)."""
    ctx = Context(draft, gold, *(g for g in (context,) if g is not None))
    d_records, g_records = read_records(draft), read_records(gold)
    rows: dict[str, RowScore] = {}

    d_events = [r for r in d_records if r.family == "event" and r.kind in INTERACTIONS]
    g_events = [r for r in g_records if r.family == "event" and r.kind in INTERACTIONS]
    d_other = [r for r in d_records if r.family == "event" and r.kind not in INTERACTIONS]
    g_other = [r for r in g_records if r.family == "event" and r.kind not in INTERACTIONS]
    other_pairs = _pair(d_other, g_other, lambda d, g: same_other_event(ctx, d, g))
    rows["other events"] = _row(len(other_pairs), len(d_other), len(g_other))
    pairs = _pair(
        d_events,
        g_events,
        lambda d, g: same_event(ctx, d, g),
        lambda d, g: event_right(ctx, d, g),
    )
    right = [(d, g) for d, g in pairs if event_right(ctx, d, g)]
    rows["events"] = _row(len(right), len(d_events), len(g_events))
    rows["events (identity)"] = _row(len(pairs), len(d_events), len(g_events))
    paired_d = {d.iri for d, _ in right}
    paired_g = {g.iri for _, g in right}
    rows["events"].missed = [_describe(g) for g in g_events if g.iri not in paired_g]
    rows["events"].spurious = [_describe(d) for d in d_events if d.iri not in paired_d]

    def same_agreement(d: Record, g: Record) -> bool:
        parties_d = sorted(str(ctx.country(p)) for p in d.parties)
        parties_g = sorted(str(ctx.country(p)) for p in g.parties)
        return d.kind == g.kind and d.first == g.first and parties_d == parties_g

    d_agr = [r for r in d_records if r.family == "agreement"]
    g_agr = [r for r in g_records if r.family == "agreement"]
    agr_pairs = _pair(d_agr, g_agr, same_agreement)
    rows["agreements"] = _row(len(agr_pairs), len(d_agr), len(g_agr))
    rows["agreements"].missed = [
        _describe(g) for g in g_agr if g.iri not in {x.iri for _, x in agr_pairs}
    ]

    def same_figure(d: Record, g: Record) -> bool:
        if d.value is None or g.value is None or d.unit != g.unit:
            return False
        return abs(d.value - g.value) <= 1e-6 * max(abs(g.value), 1.0)

    d_fig = [r for r in d_records if r.family == "figure"]
    g_fig = [r for r in g_records if r.family == "figure"]
    fig_pairs = _pair(d_fig, g_fig, same_figure)
    rows["figures"] = _row(len(fig_pairs), len(d_fig), len(g_fig))
    rows["figures"].missed = [
        _figure_text(g) for g in g_fig if g.iri not in {x.iri for _, x in fig_pairs}
    ]

    d_dates, g_dates = date_values(draft), date_values(gold)
    rows["dates"] = RowScore(
        len(d_dates & g_dates),
        len(d_dates - g_dates),
        len(g_dates - d_dates),
        sorted(f"{v}" for v, _ in g_dates - d_dates),
        sorted(f"{v}" for v, _ in d_dates - g_dates),
    )

    d_ent, g_ent = entities(draft), entities(gold)
    matched: set[str] = set()
    hits = 0
    for g in sorted(g_ent):
        d = next((x for x in sorted(d_ent) if x not in matched and ctx.same_entity(x, g)), None)
        if d is not None:
            matched.add(d)
            hits += 1
    rows["entities"] = _row(hits, len(d_ent), len(g_ent))
    rows["entities"].missed = sorted(
        g for g in g_ent if not any(ctx.same_entity(d, g) for d in d_ent)
    )
    rows["entities"].spurious = sorted(d_ent - matched)
    return Score({name: rows[name] for name in ROWS})


def score_files(draft: Path, gold: Path, context: list[Path] | None = None) -> Score:
    """Score two Turtle files; `context` files (the project's curated graph) describe entities.
    Raises InputError for a missing or malformed file."""
    extra = Graph()
    for path in context or []:
        extra += load_graph(path)
    return score_graphs(load_graph(draft), load_graph(gold), extra)


def format_table(score: Score, title: str = "") -> str:
    """The score as a fixed-width table: kind, TP, FP, FN, P, R, F1, and the goal if any."""
    lines = [title] if title else []
    lines.append(f"{'kind':<19} {'TP':>4} {'FP':>4} {'FN':>4} {'P':>6} {'R':>6} {'F1':>6}  goal")
    for name, row in score.rows.items():
        goal = GOALS.get(name)
        verdict = ""
        if goal is not None:
            verdict = f"F1 >= {goal:.1f} {'MET' if row.f1 >= goal else 'MISSED'}"
        lines.append(
            f"{name:<19} {row.tp:>4} {row.fp:>4} {row.fn:>4} {row.precision:>6.2f} "
            f"{row.recall:>6.2f} {row.f1:>6.2f}  {verdict}".rstrip()
        )
    return "\n".join(lines)


def format_errors(score: Score) -> str:
    """The gold facts missed and the draft facts not in the gold, per row that lists them."""
    lines = []
    for name, row in score.rows.items():
        for item in row.missed:
            lines.append(f"  missed   {name:<10} {item}")
        for item in row.spurious:
            lines.append(f"  spurious {name:<10} {item}")
    return "\n".join(lines)
