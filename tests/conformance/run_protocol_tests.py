#!/usr/bin/env python3
"""Run the W3C SPARQL 1.1 Protocol tests (and the Service Description tests)
against a live SPARQL endpoint.

The test definitions come from the W3C manifests copied into ./data
(data/protocol-manifest.ttl, data/service-description-manifest.ttl).  The
protocol manifest is read with rdflib when it is importable; otherwise the
pre-extracted data/protocol-tests.json is used (regenerate it with
--export-json).  HTTP is spoken with http.client directly so that requests go
out exactly as the manifest describes them (no Content-Type added behind our
back, arbitrary methods such as PUT, raw UTF-16 bodies, repeated parameters).

Output: one line per test (PASS / FAIL / SKIP + reason), per-group summaries,
then a final line "N passed, M failed, K skipped" (W3C tests only).

WARNING: the update tests send CLEAR ALL / DROP ALL.  Never run them against
an endpoint whose data you care about; use --skip-update for such endpoints.
"""

from __future__ import annotations

import argparse
import csv
import functools
import http.client
import io
import json
import os
import sys
import time
import urllib.parse
import xml.etree.ElementTree as ET
from typing import Any, Callable, Dict, List, Optional, Tuple, cast

HERE = os.path.dirname(os.path.abspath(__file__))
DATA_DIR = os.path.join(HERE, "data")
PROTOCOL_MANIFEST = os.path.join(DATA_DIR, "protocol-manifest.ttl")
PROTOCOL_JSON = os.path.join(DATA_DIR, "protocol-tests.json")

MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
HT = "http://www.w3.org/2011/http#"
HTS = "http://www.w3.org/2011/http-statusCodes#"
CNT = "http://www.w3.org/2011/content#"
UT = "http://www.w3.org/2009/sparql/tests/test-update#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SD = "http://www.w3.org/ns/sparql-service-description#"
FOAF_DOC = "http://xmlns.com/foaf/0.1/Document"
KASEI = "http://kasei.us/2009/09/sparql/data/"

# Graphs the protocol tests expect (graph IRI -> data file).  data0 is not part
# of the W3C repository (only referenced, with ASK {} / SELECT queries whose
# answer does not depend on it); data/data0.nt is a harness-authored stand-in.
TEST_GRAPHS = [
    (KASEI + "data%d.rdf" % i, os.path.join(DATA_DIR, "data%d.nt" % i)) for i in range(4)
]

SRX = "http://www.w3.org/2005/sparql-results#"

# --strict-formats: only the media types the tests name are accepted (no
# generic application/xml or application/json, no N-Quads/JSON-LD/... for
# graph results, no application/xml service description).
STRICT = False

RESULT_XML = {"application/sparql-results+xml"}
RESULT_JSON = {"application/sparql-results+json"}
RESULT_CSV = {"text/csv"}
RESULT_TSV = {"text/tab-separated-values"}
GENERIC_XML = {"application/xml", "text/xml"}
GENERIC_JSON = {"application/json", "text/json"}
# RDF serialisations named by the tests (RDF/XML, Turtle, N-Triples, RDFa) ...
RDF_LISTED = {
    "application/rdf+xml": "xml",
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/n-triples": "nt",
    "text/plain": "nt",  # historical N-Triples media type
    "text/html": None,  # RDFa
    "application/xhtml+xml": None,  # RDFa
}
# ... and other RDF graph serialisations the Protocol also allows ("or an
# equivalent RDF graph serialization"): accepted with a note.
RDF_OTHER = {
    "application/ld+json": "json-ld",
    "text/n3": "n3",
    "text/rdf+n3": "n3",
    "application/n-quads": "nquads",
    "application/trig": "trig",
}


# --------------------------------------------------------------------------
# Manifest loading
# --------------------------------------------------------------------------


def _group_of(test_id: str) -> str:
    return "update" if "update" in test_id else "query"


