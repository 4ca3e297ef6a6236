"""The build's rules: the SPARQL CONSTRUCT files of `ontology/rules/`, run in name order.

Each file starts with a `#+ ` YAML header (`title`, `description`), like a canned query. The
rules run with pyoxigraph over the OWL 2 RL closure (ontology, asserted, enrichment and what
reasoning added); each rule also sees what the rules before it constructed. What they construct,
minus what the closure already holds, goes to the named graph `derived`: the codings of the
interaction events, their CAMEO codes, levels, and the country of each country-actor. Reasoning
(graph `inferred`) stays OWL 2 RL only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from diplokg.errors import InputError
from diplokg.rdfio import Triple, nt_term

if TYPE_CHECKING:
    import pyoxigraph as ox

__all__ = ["Rule", "derive", "load_rules", "rule_files"]


@dataclass(frozen=True)
class Rule:
    """One rule file: its name (the file's stem), header and CONSTRUCT query."""

    name: str
    title: str
    description: str
    text: str


def rule_files(directory: Path) -> list[Path]:
    """The rule files of `directory`, in the order they run."""
    return sorted(directory.glob("*.rq"))


def load_rules(directory: Path) -> list[Rule]:
    """The rules of `directory` in name order; a bad header or query is an InputError naming it."""
    import pyoxigraph as ox

    rules = []
    for path in rule_files(directory):
        source = path.read_text(encoding="utf-8")
        header = "\n".join(
            line[3:] for line in source.splitlines() if line.startswith("#+ ") or line == "#+"
        )
        try:
            meta = yaml.safe_load(header) or {}
        except yaml.YAMLError as exc:
            raise InputError(path, f"bad rule header: {exc}") from None
        if not isinstance(meta, dict) or not meta.get("title") or not meta.get("description"):
            raise InputError(path, "a rule needs a '#+ ' header with a title and a description")
        try:
            parsed = ox.Store().query(source)
        except SyntaxError as exc:
            raise InputError(path, f"bad SPARQL: {exc}") from None
        if not isinstance(parsed, ox.QueryTriples):
            raise InputError(path, "a rule must be a CONSTRUCT query")
        rules.append(Rule(path.stem, str(meta["title"]), str(meta["description"]), source))
    return rules


def _rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Node:
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == str(XSD.string):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise InputError("ontology/rules", f"a rule constructed an unsupported term: {term}")


def derive(rules: Iterable[Rule], closure: Iterable[Triple]) -> set[Triple]:
    """What `rules` construct over `closure`, in order, minus what `closure` holds."""
    import pyoxigraph as ox

    given = set(closure)
    # a reasoner may entail statements about literals (owlrl: "x" owl:sameAs "x"), which RDF
    # cannot serialise and no rule reads
    loadable = [t for t in given if not isinstance(t[0], Literal)]
    store = ox.Store()
    # (the lines in any order: a store holds a set; sorting them cost a few milliseconds a unit)
    lines = {f"{nt_term(s)} {nt_term(p)} {nt_term(o)} .\n" for s, p, o in loadable}
    store.load("".join(lines).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    derived: set[Triple] = set()
    for rule in rules:
        result = store.query(rule.text)
        assert isinstance(result, ox.QueryTriples)
        new = list(result)
        for triple in new:
            store.add(ox.Quad(triple.subject, triple.predicate, triple.object))
            derived.add(
                (_rdflib(triple.subject), _rdflib(triple.predicate), _rdflib(triple.object))
            )
    return derived - given
