"""Figures with their units: amounts of money, percentages, head counts and ranks.

Rules (README, "Drafting a new page"):

- A number is French: "4,22" has a decimal comma; "364.731" and "364 731" group thousands
  (a dot or space followed by exactly three digits). "Md"/"Mds"/"milliard(s)" multiply by 10⁹,
  "M"/"million(s)" by 10⁶, "k"/"millier(s)" by 10³. Values are written in whole units.
- Currencies in ISO 4217: "€"/"euro(s)" EUR, "$"/"USD"/"dollar(s)" USD (a "$" is read as the
  US dollar), "£" GBP, "¥"/"yen(s)" JPY, "FCFA" XOF.
- "%" or "pour cent" is a percentage; "étudiants", "boursiers", "élèves" a head count; "le
  3ème investisseur", "premier partenaire commercial", "cinquième client" a rank (unit rank).
- "moins de" is an upper bound, "plus de" a lower bound, "près de"/"environ"/"une
  quarantaine" an approximation.
- The indicator comes from the words around the number (échanges, exportations,
  importations, investissements/stock, enveloppe/budget, part/ventes, client, investisseur,
  partenaire commercial, étudiants); the period is the nearest date of the clause, else of the
  sentence, else of the figure before it in its sentence, else the update year (with an
  interpretation).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from diplokg.draft.dates import DateExpr

_NUM = r"(?P<num>\d{1,3}(?:[.\u00a0\u202f ]\d{3})+(?:,\d+)?|\d+(?:,\d+)?)"
_MULT = r"(?P<mult>Mds?|milliards?|M|millions?|k|milliers?)"
_CUR = (
    r"(?P<cur>€|euros?|EUR|\$\s?US|US\s?\$|\$|USD|dollars?(?:\s+américains)?"
    r"|£|livres sterling|¥|yens?|FCFA)"
)
_QUAL = (
    r"(?:(?P<qual>(?i:moins de|plus de|près de|environ|quelque|au moins|jusqu['’]à"
    r"|dépasse|dépassent|dépassait|dépassaient))\s+)?"
)
MONEY = re.compile(
    rf"{_QUAL}{_NUM}[\s\u00a0\u202f]*(?:{_MULT}[\s\u00a0\u202f]*(?:d['’][\s]*|de\s+)?)?{_CUR}",
)
PERCENT = re.compile(rf"{_QUAL}{_NUM}[\s\u00a0\u202f]*(?:%|pour\s?cent)")
_APPROX_WORDS = {
    "dizaine": 10,
    "douzaine": 12,
    "quinzaine": 15,
    "vingtaine": 20,
    "trentaine": 30,
    "quarantaine": 40,
    "cinquantaine": 50,
    "soixantaine": 60,
    "centaine": 100,
}
COUNT = re.compile(
    rf"{_QUAL}(?:(?P<num>\d+(?:[.\u00a0\u202f ]\d{{3}})*)"
    rf"|(?P<approx>une\s+(?:{'|'.join(_APPROX_WORDS)})))"
    r"\s+(?:d['’]\s*|de\s+)?(?P<what>étudiants|étudiantes|boursiers|boursières|élèves"
    r"|chercheurs|stagiaires)"
)
_ORDINALS = {
    "premier": 1,
    "première": 1,
    "1er": 1,
    "1ère": 1,
    "second": 2,
    "seconde": 2,
    "deuxième": 2,
    "troisième": 3,
    "quatrième": 4,
    "cinquième": 5,
    "sixième": 6,
    "septième": 7,
    "huitième": 8,
    "neuvième": 9,
    "dixième": 10,
}
RANK = re.compile(
    r"\b(?P<ord>premier|première|1er|1ère|second|seconde|deuxième|troisième|quatrième|"
    r"cinquième|sixième|septième|huitième|neuvième|dixième|(?P<n>\d{1,2})(?:e|ème|è))\s+"
    r"(?P<what>partenaire commercial|partenaire économique|client|fournisseur|investisseur"
    r"(?:\s+étranger)?)"
)
_MULTIPLIERS = {
    "md": 10**9,
    "mds": 10**9,
    "milliard": 10**9,
    "milliards": 10**9,
    "m": 10**6,
    "million": 10**6,
    "millions": 10**6,
    "k": 10**3,
    "millier": 10**3,
    "milliers": 10**3,
}
_QUALIFIERS = {
    "dépasse": "more-than",
    "dépassent": "more-than",
    "dépassait": "more-than",
    "dépassaient": "more-than",
    "moins de": "less-than",
    "plus de": "more-than",
    "près de": "approximately",
    "environ": "approximately",
    "quelque": "approximately",
    "au moins": "more-than",
    "jusqu'à": "less-than",
    "jusqu’à": "less-than",
}
_INDICATORS = (
    (r"échanges|commerce bilatéral", "trade-volume"),
    (r"exportations|ventes françaises", "exports"),
    (r"importations|achats", "imports"),
    (r"investissements?|stock|IDE", "investment-stock"),
    (r"enveloppe|budget|crédits", "cultural-budget"),
)
_RANK_INDICATORS = {
    "partenaire commercial": "trading-partner-rank",
    "partenaire économique": "trading-partner-rank",
    "client": "customer-rank",
    "investisseur": "investor-rank",
    "investisseur étranger": "investor-rank",
}


@dataclass(frozen=True)
class FoundFigure:
    """One figure in the text: offsets (code points), value in whole units and its unit."""

    start: int
    end: int
    text: str
    value: float
    currency: str | None
    unit: str | None
    qualifier: str | None
    indicator: str | None
    figure_class: str
    rank: int | None = None


def number(words: str) -> float:
    """A French number: "4,22" -> 4.22; "364.731" and "364 731" -> 364731.

    >>> number("364.731"), number("4,22"), number("11")
    (364731.0, 4.22, 11.0)
    """
    compact = re.sub(r"[.\u00a0\u202f ](?=\d{3}(?:\D|$))", "", words)
    return float(compact.replace(",", "."))


def currency(words: str) -> str:
    """The ISO 4217 code of a written currency."""
    w = words.lower().replace(" ", "")
    if w.startswith(("€", "euro", "eur")):
        return "EUR"
    if w.startswith(("£", "livre")):
        return "GBP"
    if w.startswith(("¥", "yen")):
        return "JPY"
    if w.startswith("fcfa"):
        return "XOF"
    return "USD"


def _indicator(text: str, start: int, end: int) -> str | None:
    """The indicator whose words are nearest the number, within its clause (40 code points
    before, 30 after, not across a parenthesis or semicolon)."""
    before = re.split(r"[(;:]", text[max(0, start - 40) : start])[-1]
    after = re.split(r"[();,]", text[end : end + 30])[0]
    best: tuple[int, str] | None = None
    for pattern, indicator in _INDICATORS:
        for m in re.finditer(pattern, before, re.IGNORECASE):
            distance = len(before) - m.end()
            if best is None or distance < best[0]:
                best = (distance, indicator)
        for m in re.finditer(pattern, after, re.IGNORECASE):
            if best is None or m.start() < best[0]:
                best = (m.start(), indicator)
    return best[1] if best else None


def find_figures(text: str, dates: list[DateExpr] | None = None) -> list[FoundFigure]:
    """Every figure of `text`, in order; a number inside a date expression is not a figure."""
    taken = [(d.start, d.end) for d in dates or []]
    found: list[FoundFigure] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    for m in MONEY.finditer(text):
        if not free(*m.span()):
            continue
        mult = _MULTIPLIERS.get((m.group("mult") or "").lower(), 1)
        amount = round(number(m.group("num")) * mult)
        indicator = _indicator(text, m.start(), m.end())
        cls = "BudgetFigure" if indicator == "cultural-budget" else "EconomicFigure"
        found.append(
            FoundFigure(
                m.start("num") if not m.group("qual") else m.start(),
                m.end(),
                m.group(0),
                float(amount),
                currency(m.group("cur")),
                None,
                _QUALIFIERS.get((m.group("qual") or "").lower()),
                indicator,
                cls,
            )
        )
        taken.append(m.span())
    for m in PERCENT.finditer(text):
        if not free(*m.span()):
            continue
        context = text[m.end() : m.end() + 40]
        indicator = (
            "market-share"
            if re.search(r"ventes|part|march", context + text[max(0, m.start() - 30) : m.start()])
            else None
        )
        found.append(
            FoundFigure(
                m.start(),
                m.end(),
                m.group(0),
                number(m.group("num")),
                None,
                "percent",
                _QUALIFIERS.get((m.group("qual") or "").lower()),
                indicator,
                "EconomicFigure",
            )
        )
        taken.append(m.span())
    for m in COUNT.finditer(text):
        if not free(*m.span()):
            continue
        approx = m.group("approx")
        value: float = (
            float(_APPROX_WORDS[approx.split()[-1]]) if approx else number(m.group("num"))
        )
        qualifier = "approximately" if approx else _QUALIFIERS.get((m.group("qual") or "").lower())
        yearly = re.search(
            r"chaque année|par an", text[max(0, m.start() - 40) : m.end() + 60], re.IGNORECASE
        )
        indicator = "students-sent-per-year" if yearly else "enrolled-students"
        found.append(
            FoundFigure(
                m.start(),
                m.end(),
                m.group(0),
                value,
                None,
                "students",
                qualifier,
                indicator,
                "StudentFigure",
            )
        )
        taken.append(m.span())
    for m in RANK.finditer(text):
        if not free(*m.span()):
            continue
        rank = int(m.group("n")) if m.group("n") else _ORDINALS[m.group("ord").lower()]
        found.append(
            FoundFigure(
                m.start(),
                m.end(),
                m.group(0),
                float(rank),
                None,
                "rank",
                None,
                _RANK_INDICATORS.get(m.group("what")),
                "EconomicFigure",
                rank,
            )
        )
        taken.append(m.span())
    found.sort(key=lambda f: f.start)
    return found
