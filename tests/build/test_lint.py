"""The build's lint (`diplokg.build.lint`): each check finds its bad fixture, names file, line
and resource, suggests the nearest declared term, and stops `diplokg build` with exit 2."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS, XSD
from rdflib.term import Node

from diplokg.build.lint import LEXICAL, LintProblem, Role, Source, lint, literal_problem
from diplokg.cli import main
from diplokg.rdfio import parse_turtle

if TYPE_CHECKING:
    from tests.build.conftest import MiniDocument

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data" / "lint"
ONTOLOGY = REPO / "ontology" / "diplokg.ttl"


def lint_file(path: Path, role: Role = "data", ontology: Path = ONTOLOGY) -> list[str]:
    """The lint's lines for `path` beside `ontology` (or for the ontology alone)."""
    sources = [Source(ontology, parse_turtle(ontology), "ontology")]
    if path != ontology:
        sources.append(Source(path, parse_turtle(path), role))
    return [str(problem) for problem in lint(sources, root=REPO)]


# -- literals ----------------------------------------------------------------------------------


def test_each_ill_typed_literal_is_named_with_file_line_and_resource() -> None:
    assert lint_file(DATA / "ill-typed.ttl") == [
        'tests/data/lint/ill-typed.ttl:11: res:visit-1999: "1999-9"^^xsd:gYearMonth is not a '
        'valid xsd:gYearMonth: a month is written YYYY-MM, e.g. "1999-09"',
        'tests/data/lint/ill-typed.ttl:15: res:visit-2014: "2014-02-30"^^xsd:date is not a '
        "valid xsd:date: a day is written YYYY-MM-DD and exists in the calendar, "
        'e.g. "2014-12-05"',
        'tests/data/lint/ill-typed.ttl:16: res:visit-2014: "2014-03-01T10:00"^^xsd:dateTime is '
        "not a valid xsd:dateTime: a moment is written YYYY-MM-DDThh:mm:ss, "
        'e.g. "2014-12-05T10:30:00"',
        'tests/data/lint/ill-typed.ttl:20: res:figure-share: "6.4"^^xsd:integer is not a valid '
        'xsd:integer: an integer is written with digits only, e.g. "6" (a decimal is an '
        "xsd:decimal)",
        'tests/data/lint/ill-typed.ttl:21: res:figure-share: "-1"^^xsd:nonNegativeInteger is '
        'not a valid xsd:nonNegativeInteger: a count is written with digits only, e.g. "21"',
        'tests/data/lint/ill-typed.ttl:22: res:figure-share: "14"^^xsd:gYear is not a valid '
        'xsd:gYear: a year is written YYYY, e.g. "2014"',
        'tests/data/lint/ill-typed.ttl:27: res:season-2013: "deux"^^xsd:integer is not a valid '
        'xsd:integer: an integer is written with digits only, e.g. "6" (a decimal is an '
        "xsd:decimal)",
        'tests/data/lint/ill-typed.ttl:28: res:season-2013: "6,4"^^xsd:decimal is not a valid '
        'xsd:decimal: a decimal is written with a dot and no exponent, e.g. "6.4"',
        'tests/data/lint/ill-typed.ttl:28: res:season-2013: "oui"^^xsd:boolean is not a valid '
        "xsd:boolean: a boolean is true, false, 1 or 0",
    ]


def test_rdflib_alone_misses_months_and_dates_typed_as_moments() -> None:
    # Why the lint has its own table: rdflib has no lexical form for months (None), or the
    # lenient one owlrl registers once imported (False), and it turns a date typed
    # xsd:dateTime into midnight instead of refusing it.
    assert not Literal("1999-9", datatype=XSD.gYearMonth).ill_typed
    assert str(Literal("2014-01-01", datatype=XSD.dateTime)) == "2014-01-01T00:00:00"
    assert literal_problem("2014-01-01", XSD.dateTime) is not None


