"""`diplokg export`: every format re-parses, with rdflib and with pyoxigraph, to a graph
isomorphic to the dataset (or the named graph) it came from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import XSD
from rdflib.term import Node

from diplokg.cli import main
from diplokg.config import Settings
from diplokg.export import FORMATS
from diplokg.namespaces import NAMED_GRAPHS

if TYPE_CHECKING:
    from tests.conftest import TourProject


# format -> (rdflib parser name, pyoxigraph format)
PARSERS = {
    "turtle": ("turtle", ox.RdfFormat.TURTLE),
    "ntriples": ("nt", ox.RdfFormat.N_TRIPLES),
    "jsonld": ("json-ld", ox.RdfFormat.JSON_LD),
    "rdfxml": ("xml", ox.RdfFormat.RDF_XML),
    "trig": ("trig", ox.RdfFormat.TRIG),
    "nquads": ("nquads", ox.RdfFormat.N_QUADS),
}
# what `diplokg build` publishes for the whole dataset, per format
DUMPS = {
    "turtle": "merged.ttl",
    "ntriples": "merged.nt",
    "jsonld": "merged.jsonld",
    "rdfxml": "merged.rdf",
    "trig": "dataset.trig",
    "nquads": "dataset.nq",
}

Graphs = dict[str, Graph]  # graph IRI ("" for a triple format) -> its triples


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory, tour_project: TourProject) -> Settings:
    return tour_project.make(tmp_path_factory.mktemp("export-project"))


@pytest.fixture
def project(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("DIPLOKG_ROOT", str(settings.root))
    return settings


@pytest.fixture(scope="module")
def source(settings: Settings) -> Graphs:
    """The built dataset as rdflib read it, graph by graph."""
    dataset = Dataset()
    dataset.parse(settings.dist_dir / "dataset.nq", format="nquads")
    return _by_graph(dataset)


def _by_graph(dataset: Dataset) -> Graphs:
    graphs: Graphs = {}
    for s, p, o, g in dataset.quads((None, None, None, None)):
        name = "" if g is None or str(g) == str(dataset.default_graph.identifier) else str(g)
        graphs.setdefault(name, Graph()).add((s, p, o))
    return graphs


def _expected(source: Graphs, fmt: str, graph: str | None) -> Graphs:
    selected = {
        name: triples
        for name, triples in source.items()
        if graph is None or name == str(NAMED_GRAPHS[graph])
    }
    if FORMATS[fmt][1]:
        return selected
    union = Graph()
    for triples in selected.values():
        union += triples
    return {"": union}


def _rdflib(path: Path, fmt: str) -> Graphs:
    if FORMATS[fmt][1]:
        dataset = Dataset()
        dataset.parse(path, format=PARSERS[fmt][0])
        return _by_graph(dataset)
    return {"": Graph().parse(path, format=PARSERS[fmt][0])}


def _rdflib_term(term: object) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    assert isinstance(term, ox.Literal)
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == str(XSD.string):  # RDF 1.1 simple literal, as rdflib reads it
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def _pyoxigraph(path: Path, fmt: str) -> Graphs:
    graphs: Graphs = {}
    for quad in ox.parse(path=path, format=PARSERS[fmt][1]):
        name = "" if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
        triple = (quad.subject, quad.predicate, quad.object)
        graphs.setdefault(name, Graph()).add(tuple(map(_rdflib_term, triple)))  # type: ignore[arg-type]
    return graphs


def _export(tmp_path: Path, fmt: str, graph: str | None) -> Path:
    output = tmp_path / f"export.{fmt}"
    argv = ["export", "--format", fmt, "-o", str(output)]
    assert main([*argv, "--graph", graph] if graph else argv) == 0
    return output


CASES = [(fmt, graph) for fmt in FORMATS for graph in (None, "evidence", "inferred")]


@pytest.mark.parametrize(
    ("fmt", "graph"), CASES, ids=[f"{fmt}-{graph or 'dataset'}" for fmt, graph in CASES]
)
@pytest.mark.parametrize("reader", ["rdflib", "pyoxigraph"])
def test_export_reparses_isomorphic_to_its_source(
    project: Settings, source: Graphs, tmp_path: Path, fmt: str, graph: str | None, reader: str
) -> None:
    output = _export(tmp_path, fmt, graph)
    parsed = (_rdflib if reader == "rdflib" else _pyoxigraph)(output, fmt)
    expected = _expected(source, fmt, graph)
    assert sorted(parsed) == sorted(expected)
    assert all(len(expected[name]) > 0 for name in expected)
    for name, triples in expected.items():
        assert isomorphic(parsed[name], triples), name


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_export_of_the_whole_dataset_is_the_published_dump(
    project: Settings, tmp_path: Path, fmt: str
) -> None:
    output = _export(tmp_path, fmt, None)
    assert output.read_bytes() == (project.dist_dir / DUMPS[fmt]).read_bytes()


def test_jsonld_is_compacted_with_the_published_context(project: Settings, tmp_path: Path) -> None:
    output = _export(tmp_path, "jsonld", "asserted")
    document = json.loads(output.read_text(encoding="utf-8"))
    context = json.loads((project.dist_dir / "context.jsonld").read_text(encoding="utf-8"))
    assert document["@context"] == context["@context"]
    # compact IRIs, not full ones, for the project's own resources
    ids = {node["@id"] for node in document["@graph"]}
    assert "res:visit-2008-nazarbayev-paris" in ids


def test_unknown_graph_is_an_error_and_writes_nothing(
    project: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "out.ttl"
    code = main(["export", "--format", "turtle", "--graph", "asserterd", "-o", str(output)])
    assert code == 2
    assert "unknown graph 'asserterd'" in capsys.readouterr().err
    assert not output.exists()


def test_export_to_an_unwritable_place_names_it(
    project: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "taken").mkdir()
    code = main(["export", "--format", "turtle", "-o", str(tmp_path / "taken")])
    assert code == 2
    assert str(tmp_path / "taken") in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]  # no temporary file left behind
