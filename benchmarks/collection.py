"""A synthetic collection: the ministry's ~600 country pages, made from the seed page.

`write_collection(folder, pages=600)` writes a whole project into `folder` (the seed's
ontology, shapes, rules, canned queries and reference tables, and under `graph/` one
`.txt`, `.ttl` and `.enrichment.ttl` per page). Each page is the seed page with its
resources renamed, as `benchmarks/reasoning.py` renames them, but only those a page owns:

- shared by every page: France, Paris and the other French cities and venues, the French
  offices, ministry, persons and their terms, the regions, the summit at The Hague, the
  reference tables, the ontology's own resources;
- shared by the editions of one partner country (`--countries`, default 200, so about three
  editions each, as a page is rewritten every few years): the partner country
  (`kazakhstan-c017`), its cities, offices, office holders, government, universities, the
  embassy and its seats, the bilateral bodies and city pairs;
- owned by one page (`...-p0421`): its events, agreements, figures, holdings, programmes,
  seasons, its document record.

The texts are the seed's, byte for byte: every quote and every mention of a French label
still stands in its page, so every page passes the build's checks (evidence per statement,
SHACL) as the seed does. Which country and year each page gets is drawn with a seeded
generator, so the same arguments give the same files.

Run: `.venv/bin/python benchmarks/collection.py OUT [--pages 600] [--countries 200]
[--build]`; with `--build` it also builds the collection and prints its quad count.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEED = "france-kazakhstan-2015"
YEARS = (2009, 2012, 2015)

# Shared by every page (the seed's slugs).
GLOBAL = frozenset(
    [
        "france",
        "paris",
        "europe",
        "north-america",
        "central-asia",
        "afghanistan",
        "netherlands",
        "the-hague",
        "rennes",
        "lyon",
        "marseille",
        "nice",
        "cannes",
        "opera-bastille",
        "palais-des-congres",
        "place-du-palais-royal",
        "ministry-foreign-affairs-france",
        "ena",
        "alliances-francaises",
        "french-companies",
        "french-higher-education-institutions",
        "pres-sorbonne-paris-cite",
        "orchestre-national-de-lille",
        "ballet-preljocaj",
        "patricia-kaas",
        "marek-halter",
        "soros-foundation",
        "nuclear-security-summit-2014",
        "francois-hollande",
        "francois-mitterrand",
        "laurent-fabius",
        "jean-marc-ayrault",
        "jean-yves-le-drian",
        "manuel-valls",
        "matthias-fekl",
        "nicole-bricq",
        "yamina-benguigui",
        "reference-actors",
        "reference-countries",
        "reference-office-holders",
        "reference-places",
        "reference-wikidata",
    ]
)
# Shared by the editions of one partner country.
PARTNER = frozenset(
    [
        "kazakhstan",
        "astana",
        "almaty",
        "atyrau",
        "oskemen",
        "chymkent",
        "south-kazakhstan",
        "chymkent-aerodrome",
        "government-kazakhstan",
        "erlan-idrissov",
        "nursultan-nazarbayev",
        "karim-massimov",
        "serik-akhmetov",
        "embassy-france-kazakhstan",
        "embassy-office-almaty",
        "consulate-general-almaty",
        "seat-embassy-almaty",
        "seat-embassy-astana",
        "abai-university",
        "academy-public-administration",
        "nazarbayev-university",
        "kazakh-universities",
        "kazakh-higher-education-institutions",
        "astana-ballet",
        "astana-opera",
        "bolashak-foundation",
        "bolashak-programme",
        "presidential-commission",
        "business-council",
        "joint-commission-economic-cooperation",
        "strategic-partnership",
        "city-pair-almaty-rennes",
        "city-pair-atyrau-marseille",
        "city-pair-oskemen-lyon",
        "military-transit-route",
    ]
)
# Partner-scoped by their slug: the partner's offices, office terms and Wikidata links.
_PARTNER_PATTERN = re.compile(r"(^office-.*-kazakhstan$|^term-.*-kazakhstan(-\d+)?$)")
_WIKIDATA = "wikidata-match-"
_RES_TOKEN = re.compile(r"\bres:([A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?)")
_RES_IRI = re.compile(r"<https://w3id\.org/diplokg/resource/([^>]+)>")


def scope(slug: str, ontology_slugs: frozenset[str]) -> str:
    """Who shares the resource `slug`: "global", "partner" or "page"."""
    if slug in ontology_slugs or slug in GLOBAL:
        return "global"
    if slug.startswith(_WIKIDATA):
        return scope(slug[len(_WIKIDATA) :], ontology_slugs)
    if slug in PARTNER or _PARTNER_PATTERN.match(slug):
        return "partner"
    if slug.startswith(("office-", "term-")):
        return "global"  # the French offices and their holders' terms
    return "page"


def _ontology_slugs() -> frozenset[str]:
    text = (REPO / "ontology" / "diplokg.ttl").read_text(encoding="utf-8")
    return frozenset(m.group(1) for m in _RES_TOKEN.finditer(text))


def rename_turtle(text: str, page: int, country: int, ontology_slugs: frozenset[str]) -> str:
    """The seed's Turtle with the resources of `page` and of its partner `country` renamed."""

    def new(slug: str) -> str:
        kind = scope(slug, ontology_slugs)
        if kind == "partner":
            return f"{slug}-c{country:03d}"
        if kind == "page":
            return f"{slug}-p{page:04d}"
        return slug

    text = _RES_TOKEN.sub(lambda m: f"res:{new(m.group(1))}", text)
    return _RES_IRI.sub(lambda m: f"<https://w3id.org/diplokg/resource/{new(m.group(1))}>", text)