@pytest.mark.parametrize(
    ("lexical", "datatype", "valid"),
    [
        pytest.param("2014-12-05", XSD.date, True, id="date"),
        pytest.param("2012-02-29", XSD.date, True, id="date-leap-day"),
        pytest.param("2014-02-29", XSD.date, False, id="date-no-leap-day"),
        pytest.param("2014-04-31", XSD.date, False, id="date-april-31"),
        pytest.param("2014-12-05Z", XSD.date, True, id="date-zone"),
        pytest.param("2014-12-5", XSD.date, False, id="date-one-digit-day"),
        pytest.param("05/12/2014", XSD.date, False, id="date-french-order"),
        pytest.param("1999-09", XSD.gYearMonth, True, id="month"),
        pytest.param("1999-9", XSD.gYearMonth, False, id="month-one-digit"),
        pytest.param("1999-13", XSD.gYearMonth, False, id="month-13"),
        pytest.param("2014", XSD.gYear, True, id="year"),
        pytest.param("2014 ", XSD.gYear, False, id="year-space"),
        pytest.param("2014-12-05T10:30:00", XSD.dateTime, True, id="moment"),
        pytest.param("2014-12-05T24:00:00", XSD.dateTime, True, id="moment-midnight"),
        pytest.param("2014-12-05T25:00:00", XSD.dateTime, False, id="moment-hour-25"),
        pytest.param("6000000000", XSD.integer, True, id="integer"),
        pytest.param("6 000", XSD.integer, False, id="integer-space"),
        pytest.param("21", XSD.nonNegativeInteger, True, id="count"),
        pytest.param("-0", XSD.nonNegativeInteger, True, id="count-minus-zero"),
        pytest.param("0", XSD.positiveInteger, False, id="positive-zero"),
        pytest.param("6.4", XSD.decimal, True, id="decimal"),
        pytest.param("6.4e2", XSD.decimal, False, id="decimal-exponent"),
        pytest.param("6.4e2", XSD.double, True, id="double"),
        pytest.param("1", XSD.boolean, True, id="boolean-one"),
        pytest.param("True", XSD.boolean, False, id="boolean-capital"),
        pytest.param("https://example.org/a", XSD.anyURI, True, id="iri"),
        pytest.param("https://example.org/a b", XSD.anyURI, False, id="iri-space"),
        pytest.param("anything at all", XSD.string, True, id="string"),
        pytest.param("300", XSD.byte, False, id="byte-by-rdflib"),
        pytest.param("x", URIRef("https://example.org/datatype"), True, id="unknown-datatype"),
    ],
)
def test_lexical_forms(lexical: str, datatype: URIRef, valid: bool) -> None:
    assert (literal_problem(lexical, datatype) is None) is valid


def test_every_datatype_the_project_uses_has_a_lexical_rule() -> None:
    used: set[Node] = set()
    for path in sorted([*REPO.glob("ontology/*.ttl"), *REPO.glob("graph/*.ttl")]):
        graph = parse_turtle(path)
        used |= {o.datatype for o in graph.objects() if isinstance(o, Literal) and o.datatype}
        used |= {o for o in graph.objects(None, RDFS.range) if str(o).startswith(str(XSD))}
    assert used - {XSD.string} <= set(LEXICAL)


def test_an_ill_typed_literal_leaves_no_traceback_in_the_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # rdflib logs a traceback for each literal it cannot convert; the build says it in one line.
    path = tmp_path / "bad.ttl"
    path.write_text(
        "<https://w3id.org/diplokg/resource/x> <https://w3id.org/diplokg/ontology#date> "
        '"2014-02-30"^^<http://www.w3.org/2001/XMLSchema#date> .\n',
        encoding="utf-8",
    )
    with caplog.at_level(logging.DEBUG):
        parse_turtle(path)
        assert literal_problem("2014-02-31", XSD.date) is not None
        assert literal_problem("300", XSD.byte) is not None
    assert [r for r in caplog.records if r.name.startswith("rdflib")] == []


