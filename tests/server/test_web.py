"""The web face: offline editor page, canned queries over REST, linked data, dumps, VoID, 404.

The app is E1's `create_app` over a small dataset in the shape the build writes
(tests/data/web/dataset.trig); expected rows come from the source document's sentences.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path
from typing import cast

import pytest
from fastapi.testclient import TestClient
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS

from diplokg.config import Settings
from diplokg.namespaces import DKG, GRAPH_ONTOLOGY, RES
from diplokg.queries import load_catalogue
from diplokg.server.app import create_app

DATA = Path(__file__).parents[1] / "data" / "web"
HOLLANDE = str(RES["visit-hollande-2014-12"])
MITTERRAND = str(RES["visit-mitterrand-1993"])
# The quote and the sentence of the Hollande visit, as the document has them.
HOLLANDE_QUOTE = "s’est rendu en visite officielle à Astana et Almaty les 5 et 6 décembre 2014"
SENTENCE_START = "Les visites de haut niveau se sont ainsi multipliées"

RESULT_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
RDF_TYPES = {
    "ttl": ("text/turtle", "turtle"),
    "jsonld": ("application/ld+json", "json-ld"),
    "nt": ("application/n-triples", "nt"),
    "rdf": ("application/rdf+xml", "xml"),
}


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project root with the fixture queries and a dist/ made of tests/data/web/dumps."""
    root = tmp_path_factory.mktemp("web-root")
    shutil.copytree(DATA / "queries", root / "queries")
    shutil.copytree(DATA / "dumps", root / "dist")
    shutil.copy(DATA / "dataset.trig", root / "dist" / "dataset.trig")
    return root


@pytest.fixture(scope="module")
def client(root: Path) -> Iterator[TestClient]:
    app = create_app(Settings(root=root), DATA / "dataset.trig")
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    ds = Dataset(default_union=True)
    ds.parse(DATA / "dataset.trig", format="trig")
    return ds


def _json_column(body: bytes, var: str) -> list[str]:
    return [b[var]["value"] for b in json.loads(body)["results"]["bindings"]]


def _column(fmt: str, body: bytes, var: str) -> list[str]:
    """One column of a SPARQL result in any of the four formats, as plain values."""
    text = body.decode("utf-8")
    if fmt == "json":
        return _json_column(body, var)
    if fmt == "csv":
        return [row[var] for row in csv.DictReader(io.StringIO(text))]
    if fmt == "tsv":
        lines = text.strip("\n").split("\n")
        index = lines[0].split("\t").index(f"?{var}")
        return [line.split("\t")[index].strip("<>") for line in lines[1:]]
    pattern = rf'<binding name="{var}"><uri>([^<]*)</uri>'
    return re.findall(pattern, text)


# --------------------------------------------------------------------------------------------
# The editor page
# --------------------------------------------------------------------------------------------


