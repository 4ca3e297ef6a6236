"""The build per document (`diplokg.build.units`, `merge`): the same dataset as reasoning over
the whole, pages reused when they did not change, and the same bytes either way.

The sample is the synthetic collection of `benchmarks/collection.py` at four pages: two
editions of each of two partner countries, all naming France, Paris and the French offices.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from dataclasses import fields
from itertools import pairwise
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, URIRef

from diplokg.build import build, rules, shacl, units, validate
from diplokg.build import dist as dist_module
from diplokg.build.intervals import interval_triples
from diplokg.build.pipeline import assemble, discover
from diplokg.build.reason import Ontology, infer
from diplokg.config import Settings
from diplokg.namespaces import NAMED_GRAPHS, OA, RES
from diplokg.rdfio import parse_turtle
from tests.conftest import collection_module

REPO = Path(__file__).resolve().parents[2]
PAGES = 4


def file_hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Four pages of the synthetic collection, built."""
    root = tmp_path_factory.mktemp("collection")
    collection_module().write_collection(root, pages=PAGES, countries=2)
    settings = Settings(root=root)
    build(settings, workers=2)
    return settings


@pytest.fixture(scope="module")
def sample_dataset(sample: Settings) -> Dataset:
    data = Dataset()
    data.parse(sample.dist_dir / "dataset.nq", format="nquads")
    return data


def test_the_sample_shares_entities_between_pages(sample: Settings) -> None:
    texts = sorted(sample.graph_dir.glob("*.txt"))
    assert len(texts) == PAGES
    facts = [t.with_suffix(".ttl").read_text(encoding="utf-8") for t in texts]
    assert all("res:france " in text for text in facts)
    # two editions of one partner name its country, and no other page does
    partner = [set(re.findall(r"res:kazakhstan-c\d{3}\b", text)) for text in facts]
    assert sorted(len([p for p in partner if p == {name}]) for name in set().union(*partner)) == [
        2,
        2,
    ]


def test_the_union_of_the_closures_is_the_closure_of_the_union(
    sample: Settings, sample_dataset: Dataset
) -> None:
    # What reasoning over the whole collection at once infers and derives, computed here the
    # way the build did before it worked per document.
    ontology = parse_turtle(sample.ontology_file)
    asserted = sample_dataset.graph(NAMED_GRAPHS["asserted"])
    enrichment = sample_dataset.graph(NAMED_GRAPHS["enrichment"])
    whole = infer(ontology, [Graph() + asserted, Graph() + enrichment])
    built = set(sample_dataset.graph(NAMED_GRAPHS["inferred"]))
    assert built == whole.inferred
    derived = rules.derive(rules.load_rules(sample.rules_dir), whole.closure)
    derived |= interval_triples(whole.closure)
    derived -= whole.closure
    assert set(sample_dataset.graph(NAMED_GRAPHS["derived"])) == derived


def test_a_fact_quoted_in_every_page_is_numbered_over_the_pages(sample_dataset: Dataset) -> None:
    evidence = sample_dataset.graph(NAMED_GRAPHS["evidence"])
    notes = sorted(
        (int(str(n).rsplit("/", 1)[1]), n)
        for n in evidence.objects(
            RES.france, URIRef("https://w3id.org/diplokg/ontology#hasEvidence")
        )
    )
    numbers = [n for n, _ in notes]
    assert numbers == list(range(1, len(numbers) + 1))
    assert len(numbers) % PAGES == 0 and len(numbers) > PAGES
    # by document, in name order, then by offset
    sources = [str(evidence.value(evidence.value(n, OA.hasTarget), OA.hasSource)) for _, n in notes]
    assert sources == sorted(sources)
    assert len(set(sources)) == PAGES


