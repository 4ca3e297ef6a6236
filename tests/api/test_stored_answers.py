"""The typed answers of the canned queries for their defaults, kept beside a large file's store
(`diplokg.api.StoredAnswers`, issue 16), and entity-card's default, France's card.

The fixture is three pages of the synthetic collection (`benchmarks/collection.py`), built, and
loaded as a large file is (`ON_DISK_BYTES` set to 0): from its on-disk store, answers kept.
Each check that an answer is not used has its twin where it is: `backend.run` counts the
queries the engine runs, and a kept answer runs none.
"""

from __future__ import annotations

import hashlib
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from rdflib import Dataset, URIRef

from diplokg import api
from diplokg.api import ANSWERS_DIR, KnowledgeGraph, StoredAnswers
from diplokg.build import build
from diplokg.config import Settings
from diplokg.namespaces import DKG, RES
from tests.conftest import collection_module

REPO = Path(__file__).resolve().parents[2]
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Three pages of the synthetic collection, built."""
    root = tmp_path_factory.mktemp("collection")
    collection_module().write_collection(root, pages=3, countries=2)
    settings = Settings(root=root)
    build(settings, workers=2)
    return settings


@pytest.fixture
def large(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api, "ON_DISK_BYTES", 0)  # every file is "large"


def _load(
    project: Settings, stores: Path, lang: str = "en", keep_answers: bool = True
) -> KnowledgeGraph:
    settings = Settings(root=project.root, store_dir=stores)
    return KnowledgeGraph.load(settings=settings, lang=lang, keep_answers=keep_answers)


class Counted:
    """The queries a graph's engine runs (a kept answer runs none)."""

    def __init__(self, kg: KnowledgeGraph, monkeypatch: pytest.MonkeyPatch) -> None:
        self.texts: list[str] = []
        run = kg.backend.run

        def counting(query: str, *, hidden: int = 0) -> Any:
            self.texts.append(query)
            return run(query, hidden=hidden)

        monkeypatch.setattr(kg.backend, "run", counting)


def _text(kg: KnowledgeGraph, name: str) -> str:
    return kg.canned(name).render({}, None, resolve_defaults=False)


def _files(stores: Path) -> list[Path]:
    return sorted((stores / ANSWERS_DIR).iterdir())


@pytest.fixture
def kept(project: Settings, tmp_path: Path, large: None) -> Iterator[KnowledgeGraph]:
    with _load(project, tmp_path / "stores") as kg:
        yield kg