# -- terms -------------------------------------------------------------------------------------


def test_undeclared_terms_are_named_with_the_nearest_declared_one() -> None:
    assert lint_file(DATA / "undeclared.ttl") == [
        "tests/data/lint/undeclared.ttl:15: res:visit-x: dkg:Vist is not declared by the "
        "ontology (did you mean dkg:Visit?)",
        "tests/data/lint/undeclared.ttl:17: res:visit-x: dkg:tookPlaceInn is not declared by "
        "the ontology (did you mean dkg:tookPlaceIn?)",
        "tests/data/lint/undeclared.ttl:18: res:visit-x: dcterms:sourse is not a term of "
        "<http://purl.org/dc/terms/> (did you mean dcterms:source?)",
        "tests/data/lint/undeclared.ttl:19: res:visit-x: xsd:gYeer is not a term of "
        "<http://www.w3.org/2001/XMLSchema#> (did you mean xsd:gYear?)",
        "tests/data/lint/undeclared.ttl:20: res:visit-x: ex:whatever is from "
        "<http://example.org/vocab#>, a vocabulary the ontology does not use",
        "tests/data/lint/undeclared.ttl:22: res:meeting-x: dkg:sourceActor is declared as a "
        "property, not a class",
        "tests/data/lint/undeclared.ttl:24: res:meeting-x: dkg:Meeting is declared as a class, "
        "not a property",
    ]


def test_untyped_resources_are_named_with_the_nearest_typed_one() -> None:
    assert lint_file(DATA / "untyped.ttl") == [
        "tests/data/lint/untyped.ttl:13: res:visit-2014-12: res:francois-holande, the object "
        "of dkg:sourceActor, has no rdf:type in any input (did you mean res:francois-hollande?)",
        "tests/data/lint/untyped.ttl:14: res:visit-2014-12: res:astana, the object of "
        "dkg:tookPlaceIn, has no rdf:type in any input",
        "tests/data/lint/untyped.ttl:18: res:meeting-2014-12: has no rdf:type in any input "
        "(did you mean res:visit-2014-12?)",
    ]


def test_a_type_in_another_input_counts() -> None:
    # The enrichment may type what the curated file only uses, and the other way round.
    untyped, typing = DATA / "untyped.ttl", REPO / "tests" / "data" / "build" / "mini.ttl"
    sources = [Source(ONTOLOGY, parse_turtle(ONTOLOGY), "ontology")]
    sources += [Source(path, parse_turtle(path)) for path in (untyped, typing)]
    found = [(problem.focus, problem.message) for problem in lint(sources, root=REPO)]
    assert [(focus, message.partition(" (did")[0]) for focus, message in found] == [
        (
            "res:visit-2014-12",
            "res:francois-holande, the object of dkg:sourceActor, has no rdf:type in any input",
        ),
        ("res:meeting-2014-12", "has no rdf:type in any input"),
    ]  # res:astana, typed in mini.ttl, is no longer named


def test_the_shapes_are_linted_too() -> None:
    # A misspelt target or path would make a shape check nothing, silently.
    assert lint_file(DATA / "shapes.ttl", role="shapes") == [
        "tests/data/lint/shapes.ttl:9: dkgsh:VisitShape: dkg:Vist is not declared by the "
        "ontology (did you mean dkg:Visit?)",
        "tests/data/lint/shapes.ttl:11: dkgsh:VisitShape: dkg:dat is not declared by the "
        "ontology (did you mean dkg:date?)",
        'tests/data/lint/shapes.ttl:12: dkgsh:VisitShape: "one"^^xsd:integer is not a valid '
        'xsd:integer: an integer is written with digits only, e.g. "6" (a decimal is an '
        "xsd:decimal)",
        "tests/data/lint/shapes.ttl:13: dkgsh:VisitShape: sh:minCont is not a term of "
        "<http://www.w3.org/ns/shacl#> (did you mean sh:minCount?)",
    ]


