"""Every country a page may name, in French: its names, its slug, and its adjective of nationality.

Names come from the Unicode CLDR as the `babel` package ships it (BSD-3-Clause; data under the
Unicode licence): the French name of every ISO 3166-1 territory ("Azerbaïdjan", "Viêt Nam",
"Côte d’Ivoire"), its English name for labels and slugs ("azerbaijan", "vietnam"). Each name is
also known without its accents and, for a name of two words, written as one ("Vietnam"); a name
with a parenthesis gives both readings ("Myanmar (Birmanie)": "Myanmar", "Birmanie"). Pages
write names with an article or an elision ("le Ghana", "l’Azerbaïdjan", "au Viêt Nam"); spaCy
splits those off, so the bare name is what is matched.

CLDR has no adjectives of nationality, and no library we know of ships them in French. They are
read by a derivation rule (`adjective_country`), with a small table of irregular forms
(`demonyms.tsv`, its source in its header) that wins over the rule:

1. fold the word (lowercase, accents off, "qu" read as "c", "ç" as "c") and take off the
   feminine and plural endings: "-nnes"/"-nne" → "-n", then "-es", "-e", "-s";
2. take off one suffix of nationality: -ais, -ois, -ien, -éen, -ain, -in, -an, -ite, -ol,
   "-lais" after a vowel ("togolais", "congolais");
3. the stem must equal the stem of exactly one country whose French name is one word, the name
   folded the same way less its final vowel or "-ie"/"-ia" ("Ghana" → "ghan", "Norvège" →
   "norveg", "Mexique" → "mexic"), or the name whole ("Japon" → "japon", "Viêt Nam" →
   "vietnam"); a name in "-stan" also gives its root ("Ouzbékistan" → "ouzbek"), which may stand
   for the adjective without a suffix ("ouzbek", "kazakh", "mongol" from "Mongolie").

Stems under three letters never match. A word the rule maps to two countries maps to none.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

DEMONYMS_FILE = Path(__file__).with_name("demonyms.tsv")
# CLDR codes that are not territories a page means by a name (groupings, the unknown region).
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB"})
# Letters NFKD leaves whole (a stroke or a ligature, not an accent): their usual transliteration.
_NOT_DECOMPOSED = str.maketrans(
    {
        "Đ": "D",
        "đ": "d",
        "Ø": "O",
        "ø": "o",
        "Ł": "L",
        "ł": "l",
        "Æ": "AE",
        "æ": "ae",
        "Œ": "OE",
        "œ": "oe",
        "ß": "ss",
        "Þ": "Th",
        "þ": "th",
        "Ð": "D",
        "ð": "d",
        "ı": "i",
        "Ħ": "H",
        "ħ": "h",
        "Ŧ": "T",
        "ŧ": "t",
        "’": "'",
    }
)
_SUFFIXES = ("lais", "ais", "ois", "ien", "een", "ain", "ite", "in", "an", "ol", "en")
_SHORT_SUFFIX_STEM = 4  # a two-letter suffix needs a longer stem ("malin" is not "malien")
_BARE_STEM = 6  # an adjective without a suffix: a stem this long ("argentin", "mongol")


def ascii_fold(words: str) -> str:
    """The words in ASCII: NFKD with the combining marks dropped, and the letters NFKD does not
    decompose transliterated ("Đ" → "D", "Ø" → "O", "œ" → "oe").

    >>> ascii_fold("Đặng Thị Hồng, Ørsted, cœur")
    'Dang Thi Hong, Orsted, coeur'
    """
    text = unicodedata.normalize("NFKD", words.translate(_NOT_DECOMPOSED))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.translate(_NOT_DECOMPOSED).encode("ascii", "ignore").decode()


def _fold(word: str) -> str:
    """Lowercase ASCII letters only, "qu" read as "c" (mexique/mexicain, belgique/belge)."""
    text = re.sub(r"[^a-z]", "", ascii_fold(word).lower())
    return text.replace("qu", "c")


@dataclass(frozen=True)
class CountryName:
    """One country: its slug, French and English names, ISO 3166-1 alpha-2 code, every form
    of its French name a page may write, and its irregular adjectives."""

    slug: str
    name_fr: str
    name_en: str
    code: str
    names: tuple[str, ...]
    adjectives: tuple[str, ...] = ()


@dataclass
class World:
    """The countries by slug, with the stems the adjective rule reads."""

    countries: dict[str, CountryName] = field(default_factory=dict)
    irregular: dict[str, str] = field(default_factory=dict)
    stems: dict[str, set[str]] = field(default_factory=dict)
    roots: dict[str, set[str]] = field(default_factory=dict)

    def adjective_country(self, word: str) -> str | None:
        """The country an adjective of nationality names, or None (module docstring).

        >>> world().adjective_country("ghanéennes"), world().adjective_country("azerbaïdjanais")
        ('ghana', 'azerbaijan')
        """
        key = word.lower().replace("’", "'").strip()
        if key in self.irregular:
            return self.irregular[key]
        # adjectives are written in lowercase: "Alger" or "Julien" are names, not adjectives
        if not word[:1].islower() or len(word) < 4:
            return None
        for base in _masculine(_fold(word)):
            found = set(self.roots.get(base, set()))
            if len(base) >= _BARE_STEM:
                found |= self.stems.get(base, set())
            for suffix in _SUFFIXES:  # the longest suffix that gives a stem wins
                if found:
                    break
                stem = base[: -len(suffix)]
                shortest = 3 if len(suffix) > 2 else _SHORT_SUFFIX_STEM
                if not base.endswith(suffix) or len(stem) < shortest:
                    continue
                if suffix == "lais" and not stem.endswith(("o", "a")):
                    continue
                found = set(self.stems.get(stem, set()))
            if found:
                return found.pop() if len(found) == 1 else None
        return None


def _masculine(folded: str) -> list[str]:
    """The word and its masculine singular readings, most specific first."""
    out = []
    if folded.endswith("nnes"):
        out.append(folded[:-3])
    if folded.endswith("nne"):
        out.append(folded[:-2])
    if folded.endswith("es"):
        out.append(folded[:-2])
    if folded.endswith(("e", "s")):
        out.append(folded[:-1])
    out.append(folded)
    return out


def _name_forms(name: str) -> list[str]:
    """A CLDR name and the forms a page may write it in (module docstring)."""
    forms = [name]
    inner = re.match(r"^(.*?)\s*\((.+)\)$", name)
    if inner:
        forms = [inner.group(1), inner.group(2)]
    out: list[str] = []
    for form in forms:
        folded = ascii_fold(form)
        out += [form, folded]
        if len(form.split()) == 2 and "-" not in form:
            out.append(folded.replace(" ", ""))
    return list(dict.fromkeys(f for f in out if f))


def _slug(words: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", ascii_fold(words.replace("&", "and")).lower()).strip("-")


def _stems(name_fr: str) -> tuple[set[str], set[str]]:
    """The stems of a one-word French name, and its roots in "-stan" (module docstring)."""
    words = re.split(r"[\s\-]", name_fr)
    # one word, or two capitalised words read as one ("Viêt Nam" → "vietnam")
    if len(words) > 2 or (len(words) == 2 and not (words[1][:1].isupper() and " " in name_fr)):
        return set(), set()
    folded = _fold(name_fr)
    stems = {folded}
    for ending in ("ie", "ia", "e", "a", "i", "o", "u"):
        if folded.endswith(ending) and len(folded) - len(ending) >= 3:
            stems.add(folded[: -len(ending)])
    roots = set()
    for ending in ("istan", "stan", "ie"):
        if folded.endswith(ending) and len(folded) - len(ending) >= 5:
            roots.add(folded[: -len(ending)])
    return stems, roots


def read_irregular(path: Path = DEMONYMS_FILE) -> list[tuple[str, str]]:
    """(adjective, country slug) rows of demonyms.tsv; comment lines start with #."""
    rows = []
    with path.open(encoding="utf-8") as handle:
        lines = (line for line in handle if line.strip() and not line.startswith("#"))
        for cols in csv.reader(lines, delimiter="\t"):
            slug, forms = cols[0], cols[1]
            rows += [(form, slug) for form in forms.split("|") if form]
    return rows