def page_plan(pages: int, countries: int, seed: int) -> list[tuple[str, int, int]]:
    """(document name, page number, partner country) of every page, drawn with `seed`."""
    slots = [(country, year) for year in YEARS for country in range(countries)]
    while len(slots) < pages:
        slots += [(c, y + 3 * (len(slots) // (countries * len(YEARS)))) for c, y in slots]
    rng = random.Random(seed)
    chosen = rng.sample(slots, pages) if pages < len(slots) else slots[:pages]
    return [
        (f"france-country-{country:03d}-{year}", page, country)
        for page, (country, year) in enumerate(sorted(chosen))
    ]


def refresh_shared(folder: Path) -> None:
    """Make the project's ontology/ and queries/ the checkout's, file for file (a file the
    checkout no longer has is removed): a collection written earlier keeps its pages, but is
    built and queried with the code's own ontology and canned queries (once, a collection kept
    since before a canned query's default changed was benchmarked with the old query)."""
    for part in ("ontology", "queries"):
        source, target = REPO / part, folder / part
        wanted = {f.relative_to(source) for f in source.rglob("*") if f.is_file()}
        if target.exists():
            for kept in [f for f in target.rglob("*") if f.is_file()]:
                if kept.relative_to(target) not in wanted:
                    kept.unlink()
        for name in sorted(wanted):  # only what differs is written: a build sees no change else
            dest = target / name
            if not dest.is_file() or dest.read_bytes() != (source / name).read_bytes():
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source / name, dest)


def write_collection(folder: Path, pages: int = 600, countries: int = 200, seed: int = 16) -> Path:
    """Write the synthetic project into `folder` (replacing its graph/); return `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    refresh_shared(folder)
    graph = folder / "graph"
    if graph.exists():
        shutil.rmtree(graph)
    shutil.copytree(REPO / "graph" / "reference", graph / "reference")
    ontology_slugs = _ontology_slugs()
    seed_dir = REPO / "graph"
    text = (seed_dir / f"{SEED}.txt").read_bytes()
    facts = (seed_dir / f"{SEED}.ttl").read_text(encoding="utf-8")
    enrichment = (seed_dir / f"{SEED}.enrichment.ttl").read_text(encoding="utf-8")
    for name, page, country in page_plan(pages, countries, seed):
        (graph / f"{name}.txt").write_bytes(text)
        own = rename_turtle(facts, page, country, ontology_slugs)
        own = own.replace(f'dkg:sourceFile "{SEED}.txt"', f'dkg:sourceFile "{name}.txt"')
        (graph / f"{name}.ttl").write_text(own, encoding="utf-8")
        (graph / f"{name}.enrichment.ttl").write_text(
            rename_turtle(enrichment, page, country, ontology_slugs), encoding="utf-8"
        )
    return folder


def quad_count(dist: Path) -> int:
    """The quads of a built collection (lines of its dataset.nq)."""
    with (dist / "dataset.nq").open("rb") as handle:
        return sum(1 for _ in handle)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--pages", type=int, default=600)
    parser.add_argument("--countries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--build", action="store_true", help="build it and count its quads")
    args = parser.parse_args()
    started = time.perf_counter()
    write_collection(args.folder, args.pages, args.countries, args.seed)
    print(f"wrote {args.pages} pages into {args.folder} ({time.perf_counter() - started:.1f} s)")
    if args.build:
        env_root = {"DIPLOKG_ROOT": str(args.folder.resolve())}
        subprocess.run(
            [sys.executable, "-m", "diplokg.cli", "build", "--force"],
            env={**os.environ, **env_root},
            check=True,
        )
        print(f"{quad_count(args.folder / 'dist'):,} quads in {args.folder / 'dist'}")


if __name__ == "__main__":
    main()