def load_manifest_rdflib(path: str) -> List[Dict[str, Any]]:
    import rdflib
    from rdflib.collection import Collection

    g = rdflib.Graph()
    g.parse(
        path,
        format="turtle",
        publicID="http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest.ttl",
    )
    U = rdflib.URIRef
    manifest = next(g.subjects(rdflib.RDF.type, U(MF + "Manifest")))
    entries = Collection(g, cast(rdflib.term.Node, g.value(manifest, U(MF + "entries"))))
    tests = []
    for t in entries:
        tid = str(t).split("#")[-1]
        test: Dict[str, Any] = {
            "id": tid,
            "name": str(g.value(t, U(MF + "name"))),
            "group": _group_of(tid),
            "negative": tid.startswith("bad_"),
            "graph_data": [],
            "requests": [],
        }
        for gd in g.objects(t, U(UT + "graphData")):
            test["graph_data"].append(
                {
                    "file": os.path.basename(str(g.value(gd, U(UT + "graph")))),
                    "graph": str(g.value(gd, U(RDFS + "label"))),
                }
            )
        test["graph_data"].sort(key=lambda d: d["graph"])
        action = g.value(t, U(MF + "action"))
        for req in Collection(g, cast(rdflib.term.Node, g.value(action, U(HT + "requests")))):
            r: Dict[str, Any] = {
                "method": str(g.value(req, U(HT + "methodName"))),
                "path": str(g.value(req, U(HT + "absolutePath"))),
                "headers": [],
                "body": None,
                "encoding": None,
            }
            body = g.value(req, U(HT + "body"))
            if body is not None:
                r["body"] = str(g.value(body, U(CNT + "chars")))
                r["encoding"] = str(g.value(body, U(CNT + "characterEncoding")) or "UTF-8")
            hdrs = g.value(req, U(HT + "headers"))
            if hdrs is not None:
                for h in Collection(g, hdrs):
                    r["headers"].append(
                        [
                            str(g.value(h, U(HT + "fieldName"))),
                            str(g.value(h, U(HT + "fieldValue"))),
                        ]
                    )
            resp = g.value(req, U(HT + "resp"))
            statuses = sorted(
                str(s).replace(HTS + "StatusCode", "")
                for s in g.objects(resp, U(MF + "expectedStatus"))
            )
            eb = g.value(resp, U(MF + "expectedBoolean"))
            ef = g.value(resp, U(MF + "expectedFormat"))
            r["expect"] = {
                "status": statuses,
                "boolean": None if eb is None else bool(cast(rdflib.Literal, eb).toPython()),
                "format": None if ef is None else str(ef),
            }
            test["requests"].append(r)
        tests.append(test)
    return tests


def load_manifest() -> Tuple[List[Dict[str, Any]], str]:
    try:
        return load_manifest_rdflib(PROTOCOL_MANIFEST), "rdflib:" + os.path.relpath(
            PROTOCOL_MANIFEST, HERE
        )
    except ImportError:
        with open(PROTOCOL_JSON, encoding="utf-8") as f:
            return json.load(f), "json:" + os.path.relpath(PROTOCOL_JSON, HERE)


# --------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------