def test_the_ontology_is_linted_too() -> None:
    path = DATA / "ontology.ttl"
    assert lint_file(path, ontology=path) == [
        "tests/data/lint/ontology.ttl:13: dkg:Visit: lacks an rdfs:label in French and an "
        "rdfs:comment",
        "tests/data/lint/ontology.ttl:15: dkg:Visit: dkg:Evnt is not declared by the ontology "
        "(did you mean dkg:Event?)",
        "tests/data/lint/ontology.ttl:22: dkg:date: xsd:dat is not a term of "
        "<http://www.w3.org/2001/XMLSchema#> (did you mean xsd:date?)",
    ]


def test_what_quotes_state_and_interpretations_concern_are_properties() -> None:
    # The event model's quote nodes (`dkg:states`) and interpretations (`dkg:concerns`) name
    # the properties they support: a misspelt one, or a class, supports nothing.
    assert lint_file(DATA / "quotes.ttl") == [
        "tests/data/lint/quotes.ttl:16: res:visit-x: dkg:tookPlaceInn is not declared by the "
        "ontology (did you mean dkg:tookPlaceIn?)",
        "tests/data/lint/quotes.ttl:17: res:visit-x: dkg:Meeting is declared as a class, not a "
        "property",
        "tests/data/lint/quotes.ttl:20: res:visit-x: dkg:guests is not declared by the ontology "
        "(did you mean dkg:guest?)",
    ]


def test_the_rules_are_linted_too() -> None:
    # A rule naming a misspelt term derives nothing, silently: its terms are checked as the
    # graph's are (a predicate is a property, the object of `a` a class, a resource typed).
    path = DATA / "rule.rq"
    sources = [Source(ONTOLOGY, parse_turtle(ONTOLOGY), "ontology"), Source(path, Graph(), "rules")]
    assert [str(problem) for problem in lint(sources, root=REPO)] == [
        "tests/data/lint/rule.rq:11: rule: res:cameo-43 has no rdf:type in any input "
        "(did you mean res:cameo-043?)",
        "tests/data/lint/rule.rq:14: rule: dkg:Meting is not declared by the ontology "
        "(did you mean dkg:Meeting?)",
        "tests/data/lint/rule.rq:15: rule: dkg:sourceActr is not declared by the ontology "
        "(did you mean dkg:sourceActor?)",
        "tests/data/lint/rule.rq:16: rule: dkg:host is declared as a property, not a class",
        "tests/data/lint/rule.rq:17: rule: skos:notaton is not a term of "
        "<http://www.w3.org/2004/02/skos/core#> (did you mean skos:notation?)",
    ]


