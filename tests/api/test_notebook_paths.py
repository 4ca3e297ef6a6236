"""The notebook's faster paths give the DataFrames the old ones gave (issue 16).

- Typing per column, labels read from the store's indexes, the names of resources read only
  for a resource parameter: every canned query of the seed, default parameters, equals the
  per-cell typing with labels by SPARQL (`frames_reference`, the code as it was).
- Answers the build wrote into dist/answers/ are read by `kg.query(name)` only when they are
  the query's answer on the file loaded: on the seed's RDF 1.2 dump (the file the build ran
  them on) each one equals the live answer; on dataset.nq, `statistics` shows why they are not
  used there (the dump's rdf:reifies triples: 9856 evidence triples, dataset.nq 9093); a cut
  (truncated) answer, an index build.json does not record, a changed query or a changed file
  is refused, each with an answer file doctored so that using it would show.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyoxigraph as ox
import pytest

from diplokg import KnowledgeGraph
from diplokg.build import ensure_built
from diplokg.config import Settings
from diplokg.dataset import ANSWERS_INDEX, MANIFEST
from tests.api import frames_reference as reference

SETTINGS = Settings()


@pytest.fixture(scope="module")
def dist() -> Path:
    return ensure_built(SETTINGS).parent


@pytest.fixture(scope="module")
def kg(dist: Path) -> KnowledgeGraph:
    return KnowledgeGraph.load(settings=SETTINGS)


@pytest.fixture(scope="module")
def texts(kg: KnowledgeGraph) -> dict[str, str]:
    return {name: query.render({}) for name, query in kg.catalogue.items()}


def test_every_canned_query_types_as_the_per_cell_code_did(
    kg: KnowledgeGraph, dist: Path, texts: dict[str, str]
) -> None:
    store = ox.Store()
    store.load(path=dist / "dataset.nq", format=ox.RdfFormat.N_QUADS)
    labels = reference.labeller(store)
    assert len(texts) >= 13
    for name, text in sorted(texts.items()):
        # the old path rendered with the resolver: the same text for default parameters
        assert kg.canned(name).render({}, kg.resolver) == text
        old = reference.to_frame(reference.run(store, text), labels)
        new = kg.query(name)
        assert list(new.columns) == list(old.columns), name
        pd.testing.assert_frame_equal(new, old, check_exact=True, obj=name)
    fresh = KnowledgeGraph(kg.backend, kg.queries_dir)  # an empty label cache
    assert fresh.labels(sorted(labels_of(kg))) == labels(sorted(labels_of(kg)))


def labels_of(kg: KnowledgeGraph) -> set[str]:
    """Some IRIs with and without labels: the subjects and objects of office-holders."""
    frame = kg.query("office-holders")
    return {v for column in frame.columns for v in frame[column] if str(v).startswith("http")}


def test_precomputed_answers_equal_the_live_ones_on_the_file_they_were_run_on(
    dist: Path, texts: dict[str, str]
) -> None:
    index = json.loads((dist / ANSWERS_INDEX).read_text(encoding="utf-8"))
    served = dist / index["served"]
    kg = KnowledgeGraph.load(served, settings=SETTINGS)
    assert kg.precomputed is not None and kg.precomputed.usable
    assert len(index["answers"]) >= 13
    for name in index["answers"]:
        assert kg.precomputed.answer(name, texts[name]) is not None, name
        read = kg.query(name)
        live = kg.sparql(texts[name])
        pd.testing.assert_frame_equal(read, live, check_exact=True, obj=name)


def test_answers_of_another_file_are_not_used(kg: KnowledgeGraph, texts: dict[str, str]) -> None:
    assert kg.precomputed is not None and not kg.precomputed.usable  # run on the RDF 1.2 dump
    frame = kg.query("statistics")
    evidence = frame[(frame["measure"] == "triples") & (frame["graphName"] == "evidence")]
    # dataset.nq's evidence graph: the 9093 triples the build's evidence step reports, without
    # the 763 rdf:reifies triples (one per statement traced) of the RDF 1.2 dump
    assert evidence["count"].tolist() == [9093]
    pd.testing.assert_frame_equal(frame, kg.sparql(texts["statistics"]), check_exact=True)


# -- refusals: a copy of dist/ whose answer file is doctored, so that using it would show -----


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def copied(dist: Path, tmp_path: Path) -> Path:
    target = tmp_path / "dist"
    shutil.copytree(dist, target)
    return target


def _doctor(
    copied: Path, name: str, change: Callable[[dict[str, Any], dict[str, Any]], None]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cut `name`'s JSON answer to its first row (size and sha256 recorded, so the file is
    what the index says), apply `change` to (index, its entry), rewrite the index and, unless
    `change` says otherwise, its sha256 in build.json. Returns the frame `kg.query(name)`
    gives on the copy of the file the answers were run on, and the live one."""
    index = json.loads((copied / ANSWERS_INDEX).read_text(encoding="utf-8"))
    entry = index["answers"][name]
    stored = entry["formats"]["json"]
    path = copied / stored["file"]
    data = json.loads(path.read_bytes())
    data["results"]["bindings"] = data["results"]["bindings"][:1]
    body = json.dumps(data).encode()
    path.write_bytes(body)
    stored.update(bytes=len(body), sha256=_sha(body))
    change(index, entry)
    raw = (json.dumps(index, indent=2, sort_keys=True) + "\n").encode()
    (copied / ANSWERS_INDEX).write_bytes(raw)
    manifest = json.loads((copied / MANIFEST).read_text(encoding="utf-8"))
    if not index.get("_unrecorded"):
        manifest["files"][ANSWERS_INDEX] = _sha(raw)
    (copied / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    kg = KnowledgeGraph.load(copied / index["served"], settings=SETTINGS)
    text = kg.canned(name).render({})
    return kg.query(name), kg.sparql(text)


def test_a_doctored_answer_is_used_when_everything_says_it_is_the_one(copied: Path) -> None:
    # the control: with nothing refused, the cut file is read (so the refusals below can fail)
    read, live = _doctor(copied, "timeline", lambda index, entry: None)
    assert len(live) > 1 and len(read) == 1


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda index, entry: entry["formats"]["json"].update(truncated=1), id="cut"),
        pytest.param(lambda index, entry: entry.update(query=_sha(b"other")), id="query"),
        pytest.param(lambda index, entry: index.update(_unrecorded=True), id="unrecorded"),
        pytest.param(
            lambda index, entry: entry["formats"]["json"].update(sha256=_sha(b"")), id="file"
        ),
    ],
)
def test_a_stale_or_cut_answer_is_refused_and_the_query_runs(
    copied: Path, change: Callable[[dict[str, Any], dict[str, Any]], None]
) -> None:
    read, live = _doctor(copied, "timeline", change)
    assert len(live) > 1
    pd.testing.assert_frame_equal(read, live, check_exact=True)