def test_every_default_answer_is_kept_and_is_the_live_query_s(
    kept: KnowledgeGraph, project: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert kept.stored_answers is not None
    files = _files(tmp_path / "stores")
    assert len(files) == len(kept.catalogue) >= 16  # one per canned query, no temporary left
    assert all(f.suffix == ".answer" for f in files)
    loaded = project.dist_dir / "dataset.nq"  # keyed on the file loaded
    assert kept.stored_answers.dataset_sha256 == hashlib.sha256(loaded.read_bytes()).hexdigest()
    counted = Counted(kept, monkeypatch)
    frames = {name: kept.query(name) for name in sorted(kept.catalogue)}
    assert counted.texts == []  # every one read from its file
    for name, frame in frames.items():
        live = kept.sparql(_text(kept, name))
        pd.testing.assert_frame_equal(frame, live, check_exact=True)
    assert len(counted.texts) == len(frames)
    assert len(frames["why"]) > 1000 and len(frames["coded-events"]) > 100
    # a parameter given runs the query
    kept.query("entity-card", resource="res:france")
    assert "<https://w3id.org/diplokg/resource/france>" in counted.texts[-1]


def test_without_keep_answers_an_answer_is_kept_when_a_query_computes_it(
    project: Settings, tmp_path: Path, large: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `diplokg query` and a first session load without computing every default answer (15
    # minutes on the 600-page collection); each default query asked keeps its own.
    stores = tmp_path / "stores"
    with _load(project, stores, keep_answers=False) as first:
        assert first.stored_answers is not None
        assert not (stores / ANSWERS_DIR).exists() or _files(stores) == []
        expected = first.query("timeline")
        assert len(_files(stores)) == 1
    with _load(project, stores, keep_answers=False) as second:
        counted = Counted(second, monkeypatch)
        pd.testing.assert_frame_equal(second.query("timeline"), expected, check_exact=True)
        assert counted.texts == []  # read from the file the first session kept
        second.query("agreements")
        assert len(counted.texts) == 1  # not kept yet: it runs, and is kept
    assert len(_files(stores)) == 2


def test_a_second_session_reads_the_answers_the_first_kept(
    project: Settings, tmp_path: Path, large: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    stores = tmp_path / "stores"
    with _load(project, stores) as first:
        expected = first.query("timeline")
    before = {f: f.stat().st_mtime_ns for f in _files(stores)}
    with _load(project, stores) as second:
        counted = Counted(second, monkeypatch)
        pd.testing.assert_frame_equal(second.query("timeline"), expected, check_exact=True)
    assert counted.texts == []
    assert {f: f.stat().st_mtime_ns for f in _files(stores)} == before  # none computed again


def test_another_file_s_answers_are_not_used(
    kept: KnowledgeGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = kept.stored_answers
    assert stored is not None
    counted = Counted(kept, monkeypatch)
    expected = kept.query("timeline")
    assert counted.texts == []  # used for the file it was computed on
    kept.stored_answers = StoredAnswers(stored.folder, hashlib.sha256(b"other").hexdigest())
    frame = kept.query("timeline")
    assert len(counted.texts) == 1  # not for another file's hash: the query ran
    pd.testing.assert_frame_equal(frame, expected, check_exact=True)


def test_a_changed_query_text_runs_the_query(
    kept: KnowledgeGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counted = Counted(kept, monkeypatch)
    whole = kept.query("timeline")
    assert counted.texts == [] and len(whole) > 2  # the kept answer, for the text it was kept
    queries = tmp_path / "queries"
    shutil.copytree(kept.queries_dir, queries)
    source = queries / "timeline.rq"
    source.write_text(source.read_text(encoding="utf-8") + "LIMIT 2\n", encoding="utf-8")
    kept._queries_dir = queries
    frame = kept.query("timeline")
    assert len(counted.texts) == 1 and counted.texts[0].endswith("LIMIT 2\n")  # the new text ran
    kept.query("timeline")  # and its answer is kept in turn
    assert len(counted.texts) == 1
    assert frame["event"].tolist() == whole["event"].head(2).tolist()
    pd.testing.assert_frame_equal(frame, kept.sparql(_text(kept, "timeline")), check_exact=True)


def test_another_language_runs_the_query(
    kept: KnowledgeGraph, project: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counted = Counted(kept, monkeypatch)
    english = kept.query("office-holders")
    assert counted.texts == []
    kept.lang = "fr"
    kept._labels.clear()
    french = kept.query("office-holders")
    assert len(counted.texts) == 1
    labels = [c for c in french.columns if c.endswith("_label")]
    assert labels and not french[labels].equals(english[labels])  # French labels, not kept ones
    with _load(project, tmp_path / "stores", lang="fr") as fresh:
        pd.testing.assert_frame_equal(fresh.sparql(_text(fresh, "office-holders")), french)


def test_changed_typing_code_runs_the_query(
    kept: KnowledgeGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = kept.stored_answers
    assert stored is not None
    counted = Counted(kept, monkeypatch)
    kept.query("statistics")
    assert counted.texts == []
    monkeypatch.setattr(stored, "code", api.frames_code() + "-changed")
    kept.query("statistics")
    assert len(counted.texts) == 1
    assert api.frames_code() == api.frames_code()  # stable within a process


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda raw: raw[:-10], id="cut"),
        pytest.param(lambda raw: raw[:-1] + bytes([raw[-1] ^ 1]), id="flipped"),
        pytest.param(lambda raw: b"not ours\n" + raw, id="header"),
        pytest.param(
            lambda raw: api.ANSWER_MAGIC + hashlib.sha256(b"junk").hexdigest().encode() + b"\njunk",
            id="not-a-pickle",
        ),
        pytest.param(None, id="a-folder"),
    ],
)
def test_a_damaged_answer_warns_and_the_query_runs(
    kept: KnowledgeGraph, monkeypatch: pytest.MonkeyPatch, damage: Any
) -> None:
    stored = kept.stored_answers
    assert stored is not None
    counted = Counted(kept, monkeypatch)
    expected = kept.query("coded-events")
    assert counted.texts == []  # the undamaged file is used
    path = stored.path(_text(kept, "coded-events"), kept.lang)
    if damage is None:  # unreadable: a folder where the file should be
        path.unlink()
        path.mkdir()
    else:
        path.write_bytes(damage(path.read_bytes()))
    with pytest.warns(RuntimeWarning, match=rf"{path.name}.*running the query instead"):
        frame = kept.query("coded-events")
    assert len(counted.texts) == 1
    pd.testing.assert_frame_equal(frame, expected, check_exact=True)
    if damage is not None:  # written again whole: read without a warning
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            pd.testing.assert_frame_equal(kept.query("coded-events"), expected, check_exact=True)
        assert len(counted.texts) == 1


def test_a_small_file_keeps_no_answers(project: Settings, tmp_path: Path) -> None:
    with _load(project, tmp_path / "stores") as kg:  # read into memory: no store, no answers
        assert kg.stored_answers is None
        assert not (tmp_path / "stores").exists()


# -- entity-card's default: France's card -------------------------------------------------------


def test_entity_card_without_resource_is_france_s_card(project: Settings) -> None:
    """On three pages of the collection (each states France's relations) and on the seed, the
    card is res:france's: a row per quad of the dataset about it, in each direction, less the
    reifiers' rdf:subject and rdf:object (which the query leaves to `why`)."""
    graph_base = "https://w3id.org/diplokg/graph/"
    france = URIRef(f"{RES}france")
    for settings in (project, Settings()):
        kg = KnowledgeGraph.load(settings=settings)
        card = kg.query("entity-card")
        pd.testing.assert_frame_equal(card, kg.query("entity-card", resource="france"))
        assert set(card["resource"]) == {str(france)}
        data = Dataset()
        data.parse(settings.dist_dir / "dataset.nq", format="nquads")
        quads: dict[str, set[tuple[str, str, Any]]] = {"out": set(), "in": set()}
        for s, p, o, g in data.quads((None, None, None, None)):
            name = str(getattr(g, "identifier", g))[len(graph_base) :]
            if s == france:
                quads["out"].add((name, str(p), o))
            if o == france and str(p) not in (f"{RDF}subject", f"{RDF}object"):
                quads["in"].add((name, str(p), s))
        rows = {
            (r.direction, r.graphName, r.property, r.value, r.valueLang)
            for r in card.itertuples(index=False)
        }
        assert len(card) == len(rows) == sum(len(found) for found in quads.values())
        for direction, found in quads.items():
            iris = {(direction, g, p, str(v), None) for g, p, v in found if isinstance(v, URIRef)}
            assert iris and iris <= rows
        # "les relations franco-kazakhstanaises ont été initiées au lendemain de l'indépendance"
        partner = f"{RES}kazakhstan" if settings.root != project.root else f"{RES}kazakhstan-c000"
        assert ("out", "asserted", str(DKG.hasDiplomaticRelationsWith), partner, None) in rows
        # the President of the French Republic: an office of France
        office = f"{RES}office-president-france"
        assert ("in", "asserted", str(DKG.officeOf), office, None) in rows