class Resp:
    def __init__(
        self,
        status: int,
        headers: Dict[str, str],
        body: bytes,
        url: str,
        error: Optional[str] = None,
    ):
        self.status = status
        self.headers = headers
        self.body = body
        self.url = url
        self.error = error

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str:
        for part in self.headers.get("content-type", "").split(";")[1:]:
            k, _, v = part.strip().partition("=")
            if k.lower() == "charset" and v:
                return v.strip('"')
        return "utf-8"

    def text(self) -> str:
        try:
            return self.body.decode(self.charset, errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")

    def snippet(self, n: int = 160) -> str:
        s = self.text().strip().replace("\n", " ")
        return (s[:n] + "...") if len(s) > n else s


def http_request(
    method: str,
    url: str,
    body: Optional[bytes],
    headers: List[Tuple[str, str]],
    timeout: float,
    follow: int = 5,
) -> Resp:
    """Send one request exactly as given; follow 301/302/303/307/308 redirects."""
    cur_url, cur_method, cur_body = url, method, body
    for _ in range(follow + 1):
        p = urllib.parse.urlsplit(cur_url)
        conn_cls = (
            http.client.HTTPSConnection if p.scheme == "https" else http.client.HTTPConnection
        )
        conn = conn_cls(p.hostname or "", p.port, timeout=timeout)
        target = p.path or "/"
        if p.query:
            target += "?" + p.query
        try:
            conn.putrequest(cur_method, target, skip_accept_encoding=True)
            for k, v in headers:
                conn.putheader(k, v)
            if cur_body is not None:
                conn.putheader("Content-Length", str(len(cur_body)))
            elif cur_method in ("POST", "PUT"):
                conn.putheader("Content-Length", "0")
            conn.endheaders()
            if cur_body is not None:
                conn.send(cur_body)
            r = conn.getresponse()
            data = r.read()
            hdrs = {k.lower(): v for k, v in r.getheaders()}
        except Exception as e:  # connection refused, timeout, ...
            return Resp(0, {}, b"", cur_url, error="%s: %s" % (type(e).__name__, e))
        finally:
            conn.close()
        if r.status in (301, 302, 303, 307, 308) and "location" in hdrs:
            cur_url = urllib.parse.urljoin(cur_url, hdrs["location"])
            if r.status == 303 or (r.status in (301, 302) and cur_method == "POST"):
                cur_method, cur_body = "GET", None
                headers = [(k, v) for k, v in headers if k.lower() != "content-type"]
            continue
        return Resp(r.status, hdrs, data, cur_url)
    return Resp(0, {}, b"", cur_url, error="too many redirects")


def build_url(endpoint: str, absolute_path: str) -> str:
    """Replace the manifest's '/sparql/' prefix by the endpoint URL."""
    assert absolute_path.startswith("/sparql/"), absolute_path
    rest = absolute_path[len("/sparql/") :]
    qs = rest[1:] if rest.startswith("?") else rest
    if not qs:
        return endpoint
    return endpoint + ("&" if "?" in endpoint else "?") + qs


# --------------------------------------------------------------------------
# Response checks
# --------------------------------------------------------------------------


def status_class_ok(status: int, expected: List[str]) -> bool:
    return ("%dxx" % (status // 100)) in expected


def parse_boolean(resp: Resp) -> Tuple[Optional[bool], str]:
    """Return (value, note) for a SPARQL boolean result; value None if unparseable."""
    mt = resp.media_type
    text = resp.text()
    note = ""
    if mt in GENERIC_XML or mt in GENERIC_JSON:
        if STRICT:
            return (
                None,
                "generic media type %r instead of application/sparql-results+xml/+json (--strict-formats)"
                % mt,
            )
        note = " (non-standard media type %s)" % mt
    if mt in RESULT_JSON or mt in GENERIC_JSON:
        try:
            doc = json.loads(text)
            if isinstance(doc, dict) and isinstance(doc.get("boolean"), bool):
                return doc["boolean"], note
            return None, "JSON body has no boolean member"
        except ValueError as e:
            return None, "invalid JSON: %s" % e
    if mt in RESULT_XML or mt in GENERIC_XML:
        try:
            root = ET.fromstring(resp.body)
        except ET.ParseError as e:
            return None, "invalid XML: %s" % e
        if root.tag != "{%s}sparql" % SRX:
            return None, "XML root is %s, not srx:sparql" % root.tag
        b = root.find("{%s}boolean" % SRX)
        if b is None or (b.text or "").strip() not in ("true", "false"):
            return None, "XML results without <boolean>"
        return (b.text or "").strip() == "true", note
    return None, "media type %r is not a SPARQL boolean result format (XML/JSON)" % (mt or "<none>")


def check_tabular(resp: Resp) -> Tuple[bool, str]:
    mt = resp.media_type
    text = resp.text()
    try:
        if mt in RESULT_JSON:
            doc = json.loads(text)
            if "head" in doc and "results" in doc and "bindings" in doc["results"]:
                return True, "JSON results"
            return False, "JSON body is not a SPARQL results document"
        if mt in RESULT_XML:
            root = ET.fromstring(resp.body)
            if root.tag == "{%s}sparql" % SRX and root.find("{%s}results" % SRX) is not None:
                return True, "XML results"
            return False, "XML body is not a SPARQL results (<results>) document"
        if mt in RESULT_CSV:
            rows = list(csv.reader(io.StringIO(text)))
            return (bool(rows) and rows[0] == ["value"]), "CSV header %r" % (
                rows[0] if rows else None
            )
        if mt in RESULT_TSV:
            lines = text.splitlines()
            return (bool(lines) and lines[0].strip() == "?value"), "TSV header %r" % (
                lines[0] if lines else None
            )
    except Exception as e:  # noqa: BLE001
        return False, "unparseable %s body: %s" % (mt, e)
    return False, "media type %r is not one of XML, JSON, CSV, TSV results" % (mt or "<none>")


def check_rdf(resp: Resp) -> Tuple[bool, str]:
    mt = resp.media_type
    if mt in RDF_LISTED:
        fmt, note = RDF_LISTED[mt], mt
    elif mt in RDF_OTHER and STRICT:
        return (
            False,
            "media type %r is RDF but not one of RDF/XML, Turtle, N-Triples, RDFa (--strict-formats)"
            % mt,
        )
    elif mt in RDF_OTHER:
        fmt, note = RDF_OTHER[mt], "%s (RDF, but not one of the formats the test lists)" % mt
    else:
        return (
            False,
            "media type %r is not an RDF graph serialisation (expected RDF/XML, Turtle, N-Triples or RDFa)"
            % (mt or "<none>"),
        )
    if fmt is None:
        return True, note + " (RDFa not parsed)"
    try:
        import rdflib
    except ImportError:
        return True, note + " (not parsed: rdflib unavailable)"
    try:
        rdflib.Graph().parse(data=resp.body, format=fmt, publicID=resp.url)
    except Exception as e:  # noqa: BLE001
        return False, "body does not parse as %s: %s" % (mt, str(e).splitlines()[0][:200])
    return True, note


def check_response(resp: Resp, expect: Dict[str, Any]) -> Tuple[bool, str]:
    if resp.error:
        return False, "no HTTP response (%s)" % resp.error
    if not status_class_ok(resp.status, expect["status"]):
        return False, "HTTP %d, expected %s; body: %s" % (
            resp.status,
            "/".join(expect["status"]),
            resp.snippet(),
        )
    fmt = expect.get("format")
    notes = ["HTTP %d" % resp.status]
    if fmt == "boolean":
        val, note = parse_boolean(resp)
        if val is None:
            return False, "HTTP %d but %s; body: %s" % (resp.status, note, resp.snippet())
        if expect.get("boolean") is not None and val != expect["boolean"]:
            return False, "ASK answered %s, expected %s%s" % (
                str(val).lower(),
                str(expect["boolean"]).lower(),
                note,
            )
        notes.append("%s %s%s" % (resp.media_type, str(val).lower(), note))
    elif fmt == "tabular":
        ok, note = check_tabular(resp)
        if not ok:
            return False, "HTTP %d but %s" % (resp.status, note)
        notes.append("%s (%s)" % (resp.media_type, note))
    elif fmt == "RDF":
        ok, note = check_rdf(resp)
        if not ok:
            return False, "HTTP %d but %s" % (resp.status, note)
        notes.append(note)
    return True, ", ".join(notes)


# --------------------------------------------------------------------------
# Runner
# --------------------------------------------------------------------------


class Runner:
    def __init__(self, args: argparse.Namespace):
        self.endpoint = args.endpoint
        self.update_endpoint = args.update_endpoint or args.endpoint
        self.timeout = args.timeout
        self.verbose = args.verbose
        self.extra_headers: List[Tuple[str, str]] = []
        if args.accept:
            self.extra_headers.append(("Accept", args.accept))
        for h in args.header or []:
            k, _, v = h.partition(":")
            self.extra_headers.append((k.strip(), v.strip()))
        self.results: List[Dict[str, Any]] = []
        self.data_present: Optional[bool] = None
        self.updates_refused = False

    # -- helpers -----------------------------------------------------------
    def _send(
        self, method: str, url: str, body: Optional[bytes], headers: List[Tuple[str, str]]
    ) -> Resp:
        hdrs = list(headers)
        present = {k.lower() for k, _ in hdrs}
        for k, v in self.extra_headers:
            if k.lower() not in present:
                hdrs.append((k, v))
        if self.verbose:
            print("    > %s %s %s" % (method, url, dict(hdrs)), file=sys.stderr)
            if body:
                print("    > body: %r" % body[:300], file=sys.stderr)
        r = http_request(method, url, body, hdrs, self.timeout)
        if self.verbose:
            print(
                "    < %s %s %s"
                % (
                    r.status,
                    r.headers.get("content-type"),
                    r.snippet(300) if not r.error else r.error,
                ),
                file=sys.stderr,
            )
        return r

    def query(
        self,
        q: str,
        accept: str = "application/sparql-results+xml, application/sparql-results+json;q=0.9",
        params: str = "",
    ) -> Resp:
        url = self.endpoint + (("&" if "?" in self.endpoint else "?") + params if params else "")
        return self._send(
            "POST",
            url,
            q.encode("utf-8"),
            [("Content-Type", "application/sparql-query"), ("Accept", accept)],
        )

    def update(self, u: str) -> Resp:
        return self._send(
            "POST",
            self.update_endpoint,
            u.encode("utf-8"),
            [("Content-Type", "application/sparql-update")],
        )

    def ask(self, q: str, params: str = "") -> Optional[bool]:
        r = self.query(q, params=params)
        if r.error or r.status // 100 != 2:
            return None
        return parse_boolean(r)[0]

    def record(
        self, tid: str, group: str, status: str, name: str, reason: str, section: str
    ) -> None:
        self.results.append(
            {
                "id": tid,
                "group": group,
                "status": status,
                "name": name,
                "reason": reason,
                "section": section,
            }
        )
        print("%-4s  %-40s [%s] %s" % (status, tid, group, reason), flush=True)

    # -- data ----------------------------------------------------------------
    def load_data(self) -> bool:
        parts = []
        for graph, path in TEST_GRAPHS:
            with open(path, encoding="utf-8") as f:
                triples = f.read().strip()
            parts.append(
                "DROP SILENT GRAPH <%s> ;\nINSERT DATA { GRAPH <%s> {\n%s\n} }"
                % (graph, graph, triples)
            )
        r = self.update(" ;\n".join(parts))
        if r.error or r.status // 100 != 2:
            print(
                "# data load via SPARQL Update refused: %s"
                % (r.error or "HTTP %d %s" % (r.status, r.snippet(120)))
            )
            return False
        print("# loaded test graphs data0..data3.rdf via SPARQL Update (HTTP %d)" % r.status)
        return True

    def probe_data(self) -> bool:
        q = "ASK { %s }" % " ".join(
            "GRAPH <%sdata%d.rdf> { <%sdata%d.rdf> a <%s> }" % (KASEI, i, KASEI, i, FOAF_DOC)
            for i in (1, 2, 3)
        )
        ok = self.ask(q)
        self.data_present = bool(ok)
        print(
            "# test graphs data1..data3.rdf present as named graphs: %s"
            % ("yes" if ok else "NO (dataset tests will likely fail; see README)")
        )
        return bool(ok)

    # -- protocol tests ------------------------------------------------------
    def run_protocol_test(self, t: Dict[str, Any]) -> None:
        reasons = []
        for i, req in enumerate(t["requests"], 1):
            headers = [(k, v) for k, v in req["headers"]]
            ctype = next((v for k, v in headers if k.lower() == "content-type"), "")
            is_query_req = ctype.startswith("application/sparql-query") and not t["id"].startswith(
                "bad_update"
            )
            target = (
                self.update_endpoint
                if (t["group"] == "update" and not is_query_req)
                else self.endpoint
            )
            url = build_url(target, req["path"])
            body = None
            if req["body"] is not None:
                body = req["body"].encode(req["encoding"].lower())
            resp = self._send(req["method"], url, body, headers)
            ok, why = check_response(resp, req["expect"])
            prefix = (
                "req %d/%d (%s): " % (i, len(t["requests"]), req["method"])
                if len(t["requests"]) > 1
                else ""
            )
            if not ok:
                hint = ""
                if t["graph_data"] and self.data_present is False:
                    hint = " [test graphs not loaded in endpoint]"
                self.record(t["id"], t["group"], "FAIL", t["name"], prefix + why + hint, "protocol")
                return
            reasons.append(prefix + why)
        note = "; ".join(reasons)
        if t["negative"] and t["group"] == "update" and self.updates_refused:
            note += " (note: endpoint refuses all updates, so this pass is not evidence of request validation)"
        self.record(t["id"], t["group"], "PASS", t["name"], note, "protocol")

    # -- service description -------------------------------------------------
    def run_sd(self) -> None:
        names = {
            "returns-rdf": "GET on endpoint returns RDF",
            "has-endpoint-triple": "Service description contains a matching sd:endpoint triple",
            "conforms-to-schema": "Service description conforms to schema (every sd:NamedGraph has sd:name)",
        }
        try:
            import rdflib
        except ImportError:
            for k, n in names.items():
                self.record("sd:" + k, "sd", "SKIP", n, "rdflib not importable", "sd")
            return
        accept = "text/turtle, application/rdf+xml;q=0.9, application/n-triples;q=0.8, application/ld+json;q=0.7, */*;q=0.1"
        r = self._send("GET", self.endpoint, None, [("Accept", accept)])
        graph = None
        if r.error or r.status // 100 != 2:
            why = r.error or "HTTP %d: %s" % (r.status, r.snippet())
            self.record("sd:returns-rdf", "sd", "FAIL", names["returns-rdf"], why, "sd")
        else:
            mt = r.media_type
            fmt = RDF_LISTED.get(mt) or RDF_OTHER.get(mt)
            note, media_ok = mt, True
            if fmt is None and mt in GENERIC_XML:
                # RDF/XML served as generic XML: parse it anyway so the other
                # two SD tests still say something; --strict-formats fails
                # returns-rdf for the media type.
                fmt, media_ok = "xml", not STRICT
                note = "%s (generic XML media type; parsed as RDF/XML)" % mt
            if fmt is None:
                self.record(
                    "sd:returns-rdf",
                    "sd",
                    "FAIL",
                    names["returns-rdf"],
                    "HTTP %d with media type %r, not an RDF serialisation; body: %s"
                    % (r.status, mt, r.snippet(100)),
                    "sd",
                )
            else:
                try:
                    graph = rdflib.Graph().parse(data=r.body, format=fmt, publicID=r.url)
                    if media_ok:
                        self.record(
                            "sd:returns-rdf",
                            "sd",
                            "PASS",
                            names["returns-rdf"],
                            "%s, %d triples" % (note, len(graph)),
                            "sd",
                        )
                    else:
                        self.record(
                            "sd:returns-rdf",
                            "sd",
                            "FAIL",
                            names["returns-rdf"],
                            "RDF/XML body served as %r, not application/rdf+xml (--strict-formats)"
                            % mt,
                            "sd",
                        )
                except Exception as e:  # noqa: BLE001
                    self.record(
                        "sd:returns-rdf",
                        "sd",
                        "FAIL",
                        names["returns-rdf"],
                        "%s body does not parse: %s" % (mt, str(e).splitlines()[0][:200]),
                        "sd",
                    )
        if graph is None:
            for k in ("has-endpoint-triple", "conforms-to-schema"):
                self.record("sd:" + k, "sd", "FAIL", names[k], "no service description RDF", "sd")
            return
        S = rdflib.Namespace(SD)
        eps = sorted(str(o) for o in graph.objects(None, S.endpoint))
        if rdflib.URIRef(self.endpoint) in set(graph.objects(None, S.endpoint)):
            self.record(
                "sd:has-endpoint-triple",
                "sd",
                "PASS",
                names["has-endpoint-triple"],
                "sd:endpoint <%s>" % self.endpoint,
                "sd",
            )
        else:
            self.record(
                "sd:has-endpoint-triple",
                "sd",
                "FAIL",
                names["has-endpoint-triple"],
                "no ?s sd:endpoint <%s>; sd:endpoint values found: %s"
                % (self.endpoint, eps or "none"),
                "sd",
            )
        bad = [
            str(n)
            for n in graph.subjects(rdflib.RDF.type, S.NamedGraph)
            if graph.value(n, S.name) is None
        ]
        warn = []
        if not list(graph.subjects(rdflib.RDF.type, S.Service)):
            warn.append("no sd:Service typed node")
        langs = set(graph.objects(None, S.supportedLanguage))
        known = {S.SPARQL10Query, S.SPARQL11Query, S.SPARQL11Update}
        if not langs:
            warn.append("no sd:supportedLanguage")
        elif langs - known:
            warn.append("unknown sd:supportedLanguage %s" % sorted(str(x) for x in langs - known))
        w = (" [advisory: %s]" % "; ".join(warn)) if warn else ""
        if bad:
            self.record(
                "sd:conforms-to-schema",
                "sd",
                "FAIL",
                names["conforms-to-schema"],
                "%d sd:NamedGraph without sd:name%s" % (len(bad), w),
                "sd",
            )
        else:
            count = len(list(graph.subjects(rdflib.RDF.type, S.NamedGraph)))
            self.record(
                "sd:conforms-to-schema",
                "sd",
                "PASS",
                names["conforms-to-schema"],
                "%d sd:NamedGraph, all named%s" % (count, w),
                "sd",
            )

    # -- extras (not W3C) ----------------------------------------------------
    def run_extras(self) -> None:
        def dg(n: int) -> str:
            return urllib.parse.quote(KASEI + "data%d.rdf" % n, safe="")

        def ext(tid: str, name: str, fn: Callable[[], Tuple[bool, str]]) -> None:
            try:
                ok, why = fn()
            except Exception as e:  # noqa: BLE001
                ok, why = False, "harness error: %s" % e
            self.record(tid, "extra", "PASS" if ok else "FAIL", name, why, "extra")

        def ask_expect(
            q: str, params: str, expected: bool, method: str = "GET"
        ) -> Tuple[bool, str]:
            if method == "GET":
                url = (
                    self.endpoint
                    + ("&" if "?" in self.endpoint else "?")
                    + "query="
                    + urllib.parse.quote(q, safe="")
                    + ("&" + params if params else "")
                )
                r = self._send(
                    "GET",
                    url,
                    None,
                    [
                        (
                            "Accept",
                            "application/sparql-results+xml, application/sparql-results+json;q=0.9",
                        )
                    ],
                )
            else:
                r = self.query(q, params=params)
            return check_response(r, {"status": ["2xx"], "format": "boolean", "boolean": expected})

        ext(
            "ext_default_graph_uri_restricts",
            "default-graph-uri=data1 must hide data3 from the default graph",
            lambda: ask_expect(
                "ASK { <%sdata3.rdf> a ?t }" % KASEI, "default-graph-uri=" + dg(1), False
            ),
        )
        ext(
            "ext_named_graph_uri_restricts",
            "named-graph-uri=data1 must hide graph data3",
            lambda: ask_expect(
                "ASK { GRAPH ?g { <%sdata3.rdf> a ?t } }" % KASEI, "named-graph-uri=" + dg(1), False
            ),
        )
        ext(
            "ext_protocol_overrides_from",
            "protocol default-graph-uri overrides FROM in the query",
            lambda: ask_expect(
                "ASK FROM <%sdata3.rdf> { <%sdata1.rdf> a ?t }" % (KASEI, KASEI),
                "default-graph-uri=" + dg(1),
                True,
                "POST",
            ),
        )
        ext(
            "ext_named_only_default_empty",
            "with only named-graph-uri given, the default graph is empty",
            lambda: ask_expect("ASK { ?s ?p ?o }", "named-graph-uri=" + dg(1), False),
        )

        def conneg(q: str, accept: str, want: str) -> Tuple[bool, str]:
            r = self._send(
                "POST",
                self.endpoint,
                q.encode(),
                [("Content-Type", "application/sparql-query"), ("Accept", accept)],
            )
            if r.error or r.status // 100 != 2:
                return False, r.error or "HTTP %d: %s" % (r.status, r.snippet(100))
            if r.media_type != want:
                return False, "Accept %s answered with %r" % (accept, r.media_type)
            return True, "HTTP %d %s" % (r.status, r.media_type)

        sel = "SELECT (1 AS ?value) {}"
        con = "CONSTRUCT { <http://example.org/s> <http://example.org/p> 1 } WHERE {}"
        for mt in (
            "application/sparql-results+json",
            "application/sparql-results+xml",
            "text/csv",
            "text/tab-separated-values",
        ):
            ext(
                "ext_conneg_select_"
                + mt.split("/")[-1]
                .replace("sparql-results+", "")
                .replace("tab-separated-values", "tsv"),
                "SELECT honours Accept: " + mt,
                functools.partial(conneg, sel, mt, mt),
            )
        ext(
            "ext_conneg_ask_json",
            "ASK honours Accept: application/sparql-results+json",
            lambda: conneg(
                "ASK {}", "application/sparql-results+json", "application/sparql-results+json"
            ),
        )
        for mt in ("text/turtle", "application/n-triples", "application/rdf+xml"):
            ext(
                "ext_conneg_construct_" + mt.split("/")[-1].replace("rdf+xml", "rdfxml"),
                "CONSTRUCT honours Accept: " + mt,
                functools.partial(conneg, con, mt, mt),
            )
        ext(
            "ext_conneg_describe_turtle",
            "DESCRIBE honours Accept: text/turtle",
            lambda: conneg("DESCRIBE <http://example.org/>", "text/turtle", "text/turtle"),
        )

        def not_acceptable() -> Tuple[bool, str]:
            r = self._send(
                "POST",
                self.endpoint,
                sel.encode(),
                [("Content-Type", "application/sparql-query"), ("Accept", "image/png")],
            )
            if r.error:
                return False, r.error
            # RFC 9110 allows either 406 or ignoring Accept; both are reported.
            return (r.status == 406 or r.status // 100 == 2), "HTTP %d %s" % (
                r.status,
                r.media_type,
            )

        ext(
            "ext_unsupported_accept",
            "Accept: image/png answers 406 (or a default format), never 5xx",
            not_acceptable,
        )

        def form_percent() -> Tuple[bool, str]:
            body = urllib.parse.urlencode({"query": 'SELECT ("50%41" AS ?x) {}'}).encode()
            r = self._send(
                "POST",
                self.endpoint,
                body,
                [
                    ("Content-Type", "application/x-www-form-urlencoded"),
                    ("Accept", "application/sparql-results+json"),
                ],
            )
            if r.error or r.status // 100 != 2:
                return False, r.error or "HTTP %d: %s" % (r.status, r.snippet(100))
            try:
                v = json.loads(r.text())["results"]["bindings"][0]["x"]["value"]
            except Exception as e:  # noqa: BLE001
                return False, "unexpected body (%s): %s" % (e, r.snippet(100))
            return v == "50%41", "literal came back as %r (sent '50%%41')" % v

        ext(
            "ext_form_no_double_decoding",
            "URL-encoded POST is percent-decoded exactly once",
            form_percent,
        )

        def form_charset() -> Tuple[bool, str]:
            r = self._send(
                "POST",
                self.endpoint,
                b"query=ASK%20%7B%7D",
                [("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")],
            )
            return check_response(r, {"status": ["2xx"], "format": "boolean", "boolean": True})

        ext(
            "ext_form_with_charset_param",
            "URL-encoded POST with '; charset=UTF-8' parameter",
            form_charset,
        )

        def get_unicode() -> Tuple[bool, str]:
            q = 'SELECT ("\u00e9\u4e2d" AS ?x) {}'
            url = (
                self.endpoint
                + ("&" if "?" in self.endpoint else "?")
                + "query="
                + urllib.parse.quote(q, safe="")
            )
            r = self._send("GET", url, None, [("Accept", "application/sparql-results+json")])
            if r.error or r.status // 100 != 2:
                return False, r.error or "HTTP %d: %s" % (r.status, r.snippet(100))
            v = json.loads(r.text())["results"]["bindings"][0]["x"]["value"]
            return v == "\u00e9\u4e2d", "literal came back as %r" % v

        ext("ext_get_utf8_query", "GET with percent-encoded UTF-8 query text", get_unicode)

        def sd_conneg(mt: str) -> Tuple[bool, str]:
            r = self._send("GET", self.endpoint, None, [("Accept", mt)])
            if r.error or r.status // 100 != 2:
                return False, r.error or "HTTP %d" % r.status
            return r.media_type == mt, "service description answered as %r" % r.media_type

        for mt in ("text/turtle", "application/rdf+xml"):
            ext(
                "ext_sd_conneg_" + mt.split("/")[-1].replace("rdf+xml", "rdfxml"),
                "service description honours Accept: " + mt,
                functools.partial(sd_conneg, mt),
            )


def summarise(
    results: List[Dict[str, Any]], section_filter: Callable[[Dict[str, Any]], bool], label: str
) -> Tuple[int, int, int]:
    rs = [r for r in results if section_filter(r)]
    p = sum(r["status"] == "PASS" for r in rs)
    f = sum(r["status"] == "FAIL" for r in rs)
    s = sum(r["status"] == "SKIP" for r in rs)
    print("# %-28s %d passed, %d failed, %d skipped" % (label + ":", p, f, s))
    return p, f, s


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--endpoint", help="query endpoint URL (also used for updates unless --update-endpoint)"
    )
    ap.add_argument("--update-endpoint", help="SPARQL Update endpoint URL, if different")
    ap.add_argument(
        "--skip-update",
        action="store_true",
        help="do not run the update tests (report them as SKIP)",
    )
    ap.add_argument(
        "--skip-sd", action="store_true", help="do not run the service description tests"
    )
    ap.add_argument(
        "--load-data",
        action="store_true",
        help="before the tests, (re)load data/data0..3.nt into named graphs via SPARQL Update "
        "(DROP SILENT GRAPH + INSERT DATA), and reload after the update tests",
    )
    ap.add_argument(
        "--extras",
        action="store_true",
        help="also run non-W3C diagnostic checks (reported separately)",
    )
    ap.add_argument(
        "--strict-formats",
        action="store_true",
        help="accept only the media types the tests name (see README); default also accepts other RDF "
        "serialisations and generic XML/JSON media types, with a note",
    )
    ap.add_argument("--only", help="comma-separated test ids to run")
    ap.add_argument(
        "--accept",
        help="Accept header to add to W3C test requests (default: none, as in the manifest)",
    )
    ap.add_argument(
        "--header", action="append", help="extra 'Name: value' header for every request (e.g. auth)"
    )
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--json", help="write results as JSON to this file")
    ap.add_argument("--list", action="store_true", help="list the tests and exit")
    ap.add_argument(
        "--export-json",
        action="store_true",
        help="(re)write data/protocol-tests.json from the manifest and exit",
    )
    ap.add_argument("-v", "--verbose", action="store_true", help="log requests/responses to stderr")
    args = ap.parse_args(argv)

    if args.export_json:
        tests = load_manifest_rdflib(PROTOCOL_MANIFEST)
        with open(PROTOCOL_JSON, "w", encoding="utf-8") as f:
            json.dump(tests, f, indent=1, ensure_ascii=False)
        print("wrote %s (%d tests)" % (PROTOCOL_JSON, len(tests)))
        return 0

    global STRICT
    STRICT = args.strict_formats
    tests, source = load_manifest()
    if not args.endpoint and not args.list:
        ap.error("--endpoint is required")
    only = set(args.only.split(",")) if args.only else None
    if args.list:
        for t in tests:
            print("%-40s [%s] %s" % (t["id"], t["group"], t["name"]))
        for k in ("returns-rdf", "has-endpoint-triple", "conforms-to-schema"):
            print("%-40s [sd]" % ("sd:" + k))
        return 0

    runner = Runner(args)
    print(
        "# W3C SPARQL 1.1 Protocol tests (%d from %s) against %s"
        % (len(tests), source, args.endpoint)
    )
    if args.update_endpoint:
        print("# update endpoint: %s" % args.update_endpoint)
    if STRICT:
        print("# --strict-formats: only the media types named by the tests are accepted")
    if not args.skip_update:
        print("# WARNING: update tests send CLEAR ALL / DROP ALL to %s" % runner.update_endpoint)
    started = time.time()

    if args.load_data and args.skip_update:
        print("# --load-data ignored: --skip-update forbids sending SPARQL Update")
        args.load_data = False
    loaded = runner.load_data() if args.load_data else False
    runner.probe_data()
    # Does the endpoint accept updates at all?  (Used only to annotate results.)
    runner.updates_refused = False
    if not args.skip_update:
        r = runner.update("CLEAR SILENT GRAPH <http://example.org/protocol-harness-probe/>")
        runner.updates_refused = bool(r.error) or r.status // 100 != 2
        print(
            "# endpoint accepts SPARQL Update: %s"
            % ("no (%s)" % (r.error or "HTTP %d" % r.status) if runner.updates_refused else "yes")
        )

    # Query tests first (manifest order), then update tests: update tests wipe
    # the store (CLEAR ALL / DROP ALL) and would remove the dataset-test graphs.
    ordered = [t for t in tests if t["group"] == "query"] + [
        t for t in tests if t["group"] == "update"
    ]
    for t in ordered:
        if only and t["id"] not in only:
            continue
        if t["group"] == "update" and args.skip_update:
            runner.record(t["id"], t["group"], "SKIP", t["name"], "--skip-update", "protocol")
            continue
        runner.run_protocol_test(t)

    if not args.skip_sd and (not only or any(x.startswith("sd:") for x in only)):
        runner.run_sd()
    elif args.skip_sd:
        for k in ("returns-rdf", "has-endpoint-triple", "conforms-to-schema"):
            runner.record("sd:" + k, "sd", "SKIP", k, "--skip-sd", "sd")

    if args.extras:
        if args.load_data and not args.skip_update:
            loaded = runner.load_data()
        runner.run_extras()
    elif args.load_data and loaded and not args.skip_update:
        runner.load_data()  # leave the endpoint with the test graphs

    res = runner.results
    print("#")
    summarise(res, lambda r: r["section"] == "protocol" and r["group"] == "query", "protocol/query")
    summarise(
        res, lambda r: r["section"] == "protocol" and r["group"] == "update", "protocol/update"
    )
    summarise(res, lambda r: r["section"] == "sd", "service description")
    if args.extras:
        summarise(res, lambda r: r["section"] == "extra", "extras (not W3C)")
    w3c = [r for r in res if r["section"] in ("protocol", "sd")]
    p = sum(r["status"] == "PASS" for r in w3c)
    f = sum(r["status"] == "FAIL" for r in w3c)
    s = sum(r["status"] == "SKIP" for r in w3c)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(
                {
                    "endpoint": args.endpoint,
                    "update_endpoint": runner.update_endpoint,
                    "manifest": source,
                    "seconds": round(time.time() - started, 2),
                    "passed": p,
                    "failed": f,
                    "skipped": s,
                    "results": res,
                },
                fh,
                indent=1,
            )
    print("%d passed, %d failed, %d skipped" % (p, f, s))
    return 1 if f else 0


if __name__ == "__main__":
    sys.exit(main())