def test_a_changed_page_is_the_only_one_made_again(
    sample: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "project"
    shutil.copytree(sample.root, root, ignore=shutil.ignore_patterns("versions"))
    settings = Settings(root=root)
    page = sorted(settings.graph_dir.glob("*.txt"))[0].with_suffix(".ttl")
    text = page.read_text(encoding="utf-8")
    changed = text.replace('"Visite officielle', '"Visite d’État', 1)
    assert changed != text
    page.write_text(changed, encoding="utf-8")
    lines: list[str] = []
    # the dumps written by worker processes too (as a collection's are), the same bytes
    monkeypatch.setattr(dist_module, "PARALLEL_WRITE_QUADS", 0)
    build(settings, force=True, progress=lines.append, workers=2)
    made = assemble(settings)
    assert made.reused == sorted(p.stem for p in settings.graph_dir.glob("*.txt"))
    report = next(line for line in lines if line.startswith("reused"))
    assert report.startswith(f"reused    {PAGES - 1} of {PAGES} document(s)")
    assert "made 1" in report
    # the same bytes as a build from scratch (no cache) of the same inputs
    fresh = tmp_path / "fresh"
    shutil.copytree(root, fresh, ignore=shutil.ignore_patterns("build", "dist", "versions"))
    build(Settings(root=fresh), workers=1)
    assert file_hashes(fresh / "dist") == file_hashes(root / "dist")


def test_an_unchanged_collection_reuses_every_page(sample: Settings) -> None:
    made = assemble(sample)
    assert len(made.reused) == PAGES
    assert made.problems == []


def _unit_parts(unit: units.Unit) -> dict[str, object]:
    """Everything a unit holds but the seconds its steps took."""
    return {f.name: getattr(unit, f.name) for f in fields(unit) if f.name != "seconds"}


@pytest.mark.parametrize("page", ["seed", "synthetic"])
def test_a_unit_is_the_same_with_the_checker_s_own_target_matching(
    page: str, sample: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The resource shape's SPARQL target matched by `shacl.Pattern` makes the same unit,
    line for line, as the store that ran it before (these pages are valid: that the problems
    of invalid data are the same is tests/build/test_validation.py's)."""
    settings = Settings() if page == "seed" else sample
    document = discover(settings)[0 if page == "seed" else 1]
    files = units.DocumentFiles(document.name, document.text, document.facts, document.enrichment)
    shared = units.SharedInputs(
        settings.ontology_file, settings.shapes_file, settings.rules_dir, "reasonable"
    )
    made = units.make_unit(files, shared, "key")
    assert made.quads and made.inferred_kinds and made.quotes  # a whole unit, not an empty one
    monkeypatch.setattr(shacl.Pattern, "of", staticmethod(lambda select: None))
    monkeypatch.setattr(validate, "_CHECKERS", {})  # the checkers read their targets once
    assert _unit_parts(units.make_unit(files, shared, "key")) == _unit_parts(made)


def test_a_unit_made_after_others_in_a_process_is_the_unit_made_first(sample: Settings) -> None:
    """What a process reads of the ontology once (`units._shared`: its triples, blank nodes,
    lines and SHACL index) is left as it was by every unit: a page's unit made after the
    seed's and another page's is the one made by a process that made nothing before."""
    pages = [(Settings(), 0), (sample, 2), (sample, 1)]
    made = []
    for settings, index in pages:
        document = discover(settings)[index]
        files = units.DocumentFiles(
            document.name, document.text, document.facts, document.enrichment
        )
        shared = units.SharedInputs(
            settings.ontology_file, settings.shapes_file, settings.rules_dir, "reasonable"
        )
        made.append((files, shared, units.make_unit(files, shared, "key")))
    files, shared, last = made[-1]
    units._PARSED.clear()
    assert _unit_parts(units.make_unit(files, shared, "key")) == _unit_parts(last)


def test_reasoning_on_the_ontology_read_once_is_reasoning_on_its_graph(ontology: Graph) -> None:
    """`infer` over `reason.Ontology.of(graph)` (what a unit gets) and over the graph itself."""
    settings = Settings()
    document = discover(settings)[0]
    assert document.enrichment is not None
    facts, enrichment = parse_turtle(document.facts), parse_turtle(document.enrichment)
    whole = infer(ontology, [facts, enrichment])
    once = infer(Ontology.of(ontology), [facts, enrichment])
    assert whole.inferred and whole.closure  # a closure, not an empty one
    assert (once.inferred, once.closure, once.errors) == (
        whole.inferred,
        whole.closure,
        whole.errors,
    )


def test_pruning_the_units_leaves_the_lint_s_cache(tmp_path: Path) -> None:
    old = tmp_path / "ab" / "abcdef.unit.pickle"
    kept = tmp_path / "cd" / "cdef01.lines.pickle"
    lint_entry = tmp_path / "lint" / "0123ab.pickle"
    for path in (old, kept, lint_entry):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    units.prune_cache(tmp_path, {"cdef01"})
    assert [old.exists(), kept.exists(), lint_entry.exists()] == [False, True, True]


def test_a_unit_s_names_are_in_an_order_fixed_by_their_content() -> None:
    """A label written alike in English and French ("Alliances françaises") sorted by its
    text alone came out in the order of the process's set, which differs between processes."""
    settings = Settings()
    document = discover(settings)[0]
    files = units.DocumentFiles(document.name, document.text, document.facts, document.enrichment)
    shared = units.SharedInputs(
        settings.ontology_file, settings.shapes_file, settings.rules_dir, "reasonable"
    )
    names = units.make_unit(files, shared, "key").names
    alike = [(a[2], b[2]) for a, b in pairwise(names) if a[:2] == b[:2] and str(a[2]) == str(b[2])]
    assert len(alike) > 5
    assert all(x.n3() < y.n3() for x, y in alike)
