"""`diplokg build`: the dist/ outputs, their reproducibility, and every failure path."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib import namespace as ns
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, OWL, RDF, VOID

from diplokg.build import build, ensure_built, load_store
from diplokg.build import dist as dataset_module
from diplokg.build.dist import json_ld_context
from diplokg.cli import main
from diplokg.config import Settings
from diplokg.dataset import DUMP_FILES
from diplokg.namespaces import DATASET_IRI, DKG, DUMPS, NAMED_GRAPHS, PREFIXES, RES

RDFS_LABEL = ns.RDFS.label

if TYPE_CHECKING:
    from tests.build.conftest import MiniDocument

REPO = Path(__file__).resolve().parents[2]
SEED = "france-kazakhstan-2015"
MINI_DATA = REPO / "tests" / "data" / "build"


def mini_facts(extra: str = "") -> str:
    """The mini fixture's Turtle with `extra` appended, read when the module is collected (the
    failure cases below are parameters); the `mini_doc` fixture reads the same file."""
    return (MINI_DATA / "mini.ttl").read_text(encoding="utf-8") + "\n" + extra


OUTPUTS = sorted(
    [
        *DUMP_FILES,
        "context.jsonld",
        "void.ttl",
        "build.json",
        "search.sqlite",
        "documents",
        "answers",
    ]
)


def file_hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def seed_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed document built once into a temporary dist/."""
    return build(Settings(), dist=tmp_path_factory.mktemp("seed") / "dist", force=True)


@pytest.fixture(scope="module")
def seed_dataset(seed_dist: Path) -> Dataset:
    data = Dataset()
    data.parse(seed_dist / "dataset.nq", format="nquads")
    return data


def test_every_output_is_written(seed_dist: Path) -> None:
    assert sorted(p.name for p in seed_dist.iterdir()) == OUTPUTS


def test_dataset_has_the_six_named_graphs(seed_dist: Path, seed_dataset: Dataset) -> None:
    counts = json.loads((seed_dist / "build.json").read_text())["counts"]
    for name, iri in NAMED_GRAPHS.items():
        assert len(seed_dataset.graph(iri)) == counts["triples_per_graph"][name] > 0, name
    assert len(seed_dataset.graph(URIRef("urn:x-rdflib:default"))) == 0


@pytest.mark.parametrize(
    ("file", "syntax"),
    [
        pytest.param("merged.ttl", "turtle", id="turtle"),
        pytest.param("merged.rdf", "xml", id="rdfxml"),
        pytest.param("merged.jsonld", "json-ld", id="jsonld"),
    ],
)
def test_merged_formats_hold_the_same_graph(seed_dist: Path, file: str, syntax: str) -> None:
    reference = Graph().parse(seed_dist / "merged.nt", format="nt")
    assert isomorphic(Graph().parse(seed_dist / file, format=syntax), reference)


def test_trig_holds_the_same_dataset(seed_dist: Path, seed_dataset: Dataset) -> None:
    trig = Dataset()
    trig.parse(seed_dist / "dataset.trig", format="trig")
    for iri in NAMED_GRAPHS.values():
        assert isomorphic(trig.graph(iri), seed_dataset.graph(iri)), iri


def test_merged_graph_is_the_union_of_the_named_graphs(seed_dist: Path) -> None:
    quads = (seed_dist / "dataset.nq").read_text().splitlines()
    as_triples = {line.rsplit(" ", 2)[0] + " ." for line in quads}
    assert set((seed_dist / "merged.nt").read_text().splitlines()) == as_triples


@pytest.mark.parametrize("file", ["dataset.nq", "merged.nt"])
def test_line_formats_are_sorted(seed_dist: Path, file: str) -> None:
    lines = (seed_dist / file).read_text().splitlines()
    assert lines == sorted(lines)