def test_a_misspelt_rule_stops_the_build(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    mini_doc: MiniDocument,
) -> None:
    settings = mini_doc.make(tmp_path)
    rule = settings.rules_dir / "10-event-codes.rq"
    text = rule.read_text(encoding="utf-8")
    rule.write_text(text.replace("a dkg:Meeting", "a dkg:Meting"), encoding="utf-8")
    line = text[: text.index("a dkg:Meeting")].count("\n") + 1
    monkeypatch.setenv("DIPLOKG_ROOT", str(tmp_path))
    assert main(["build"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "diplokg: 1 problem(s) in the inputs:",
        f"ontology/rules/10-event-codes.rq:{line}: 10-event-codes: dkg:Meting is not declared "
        "by the ontology (did you mean dkg:Meeting?)",
    ]


def test_a_problem_reads_as_one_line_with_or_without_its_line() -> None:
    assert str(LintProblem("graph/x.ttl", 42, "res:x", "why")) == "graph/x.ttl:42: res:x: why"
    assert str(LintProblem("graph/x.ttl", None, "res:x", "why")) == "graph/x.ttl: res:x: why"


# -- in the build ------------------------------------------------------------------------------

BAD_FACTS = """res:visit-x a dkg:Vist ;
    rdfs:label "A visit"@en , "Une visite"@fr ;
    dkg:tookPlaceInn res:paris ;
    dkg:sourceActor res:francois-holande ;
    dkg:date "1999-9"^^xsd:gYearMonth ;
    dkg:quote "M. Idrissov" .
"""
BAD_ENRICHMENT = """@prefix dkg: <https://w3id.org/diplokg/ontology#> .
@prefix res: <https://w3id.org/diplokg/resource/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

res:visit-2014-12-hollande-kazakhstan dkg:endDate "2014-12-6"^^xsd:date .
"""


@pytest.mark.parametrize("command", ["build", "validate"])
def test_the_build_stops_on_every_problem_at_once(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: str,
    mini_doc: MiniDocument,
) -> None:
    settings = mini_doc.make(tmp_path, facts=mini_doc.facts(BAD_FACTS))
    (settings.graph_dir / "mini.enrichment.ttl").write_text(BAD_ENRICHMENT, encoding="utf-8")
    monkeypatch.setenv("DIPLOKG_ROOT", str(tmp_path))
    first = len(mini_doc.facts().splitlines()) + 1  # the line of `res:visit-x a dkg:Vist`
    assert main([command]) == 2
    err = capsys.readouterr().err  # `validate` writes its progress there first
    assert err[err.index("diplokg: ") :].splitlines() == [
        "diplokg: 5 problem(s) in the inputs:",
        f"graph/mini.ttl:{first}: res:visit-x: dkg:Vist is not declared by the ontology "
        "(did you mean dkg:Visit?)",
        f"graph/mini.ttl:{first + 2}: res:visit-x: dkg:tookPlaceInn is not declared by the "
        "ontology (did you mean dkg:tookPlaceIn?)",
        f"graph/mini.ttl:{first + 3}: res:visit-x: res:francois-holande, the object of "
        "dkg:sourceActor, has no rdf:type in any input (did you mean res:francois-hollande?)",
        f'graph/mini.ttl:{first + 4}: res:visit-x: "1999-9"^^xsd:gYearMonth is not a valid '
        'xsd:gYearMonth: a month is written YYYY-MM, e.g. "1999-09"',
        "graph/mini.enrichment.ttl:5: res:visit-2014-12-hollande-kazakhstan: "
        '"2014-12-6"^^xsd:date is not a valid xsd:date: a day is written YYYY-MM-DD and '
        'exists in the calendar, e.g. "2014-12-05"',
    ]
    assert not settings.dist_dir.exists()


def test_the_document_record_names_its_text_and_hash(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    mini_doc: MiniDocument,
) -> None:
    # The mini page's record names mini.txt: copied as other.ttl beside other.txt, it is wrong.
    facts = mini_doc.facts('res:mini-page dkg:sha256 "8581af22" .')
    mini_doc.make(tmp_path, facts=facts, name="other")
    monkeypatch.setenv("DIPLOKG_ROOT", str(tmp_path))
    digest = hashlib.sha256((tmp_path / "graph" / "other.txt").read_bytes()).hexdigest()
    last = len(facts.splitlines())
    assert main(["build"]) == 2
    assert capsys.readouterr().err.splitlines()[1:] == [
        'graph/other.ttl:17: res:mini-page: needs dkg:sourceFile "other.txt", the text beside '
        'this file (found "mini.txt")',
        f"graph/other.ttl:{last}: res:mini-page: dkg:sha256 is not the SHA-256 of other.txt "
        f"({digest})",
    ]


def test_a_term_newer_than_rdflib_knows_is_accepted_once_the_ontology_declares_it(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data.ttl"
    data.write_text(
        "@prefix dkg: <https://w3id.org/diplokg/ontology#> .\n"
        "@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix res: <https://w3id.org/diplokg/resource/> .\n"
        'res:paris a dkg:City ; rdfs:label "Paris"@en , "Paris"@fr ;\n'
        "    rdf:reifies res:paris .\n",
        encoding="utf-8",
    )
    assert lint_file(data) == [
        f"{data}:6: res:paris: rdf:reifies is not a term of "
        "<http://www.w3.org/1999/02/22-rdf-syntax-ns#>"
    ]
    ontology = tmp_path / "ontology.ttl"
    ontology.write_text(
        ONTOLOGY.read_text(encoding="utf-8") + "\nrdf:reifies a owl:ObjectProperty .\n",
        encoding="utf-8",
    )
    assert lint_file(data, ontology=ontology) == []


# -- the cache of a document's lint ------------------------------------------------------------


def _lazy_sources(folder: Path, names: list[str]) -> list[Source]:
    """The ontology and `names` of `folder` as the build lints them: documents unparsed."""
    return [Source(ONTOLOGY, parse_turtle(ONTOLOGY), "ontology")] + [
        Source(folder / name) for name in names
    ]


def _copy_inputs(folder: Path) -> list[str]:
    """The untyped fixture, the mini document (which types res:astana) and an ill-typed
    literal's fixture, copied into `folder`."""
    sources = [
        DATA / "untyped.ttl",
        REPO / "tests" / "data" / "build" / "mini.ttl",
        DATA / "ill-typed.ttl",
    ]
    for path in sources:
        (folder / path.name).write_bytes(path.read_bytes())
    return [path.name for path in sources]


def test_a_document_s_lint_is_read_from_the_cache_without_parsing_it(tmp_path: Path) -> None:
    names = _copy_inputs(tmp_path)
    cache = tmp_path / "cache"
    first = lint(_lazy_sources(tmp_path, names), root=tmp_path)
    assert len(first) > 3  # untyped resources and an ill-typed literal
    assert lint(_lazy_sources(tmp_path, names), root=tmp_path, cache=cache) == first
    again = _lazy_sources(tmp_path, names)
    assert lint(again, root=tmp_path, cache=cache) == first
    # untyped.ttl uses resources no input types, so it was parsed to name them again; the
    # lint of mini.ttl and of ill-typed.ttl (its literals' problems) came from the cache
    assert [source._graph is None for source in again[1:]] == [False, True, True]
    assert [p for p in first if p.path == "ill-typed.ttl"]


def test_a_changed_document_is_linted_again(tmp_path: Path) -> None:
    names = _copy_inputs(tmp_path)
    cache = tmp_path / "cache"
    lint(_lazy_sources(tmp_path, names), root=tmp_path, cache=cache)
    mini = tmp_path / "mini.ttl"
    mini.write_text(
        mini.read_text(encoding="utf-8") + '\nres:astana rdfs:comment "x"^^xsd:date .\n',
        encoding="utf-8",
    )
    expected = lint(_lazy_sources(tmp_path, names), root=tmp_path)
    assert [p for p in expected if p.path == "mini.ttl" and "xsd:date" in p.message]
    assert lint(_lazy_sources(tmp_path, names), root=tmp_path, cache=cache) == expected


def test_a_cached_document_names_a_resource_another_input_no_longer_types(
    tmp_path: Path,
) -> None:
    """untyped.ttl uses res:astana, which mini.ttl types: once mini.ttl is gone, the cached
    lint of untyped.ttl must still name res:astana."""
    names = _copy_inputs(tmp_path)
    cache = tmp_path / "cache"
    lint(_lazy_sources(tmp_path, names), root=tmp_path, cache=cache)
    without = [name for name in names if name != "mini.ttl"]
    expected = lint(_lazy_sources(tmp_path, without), root=tmp_path)
    assert [p for p in expected if "res:astana, the object of" in p.message]
    assert lint(_lazy_sources(tmp_path, without), root=tmp_path, cache=cache) == expected
