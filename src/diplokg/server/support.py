"""What supports each statement of a resource, for its HTML page: the words of the page that
state it (quote and code-point offsets) or the curators' interpretation (kind and explanation).

Read from the evidence graph's reifiers (`rdf:Statement` with `dkg:statedBy` an annotation or
`dkg:interpretedBy` an interpretation; see diplokg.build.statements), through the query engine,
as the canned query `why` does. `diplokg.server.linked_data` calls `support_of`; the template
`terms.html` (macro `support`) shows them under each outgoing fact, the words linked to the
quote the page shows them in.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rdflib.term import Identifier, Literal, URIRef

from diplokg.namespaces import sparql_prefixes

if TYPE_CHECKING:
    from diplokg.server.engine import QueryEngine

__all__ = ["Support", "support_of"]


@dataclass(frozen=True)
class Support:
    """One support of a statement: words of the page, or an interpretation."""

    exact: str | None = None
    start: int | None = None
    end: int | None = None
    source: Identifier | None = None  # the source document of the words
    kind: str | None = None
    explanation: str | None = None


def _int(term: Identifier | None) -> int | None:
    try:
        return int(str(term)) if isinstance(term, Literal) else None
    except ValueError:
        return None


async def support_of(
    engine: QueryEngine, iri: URIRef
) -> dict[tuple[Identifier, Identifier], list[Support]]:
    """(predicate, object) -> the supports of each asserted statement whose subject is `iri`."""
    rows = await engine.select(
        sparql_prefixes()
        + f"""SELECT ?p ?o ?exact ?start ?end ?source ?interpretation ?kind ?explanation WHERE {{
  ?r rdf:subject {iri.n3()} ; rdf:predicate ?p ; rdf:object ?o .
  {{
    ?r dkg:statedBy ?ann .
    ?ann oa:hasTarget ?target .
    OPTIONAL {{ ?target oa:hasSource ?source . }}
    ?target oa:hasSelector ?qs .
    ?qs a oa:TextQuoteSelector ; oa:exact ?exact .
    ?target oa:hasSelector ?ps .
    ?ps a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
  }} UNION {{
    ?r dkg:interpretedBy ?interpretation .
    ?interpretation dkg:interpretationKind ?k ; rdfs:comment ?explanation .
    OPTIONAL {{ ?k rdfs:label ?kind . FILTER(LANG(?kind) = "en") }}
  }}
}} ORDER BY ?p ?o ?start ?interpretation"""
    )
    found: dict[tuple[Identifier, Identifier], list[Support]] = defaultdict(list)
    for row in rows:
        if row.get("exact") is not None:
            item = Support(
                exact=str(row["exact"]),
                start=_int(row.get("start")),
                end=_int(row.get("end")),
                source=row.get("source"),
            )
        else:
            item = Support(kind=str(row.get("kind") or ""), explanation=str(row["explanation"]))
        key = (row["p"], row["o"])
        if item not in found[key]:
            found[key].append(item)
    return dict(found)