def test_jsonld_uses_the_published_context(seed_dist: Path) -> None:
    context = json.loads((seed_dist / "context.jsonld").read_text())
    assert context == json_ld_context() == {"@context": PREFIXES}
    merged = json.loads((seed_dist / "merged.jsonld").read_text())
    assert merged["@context"] == context["@context"]


def test_quotes_become_evidence(seed_dataset: Dataset) -> None:
    assert list(seed_dataset.quads((None, DKG.quote, None, None))) == []
    # while the curated file is full of them
    assert (None, DKG.quote, None) in Graph().parse(REPO / "graph" / f"{SEED}.ttl")
    evidence = seed_dataset.graph(NAMED_GRAPHS["evidence"])
    visit = RES["visit-2014-12-hollande-kazakhstan"]
    assert (visit, DKG.hasEvidence, RES["evidence/visit-2014-12-hollande-kazakhstan/1"]) in evidence


def test_inferred_graph_is_kept_apart(seed_dataset: Dataset) -> None:
    inferred = set(seed_dataset.graph(NAMED_GRAPHS["inferred"]))
    for name in ("ontology", "asserted", "enrichment", "evidence", "derived"):
        assert not inferred & set(seed_dataset.graph(NAMED_GRAPHS[name])), name
    # the 5-6 December 2014 visit took place in Kazakhstan: derived, not stated
    fact = (RES["visit-2014-12-hollande-kazakhstan"], DKG.tookPlaceIn, RES.kazakhstan)
    assert fact in inferred


def test_void_and_dcat_description(seed_dist: Path, seed_dataset: Dataset) -> None:
    void = Graph().parse(seed_dist / "void.ttl")
    for iri in NAMED_GRAPHS.values():
        assert (DATASET_IRI, VOID.subset, iri) in void
        assert int(cast(Literal, void.value(iri, VOID.triples))) == len(seed_dataset.graph(iri))
    downloads = {str(u) for u in void.objects(None, ns.DCAT.downloadURL)}
    assert downloads == {str(DUMPS[name]) for name in DUMP_FILES}
    ontology = seed_dataset.graph(NAMED_GRAPHS["ontology"])
    licence = ontology.value(next(ontology.subjects(RDF.type, OWL.Ontology)), DCTERMS.license)
    # the dataset holds the publisher's text: our licence is given to our statements' graphs
    # only, the graph of quotes keeps the source document's rights (tests/build/test_void_rights.py)
    assert (DATASET_IRI, DCTERMS.license, None) not in void
    assert (NAMED_GRAPHS["asserted"], DCTERMS.license, licence) in void
    assert (NAMED_GRAPHS["evidence"], DCTERMS.license, None) not in void
    asserted = seed_dataset.graph(NAMED_GRAPHS["asserted"])
    (document,) = asserted.subjects(RDF.type, DKG.SourceDocument)
    assert (DATASET_IRI, DCTERMS.source, document) in void
    persons = [
        part
        for part in void.objects(DATASET_IRI, VOID.classPartition)
        if void.value(part, VOID["class"]) == DKG.Person
    ]
    expected = len({q[0] for q in seed_dataset.quads((None, RDF.type, DKG.Person, None))})
    assert [int(cast(Literal, void.value(p, VOID.entities))) for p in persons] == [expected]


def test_manifest_records_inputs_counts_and_reasoner(seed_dist: Path) -> None:
    manifest = json.loads((seed_dist / "build.json").read_text())
    for path in ("ontology/diplokg.ttl", f"graph/{SEED}.txt", f"graph/{SEED}.ttl"):
        digest = hashlib.sha256((REPO / path).read_bytes()).hexdigest()
        assert manifest["inputs"][path] == digest
    counts = manifest["counts"]
    assert sum(counts["inferred_by_kind"].values()) == counts["inferred"]
    assert manifest["reasoner"] == "reasonable"
    assert manifest["files"] == {
        name: h for name, h in file_hashes(seed_dist).items() if name != "build.json"
    }
    assert manifest["sizes"] == {
        name: (seed_dist / name).stat().st_size for name in manifest["files"]
    }