# The countries our drafts know by their cities and adjectives (read by the gazetteer too).
COUNTRIES_FILE = Path(__file__).with_name("countries.tsv")


@dataclass
class Country:
    """One row of countries.tsv."""

    slug: str
    name_fr: str
    name_en: str
    adjectives: tuple[str, ...]
    capital: tuple[str, str] | None
    cities: tuple[tuple[str, str], ...]


def read_countries(path: Path = COUNTRIES_FILE) -> list[Country]:
    """The rows of countries.tsv (comment lines start with #)."""
    rows = []
    with path.open(encoding="utf-8") as handle:
        lines = (line for line in handle if not line.startswith("#"))
        for cols in csv.reader(lines, delimiter="\t"):
            if not cols:
                continue
            slug, fr, en, adjectives, capital, cities = (cols + [""] * 6)[:6]
            cap = tuple(capital.split("|", 1)) if capital else None
            rows.append(
                Country(
                    slug,
                    fr,
                    en,
                    tuple(a for a in adjectives.split("|") if a),
                    (cap[0], cap[1]) if cap and len(cap) == 2 else None,
                    tuple((c.split("|")[0], c.split("|")[-1]) for c in cities.split(";") if c),
                )
            )
    return rows


@cache
def world() -> World:
    """Every CLDR territory that is a country or a territory of its own, by slug.

    A country of `countries.tsv` keeps the slug written there ("Côte d’Ivoire" → "ivory-coast",
    "Turquie" → "turkey"), matched on its French name, so that existing IRIs stay stable; its
    adjectives there count as irregular forms.
    """
    from babel import Locale

    fr, en = Locale("fr").territories, Locale("en").territories
    table = read_countries()
    by_name = {_fold(row.name_fr): row.slug for row in table}
    out = World()
    for code, name_fr in sorted(fr.items()):
        if len(code) != 2 or not code.isalpha() or code in _NOT_COUNTRIES:
            continue
        name_en = en.get(code, name_fr)
        slug = by_name.get(_fold(name_fr)) or _slug(re.sub(r"\s*\(.*\)$", "", name_en))
        out.countries[slug] = CountryName(
            slug, re.sub(r"\s*\(.*\)$", "", name_fr), name_en, code, tuple(_name_forms(name_fr))
        )
        stems, roots = _stems(name_fr)
        for stem in stems:
            out.stems.setdefault(stem, set()).add(slug)
        for root in roots:
            out.roots.setdefault(root, set()).add(slug)
    for row in table:
        for adjective in row.adjectives:
            out.irregular.setdefault(adjective.lower(), row.slug)
    for form, slug in read_irregular():
        if slug in out.countries:
            out.irregular.setdefault(form.lower().replace("’", "'"), slug)
    return out