def test_a_default_is_bound_as_the_query_writes_it_not_looked_up_by_label() -> None:
    # The collection's pages rename Kazakhstan per page (res:kazakhstan-c005 ...), all labelled
    # "Kazakhstan": looked up, by-country's default `kazakhstan` named several resources and
    # kg.query("by-country") raised, where the server and the build answer for res:kazakhstan.
    from diplokg.api import EmbeddedBackend
    from diplokg.namespaces import RES
    from diplokg.queries import ParameterError

    store = ox.Store()
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    graph = ox.NamedNode("https://w3id.org/diplokg/graph/asserted")
    for slug in ("kazakhstan-c005", "kazakhstan-c006"):
        store.add(ox.Quad(ox.NamedNode(f"{RES}{slug}"), label, ox.Literal("Kazakhstan"), graph))
    kg = KnowledgeGraph(EmbeddedBackend(store), SETTINGS.queries_dir)
    canned = kg.canned("by-country")
    with pytest.raises(ParameterError, match="names 2 resources"):
        canned.render({}, kg.resolver)  # the default looked up, as kg.query did
    assert "<https://w3id.org/diplokg/resource/kazakhstan>" in canned.render({})
    frame = kg.query("by-country")
    pd.testing.assert_frame_equal(frame, kg.sparql(canned.render({})), check_exact=True)
    # a value given is still looked up
    with pytest.raises(ParameterError, match="names 2 resources"):
        kg.query("by-country", country="Kazakhstan")