class _References(HTMLParser):
    """Collects every address a page makes the browser load or link to."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "action", "srcset", "poster", "data") and value:
                self.urls.append(value)


def external_references(page: str) -> list[str]:
    """Addresses in `page` (tags and inline CSS) that point to another host."""
    parser = _References()
    parser.feed(page)
    urls = parser.urls + re.findall(r"url\(\s*['\"]?([^'\")]+)", page)
    urls += re.findall(r"@import\s+['\"]([^'\"]+)", page)
    return [u for u in urls if re.match(r"^([a-z][a-z0-9+.-]*:)?//", u, re.IGNORECASE)]


def test_external_reference_check_finds_the_cdn_links_of_rdflib_endpoint() -> None:
    # The page rdflib-endpoint 0.6.3 ships loads YASGUI from unpkg: the check must see it.
    shipped = (resources.files("rdflib_endpoint") / "yasgui.html").read_text(encoding="utf-8")
    found = external_references(shipped)
    assert any("unpkg.com" in u for u in found), found


def test_editor_page_references_no_external_url(client: TestClient) -> None:
    page = client.get("/", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert external_references(page.text) == []
    css = client.get("/static/yasgui/yasgui.min.css").text
    assert external_references(css) == []


@pytest.mark.parametrize(
    "path",
    [
        "yasgui/yasgui.min.js",
        "yasgui/yasgui.min.css",
        "yasgui/LICENSE",
        "editor.js",
        "diplokg.css",
        "swagger-ui/swagger-ui-bundle.js",
        "swagger-ui/swagger-ui.css",
        "swagger-ui/LICENSE",
        "redoc/redoc.standalone.js",
        "redoc/LICENSE",
        "docs.js",
    ],
)
def test_bundled_files_are_served_as_packaged(client: TestClient, path: str) -> None:
    response = client.get(f"/static/{path}")
    assert response.status_code == 200
    assert response.content == (resources.files("diplokg.server") / "static" / path).read_bytes()


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_api_docs_reference_no_external_url_and_run_no_inline_script(
    client: TestClient, path: str
) -> None:
    # FastAPI's own /docs and /redoc load Swagger UI and ReDoc from a CDN: blank offline.
    page = client.get(path)
    assert page.status_code == 200
    assert external_references(page.text) == []
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, re.DOTALL)
    assert [
        attrs for attrs, body in scripts if body.strip() and "application/json" not in attrs
    ] == []
    assert external_references(client.get("/static/swagger-ui/swagger-ui.css").text) == []


def test_bundled_docs_files_match_their_recorded_sha256() -> None:
    import hashlib

    static = resources.files("diplokg.server") / "static"
    for folder in ("yasgui", "swagger-ui", "redoc"):
        table = (static / folder / "VERSION.md").read_text(encoding="utf-8")
        rows = re.findall(r"^\| ([\w.-]+) \| ([0-9a-f]{64}) \|$", table, re.MULTILINE)
        assert rows, folder
        for name, digest in rows:
            assert hashlib.sha256((static / folder / name).read_bytes()).hexdigest() == digest


def test_editor_offers_every_canned_query_as_a_tab(client: TestClient, root: Path) -> None:
    page = client.get("/").text
    assert '<script src="/static/yasgui/yasgui.min.js"></script>' in page
    match = re.search(r'<script type="application/json" id="canned-queries">(.*?)</script>', page)
    assert match is not None
    config = json.loads(match.group(1))
    assert config["endpoint"] == "/sparql"
    catalogue = load_catalogue(root / "queries")
    assert [(q["title"], q["query"]) for q in config["queries"]] == [
        (q.title, q.source) for q in catalogue.values()
    ]


# --------------------------------------------------------------------------------------------
# Canned queries over REST
# --------------------------------------------------------------------------------------------


def test_api_lists_queries_with_parameters(client: TestClient) -> None:
    listing = client.get("/api/queries").json()
    assert [q["name"] for q in listing] == ["places", "visits"]
    visits = listing[1]
    assert visits["title"] == "Visits to a place"
    assert visits["form"] == "SELECT"
    assert visits["url"] == "/api/queries/visits"
    assert visits["parameters"] == [
        {
            "name": "place",
            "type": "iri",
            "default": "kazakhstan",
            "description": "the place, as a resource slug or a full IRI",
        },
        {
            "name": "year",
            "type": "year",
            "default": None,
            "description": "only the visits of this year",
        },
    ]
    assert visits["sparql"].startswith("PREFIX dkg:")


@pytest.mark.parametrize("fmt", list(RESULT_TYPES))
@pytest.mark.parametrize("how", ["format", "accept"])
def test_api_answers_in_each_format(client: TestClient, fmt: str, how: str) -> None:
    if how == "format":
        response = client.get(f"/api/queries/visits?format={fmt}")
    else:
        response = client.get("/api/queries/visits", headers={"Accept": RESULT_TYPES[fmt]})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(RESULT_TYPES[fmt])
    # Visits that took place in Kazakhstan (the default), by date: Mitterrand 1993, Hollande 2014.
    assert _column(fmt, response.content, "visit") == [MITTERRAND, HOLLANDE]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("year=2014", [HOLLANDE], id="year"),
        pytest.param("place=almaty", [HOLLANDE], id="city"),
        pytest.param(f"place={RES['kazakhstan']}&year=1993", [MITTERRAND], id="iri-and-year"),
        pytest.param("year=1992", [], id="no-visit-that-year"),
    ],
)
def test_api_binds_parameters(client: TestClient, query: str, expected: list[str]) -> None:
    response = client.get(f"/api/queries/visits?{query}")
    assert response.status_code == 200
    assert _json_column(response.content, "visit") == expected


def test_api_construct_query_answers_a_graph(client: TestClient, dataset: Dataset) -> None:
    response = client.get("/api/queries/places", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    got = Graph().parse(data=response.text, format="turtle")
    expected = Graph()
    for visit in (URIRef(HOLLANDE), URIRef(MITTERRAND)):
        for place in dataset.objects(visit, DKG.tookPlaceIn):
            expected.add((visit, DKG.tookPlaceIn, place))
    assert len(expected) == 4  # Astana, Almaty and Kazakhstan; Kazakhstan
    assert isomorphic(got, expected)


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        pytest.param("/api/queries/nope", 404, "no canned query named 'nope'", id="unknown-query"),
        pytest.param("/api/queries/visits?year=soon", 400, "parameter 'year'", id="bad-year"),
        pytest.param("/api/queries/visits?place=a%20b", 400, "parameter 'place'", id="bad-iri"),
        pytest.param(
            "/api/queries/visits?colour=red", 400, "unknown parameter 'colour'", id="unknown"
        ),
        pytest.param("/api/queries/visits?year=1&year=2", 400, "more than once", id="repeated"),
        pytest.param("/api/queries/visits?format=pdf", 400, "parameter 'format'", id="bad-format"),
        pytest.param("/api/queries/places?format=csv", 400, "parameter 'format'", id="csv-graph"),
    ],
)
def test_api_errors_are_clear(client: TestClient, url: str, status: int, message: str) -> None:
    response = client.get(url)
    assert response.status_code == status
    assert message in response.json()["detail"]


def test_api_refuses_an_unusable_accept(client: TestClient) -> None:
    response = client.get("/api/queries/visits", headers={"Accept": "image/png"})
    assert response.status_code == 406


def test_openapi_documents_each_canned_query(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    paths = doc["paths"]
    assert {
        "/api/queries",
        "/api/queries/{name}",
        "/api/queries/visits",
        "/api/queries/places",
    } <= set(paths)
    visits = paths["/api/queries/visits"]["get"]
    params = {p["name"]: p for p in visits["parameters"]}
    assert params["place"]["schema"] == {"type": "string", "format": "iri", "default": "kazakhstan"}
    assert params["year"]["schema"]["type"] == "integer"
    assert params["format"]["schema"]["enum"] == ["json", "xml", "csv", "tsv"]
    assert set(visits["responses"]) == {"200", "400", "404", "406"}
    assert set(visits["responses"]["200"]["content"]) == set(RESULT_TYPES.values())
    places = paths["/api/queries/places"]["get"]
    assert "text/turtle" in places["responses"]["200"]["content"]
    assert "/resource/{slug}" in paths
    assert "/ontology" in paths


# --------------------------------------------------------------------------------------------
# Linked data
# --------------------------------------------------------------------------------------------


def _row(page: str, text: str) -> str:
    """The table row of `page` that holds `text`."""
    rows: list[str] = [r for r in re.findall(r"<tr[^>]*>.*?</tr>", page, re.DOTALL) if text in r]
    assert len(rows) == 1, (text, rows)
    return rows[0]


def test_resource_page_shows_labels_types_facts_and_evidence(client: TestClient) -> None:
    response = client.get("/resource/visit-hollande-2014-12", headers={"Accept": "text/html"})
    assert response.status_code == 200
    page = response.text
    assert "<h1>State visit of François Hollande to Kazakhstan</h1>" in page
    assert "Visite officielle de François Hollande au Kazakhstan" in page
    assert '<a href="/ontology#Visit"' in page
    # The participant, linked to its own page and named by its label.
    assert '<a href="/resource/francois-hollande"' in page
    assert "François Hollande</span></a>" in page
    assert "2014-12-05" in page
    # The quote is highlighted inside its sentence.
    evidence = re.search(r'<section id="evidence">(.*?)</section>', page, re.DOTALL)
    assert evidence is not None
    assert f"<mark>{HOLLANDE_QUOTE}</mark>" in evidence.group(1)
    assert SENTENCE_START in evidence.group(1)
    # Its offsets in the source text, and a link to the source document.
    assert "characters 883–959 of" in evidence.group(1)
    assert 'href="/resource/source/france-kazakhstan-2015"' in evidence.group(1)


def test_resource_page_marks_inferred_and_enrichment_facts(client: TestClient) -> None:
    visit = client.get("/resource/visit-hollande-2014-12", headers={"Accept": "text/html"}).text
    # Stated: Astana is a destination. Inferred only: the visit took place in Kazakhstan.
    assert 'class="badge inferred"' in _row(visit, 'href="/resource/kazakhstan"')
    assert 'class="badge stated"' in _row(visit, "/ontology#hasParticipant")
    person = client.get("/resource/francois-hollande", headers={"Accept": "text/html"}).text
    assert 'class="badge enrichment"' in _row(person, "http://www.wikidata.org/entity/Q2105")


def test_resource_page_shows_evidence_of_related_facts(client: TestClient) -> None:
    # Kazakhstan's page lists the visits that took place there, each with its quote.
    page = client.get("/resource/kazakhstan", headers={"Accept": "text/html"}).text
    assert (
        "<mark>Le Président Mitterrand s’est rendu au Kazakhstan en septembre 1993.</mark>" in page
    )
    assert f"<mark>{HOLLANDE_QUOTE}</mark>" in page


def test_resource_page_escapes_data(client: TestClient) -> None:
    page = client.get("/resource/markup-test", headers={"Accept": "text/html"}).text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;Co&quot;" in page


@pytest.mark.parametrize("ext", list(RDF_TYPES))
@pytest.mark.parametrize("how", ["extension", "accept"])
def test_resource_in_rdf_formats(client: TestClient, dataset: Dataset, ext: str, how: str) -> None:
    media_type, rdflib_format = RDF_TYPES[ext]
    if how == "extension":
        response = client.get(f"/resource/astana.{ext}")
    else:
        response = client.get("/resource/astana", headers={"Accept": media_type})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    got = Graph().parse(data=response.content, format=rdflib_format)
    astana = RES["astana"]
    # Every triple about Astana, in and out, is there (asserted and inferred alike).
    for triple in dataset.triples((astana, None, None)):
        assert triple in got
    for triple in dataset.triples((None, None, astana)):
        assert triple in got
    assert (RES["kazakhstan"], RDFS.label, Literal("Kazakhstan", lang="fr")) in got


def test_resource_formats_agree(client: TestClient) -> None:
    graphs = [
        Graph().parse(data=client.get(f"/resource/visit-hollande-2014-12.{ext}").content, format=f)
        for ext, (_, f) in RDF_TYPES.items()
    ]
    assert all(isomorphic(graphs[0], g) for g in graphs[1:])
    # The evidence comes along, down to its selectors.
    offsets = {
        cast(Literal, o) for o in graphs[0].objects(None, URIRef("http://www.w3.org/ns/oa#start"))
    }
    assert [int(o) for o in offsets] == [883]  # where the quote starts in the source text


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        pytest.param("text/html", "text/html", id="browser"),
        pytest.param("text/turtle", "application/json", id="client"),
    ],
)
def test_unknown_resource_is_404(client: TestClient, accept: str, content_type: str) -> None:
    response = client.get("/resource/atlantis", headers={"Accept": accept})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(content_type)
    assert "https://w3id.org/diplokg/resource/atlantis" in response.text


def test_unknown_resource_is_404_in_rdf(client: TestClient) -> None:
    assert client.get("/resource/atlantis.ttl").status_code == 404


@pytest.mark.parametrize(
    "slug",
    [
        pytest.param("astana%3E%20%3Fp%20%3Fo%20%7D%20%23", id="closing-bracket"),
        pytest.param("astana%20x", id="space"),
        pytest.param("%22astana%22", id="quotes"),
    ],
)
def test_slugs_that_are_not_iris_name_no_resource(client: TestClient, slug: str) -> None:
    response = client.get(f"/resource/{slug}", headers={"Accept": "text/turtle"})
    assert response.status_code == 404


def test_plain_json_clients_get_json_ld(client: TestClient) -> None:
    response = client.get("/resource/astana", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    got = Graph().parse(data=response.content, format="json-ld")
    assert (RES["astana"], DKG.locatedIn, RES["kazakhstan"]) in got


def test_unknown_path_gets_an_escaped_404_page(client: TestClient) -> None:
    response = client.get("/no/<b>where</b>", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "<b>where</b>" not in response.text
    assert "Not found" in response.text


def test_ontology_page_documents_every_class_and_property(
    client: TestClient, dataset: Dataset
) -> None:
    page = client.get("/ontology", headers={"Accept": "text/html"}).text
    ontology = dataset.graph(GRAPH_ONTOLOGY)
    terms = {
        t
        for kind in (
            URIRef("http://www.w3.org/2002/07/owl#Class"),
            URIRef("http://www.w3.org/2002/07/owl#ObjectProperty"),
            URIRef("http://www.w3.org/2002/07/owl#DatatypeProperty"),
        )
        for t in ontology.subjects(RDF.type, kind)
    }
    assert len(terms) == 11  # six classes, five properties
    for term in terms:
        local = str(term).split("#")[1]
        section = re.search(rf'<section class="term" id="{local}">(.*?)</section>', page, re.DOTALL)
        assert section is not None, local
        for label in ontology.objects(term, RDFS.label):
            assert str(label) in section.group(1)
        for comment in ontology.objects(term, RDFS.comment):
            assert str(comment) in section.group(1)
    visit = re.search(r'<section class="term" id="Visit">(.*?)</section>', page, re.DOTALL)
    assert visit is not None
    assert "Subclass of" in visit.group(1) and 'href="/ontology#Event"' in visit.group(1)
    located = re.search(r'<section class="term" id="locatedIn">(.*?)</section>', page, re.DOTALL)
    assert located is not None
    assert "<th>Domain</th>" in located.group(1) and "<th>Range</th>" in located.group(1)


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        pytest.param("/ontology", {"Accept": "text/turtle"}, id="accept"),
        pytest.param("/ontology.ttl", {}, id="extension"),
    ],
)
def test_ontology_in_turtle(
    client: TestClient, dataset: Dataset, url: str, headers: dict[str, str]
) -> None:
    response = client.get(url, headers=headers)
    assert response.headers["content-type"].startswith("text/turtle")
    got = Graph().parse(data=response.text, format="turtle")
    assert isomorphic(got, dataset.graph(GRAPH_ONTOLOGY))


# --------------------------------------------------------------------------------------------
# Dumps and VoID
# --------------------------------------------------------------------------------------------


def test_dumps_lists_and_serves_every_file(client: TestClient, root: Path) -> None:
    files = sorted(p.name for p in (root / "dist").iterdir())
    listing = client.get("/dumps/", headers={"Accept": "application/json"}).json()
    assert [f["name"] for f in listing] == files
    page = client.get("/dumps/", headers={"Accept": "text/html"}).text
    for entry in listing:
        assert f'href="{entry["url"]}"' in page
        response = client.get(entry["url"])
        assert response.status_code == 200
        assert response.content == (root / "dist" / entry["name"]).read_bytes()
        assert response.headers["content-type"].startswith(entry["media_type"].split(";")[0])
    assert client.get("/dumps/dataset.trig").headers["content-type"] == "application/trig"


@pytest.mark.parametrize(
    "url", ["/dumps/nothing.nq", "/dumps/..%2Fqueries%2Fvisits.rq", "/dumps/../queries/visits.rq"]
)
def test_dumps_serve_nothing_else(client: TestClient, url: str) -> None:
    assert client.get(url).status_code == 404


def test_void_is_served_as_turtle(client: TestClient, root: Path) -> None:
    response = client.get("/.well-known/void")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    # the file as built, then the endpoint's address (void:sparqlEndpoint, request's base)
    written = (root / "dist" / "void.ttl").read_bytes()
    assert response.content.startswith(written)
    assert response.content[len(written) :] == (
        b"\n<https://w3id.org/diplokg/dataset> <http://rdfs.org/ns/void#sparqlEndpoint> "
        b"<http://testserver/sparql> .\n"
    )