def test_second_build_in_another_process_is_byte_identical(seed_dist: Path, tmp_path: Path) -> None:
    # Another process with another hash seed: no set order or random label may leak out.
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    env.pop("DIPLOKG_ROOT", None)
    again = tmp_path / "dist"
    run = subprocess.run(
        [sys.executable, "-m", "diplokg.cli", "build", "--force", "--dist", str(again)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert file_hashes(again) == file_hashes(seed_dist)
    for step in ("parse", "evidence", "reason", "derive", "validate", "write"):
        assert step in run.stdout


@pytest.fixture(scope="module")
def mini_template(tmp_path_factory: pytest.TempPathFactory, mini_doc: MiniDocument) -> Path:
    """A built mini project, copied by each test that needs a previous dist/."""
    root = tmp_path_factory.mktemp("mini")
    build(mini_doc.make(root), progress=lambda line: None)
    return root


@pytest.fixture
def mini(mini_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    shutil.copytree(mini_template, root)
    monkeypatch.setenv("DIPLOKG_ROOT", str(root))
    return root


def test_unchanged_inputs_are_not_rebuilt(mini: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = file_hashes(mini / "dist")
    stamp = (mini / "dist" / "dataset.nq").stat().st_mtime_ns
    assert main(["build"]) == 0
    assert "up to date" in capsys.readouterr().out
    assert ensure_built(Settings()) == mini / "dist" / "dataset.nq"
    assert (mini / "dist" / "dataset.nq").stat().st_mtime_ns == stamp
    assert file_hashes(mini / "dist") == before


def test_changed_input_is_rebuilt(mini: Path) -> None:
    key = json.loads((mini / "dist" / "build.json").read_text())["key"]
    with (mini / "graph" / "mini.ttl").open("a", encoding="utf-8") as handle:
        handle.write("\n# a comment changes the content hash\n")
    ensure_built(Settings())
    assert json.loads((mini / "dist" / "build.json").read_text())["key"] != key


def test_concurrent_callers_build_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mini_doc: MiniDocument
) -> None:
    # A server and a notebook starting together: the second waits for the first build.
    settings = mini_doc.make(tmp_path / "fresh")
    with ThreadPoolExecutor(max_workers=2) as pool:
        paths = list(pool.map(lambda _: ensure_built(settings), range(2)))
    assert paths == [settings.dist_dir / "dataset.nq"] * 2
    steps = [line.split()[0] for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert steps.count("write") == 1


def test_rebuild_keeps_what_other_tools_put_in_dist(mini: Path) -> None:
    figure = mini / "dist" / "figures" / "timeline.png"
    figure.parent.mkdir()
    figure.write_bytes(b"png")
    build(Settings(), force=True, progress=lambda line: None)
    assert figure.read_bytes() == b"png"


def test_the_lines_are_given_up_before_the_answers_are_computed(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The build's memory peak on a large collection was its N-Quads lines held while the
    # canned answers' store was loaded (issue 16): write_dist empties the graphs it was given
    # once their dumps are written, and only then computes the answers.
    from diplokg.build import pipeline as pipeline_module
    from diplokg.build.dist import write_dist as real

    held: list[int] = []

    def watched(dist: Path, graphs: dict[URIRef, list[str]], **kwargs: Any) -> dict[str, str]:
        answers = kwargs["answers"]
        assert sum(len(lines) for lines in graphs.values()) > 0

        def counted(served: Path) -> Mapping[str, bytes]:
            held.append(sum(len(lines) for lines in graphs.values()))
            return cast("Mapping[str, bytes]", answers(served))

        return real(dist, graphs, **{**kwargs, "answers": counted})

    before = file_hashes(mini / "dist")
    monkeypatch.setattr(pipeline_module, "write_dist", watched)
    build(Settings(), force=True, progress=lambda line: None)
    assert held == [0]
    assert file_hashes(mini / "dist") == before  # the same outputs, answers included


def test_jsonld_lines_are_the_compacted_jsonld_and_leave_no_file(tmp_path: Path) -> None:
    # compact_jsonld_lines keeps the nodes' text in an anonymous file while it sorts them by
    # their compacted @id (an order that differs from the N-Triples lines' here).
    from diplokg.formats import JSON_LD, NTRIPLES
    from diplokg.rdfio import compact_jsonld, compact_jsonld_lines, convert

    lines = sorted(
        [
            f"<{DKG}zeta> <{RDF.type}> <{OWL.Class}> .\n",
            f'<{DKG}zeta> <{RDFS_LABEL}> "zêta"@fr .\n',
            f"<{RES}alpha> <{DKG}relates> <{DKG}zeta> .\n",
            f'<{RES}alpha> <{RDFS_LABEL}> "alpha" .\n',
            f'<http://example.org/b> <{RDFS_LABEL}> "b\\"q" .\n',
            f'_:n1 <{RDFS_LABEL}> "blank" .\n',
        ]
    )
    source = tmp_path / "merged.nt"
    source.write_text("".join(lines), encoding="utf-8")
    text = "".join(compact_jsonld_lines(source))
    expected = compact_jsonld(convert("".join(lines), NTRIPLES, JSON_LD))
    assert text == json.dumps(expected, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    ids = [node["@id"] for node in json.loads(text)["@graph"]]
    assert ids == sorted(ids) and len(ids) == 4
    assert [p.name for p in tmp_path.iterdir()] == ["merged.nt"]


def test_load_store_serves_the_union(mini: Path) -> None:
    store = load_store(Settings())
    lines = (mini / "dist" / "dataset.nq").read_text().splitlines()
    assert len(store) == len(lines)
    ask = f"ASK {{ <{RES['francois-hollande']}> a <{PREFIXES['schema']}Person> }}"
    assert store.query(ask, use_default_graph_as_union=True)


def _break_line(text: str, marker: str) -> tuple[str, int]:
    """`text` with a line using an undeclared prefix inserted after the line holding `marker`,
    and the number of the inserted line."""
    lines = text.splitlines()
    number = next(i for i, line in enumerate(lines, start=1) if marker in line) + 1
    lines.insert(number - 1, "    dkg:sourceActor nope:undeclared ;")
    return "\n".join(lines) + "\n", number


MINI_TEXT_BODY = (MINI_DATA / "mini.txt").read_text(encoding="utf-8")
BROKEN, BROKEN_LINE = _break_line(mini_facts(), "dkg:sourceActor res:laurent-fabius ;")
FAILURES = [
    pytest.param(
        {"graph/mini.ttl": BROKEN}, 2, f"graph/mini.ttl:{BROKEN_LINE}: bad Turtle", id="bad-turtle"
    ),
    pytest.param(
        {"graph/mini.txt": None},
        2,
        "source text not found; the quotes of https://w3id.org/diplokg/resource/agreement-2009",
        id="missing-source-text",
    ),
    pytest.param(
        {"graph/mini.ttl": mini_facts().replace("10 juin 2014 à Paris", "11 juin 2014 à Paris")},
        2,
        "reception-2014-06-10: quote not found",
        id="quote-not-found",
    ),
    pytest.param(
        {"graph/mini.ttl": mini_facts().replace('oa:prefix "ont signé en " ', "")},
        2,
        "agreement-2009: quote found 2 times",
        id="ambiguous-quote",
    ),
    pytest.param(
        {"graph/mini.ttl": mini_facts().replace("a dkg:Reception", "a dkg:Recepton")},
        2,
        "res:reception-2014-06-10: dkg:Recepton is not declared by the ontology "
        "(did you mean dkg:Reception?)",
        id="misspelt-class",
    ),
    pytest.param(
        {"graph/mini.ttl": mini_facts().replace('"2009-10"^^', '"2009-1"^^')},
        2,
        'res:agreement-2009: "2009-1"^^xsd:gYearMonth is not a valid xsd:gYearMonth',
        id="ill-typed-month",
    ),
    pytest.param(
        {"graph/mini.ttl": mini_facts("res:paris a dkg:Person .")},
        1,
        "res:paris: owl:disjointWith: is both a dkg:Person and a dkg:Place",
        id="person-and-city",
    ),
    pytest.param(
        {
            "graph/mini.ttl": mini_facts()
            .replace('dkg:startDate "2014-12-05"^^xsd:date ;', "")
            .replace('dkg:endDate "2014-12-06"^^xsd:date ;', "")
        },
        1,
        "res:visit-2014-12-hollande-kazakhstan: dkgsh:EventShape: an event needs a date or bounds",
        id="visit-without-date",
    ),
]


@pytest.mark.parametrize(("changes", "code", "message"), FAILURES)
def test_failed_build_names_the_cause_and_keeps_dist(
    mini: Path,
    capsys: pytest.CaptureFixture[str],
    changes: dict[str, str | None],
    code: int,
    message: str,
) -> None:
    before = file_hashes(mini / "dist")
    for path, text in changes.items():
        if text is None:
            (mini / path).unlink()
        else:
            (mini / path).write_text(text, encoding="utf-8")
    assert main(["build"]) == code
    assert message in capsys.readouterr().err
    assert file_hashes(mini / "dist") == before
    # no staging folder left behind (versions/ keeps the first build, build/cache/ its
    # documents' units, by design)
    assert sorted(p.name for p in mini.iterdir()) == [
        "build",
        "dist",
        "graph",
        "ontology",
        "versions",
    ]


def test_broken_ontology_is_named_with_its_line(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = mini / "ontology" / "diplokg.ttl"
    text, line = _break_line(path.read_text(encoding="utf-8"), "dkg:Person a owl:Class ;")
    path.write_text(text, encoding="utf-8")
    assert main(["build"]) == 2
    assert f"ontology/diplokg.ttl:{line}: bad Turtle" in capsys.readouterr().err


def test_crash_while_writing_keeps_previous_dist(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = file_hashes(mini / "dist")
    written: list[Path] = []

    def fail_on_third(path: Path, text: str) -> None:
        written.append(path)
        if len(written) == 3:
            raise OSError("disk full")
        path.write_text(text, encoding="utf-8")

    monkeypatch.setattr(dataset_module, "write_text", fail_on_third)
    with pytest.raises(OSError, match="disk full"):
        build(Settings(), force=True, progress=lambda line: None)
    assert file_hashes(mini / "dist") == before
    # no staging folder left behind (versions/ keeps the first build, build/cache/ its
    # documents' units, by design)
    assert sorted(p.name for p in mini.iterdir()) == [
        "build",
        "dist",
        "graph",
        "ontology",
        "versions",
    ]


def test_validate_command(mini: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate"]) == 0
    assert "valid" in capsys.readouterr().out
    (mini / "graph" / "mini.ttl").write_text(mini_facts("res:paris a dkg:Person ."))
    assert main(["validate"]) == 1
    assert "res:paris: owl:disjointWith" in capsys.readouterr().out


def test_stats_command(mini: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats"]) == 0
    out = capsys.readouterr().out
    # the mini document states six facts: a visit, a reception, an agreement and the three
    # office holdings of Hollande, Fabius and Idrissov
    assert "facts: 6, with evidence from the source text: 6" in out
    # every statement has support; mini.ttl writes eight interpretation nodes
    assert "by nothing: 0" in out
    kinds = "page-perspective 1, placement-from-context 3, reading-of-the-phrase 4"
    assert f"interpretations by kind: {kinds}" in out
    for name in NAMED_GRAPHS:
        assert name in out
    assert "dkg:Person" in out
