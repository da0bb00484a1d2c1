"""Write the synthetic participant directory of a cycle (the 2022 one has 910 people).

Every address is under the reserved ``.test`` domain, so that a rehearsal never mails a real
person. The output is the same on every run: names come from fixed lists, picked in order.

    python scripts/make_directory.py config/cycles/2022/participants.csv
    python scripts/make_directory.py config/cycles/scale/participants-38.csv --provinces all
    python scripts/make_directory.py config/cycles/scale/participants-kabkota.csv --regencies
"""

from __future__ import annotations

import argparse
import csv
import sys
import unicodedata
from itertools import cycle, islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.reference import all_provinces, all_regencies, default_desks, provinces_of_2022

GIVEN = (
    "Siti Ahmad Dewi Budi Rina Agus Nur Hendra Sri Joko Ratna Eko Yuni Bambang Fitri Rudi "
    "Lestari Wahyu Indah Dedi Maya Arif Wulan Taufik Ani Irfan Putri Hadi Sari Rizki Yanti "
    "Fajar Ayu Hasan Nining Yusuf Mega Andi Dian Made Ketut Wayan Nyoman Lukas Maria Yohanes "
    "Marthen Frans Elisabeth"
).split()
FAMILY = (
    "Rahmawati Santoso Wijaya Lubis Siregar Nasution Harahap Pohan Tanjung Saragih Simanjuntak "
    "Hutapea Sinaga Kurniawan Setiawan Hidayat Saputra Pratama Utami Permana Gunawan Hakim "
    "Syahputra Maulana Ramadhan Susanto Purnomo Wibowo Hartono Suryadi Mahendra Daeng Pattiasina "
    "Latuconsina Rumbiak Wenda Kambu Mandacan Manuhutu Pinontoan Lumban Sembiring Ginting"
).split()

PROVINCE_OFFICES = 20
"""Heads of provincial offices per province; each covers one or more desk urusan."""


def _names() -> list[str]:
    return [f"{g} {f}" for g, f in islice(zip(cycle(GIVEN), cycle(FAMILY)), 2000)]


def _local_part(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return ascii_name.lower().replace(" ", ".")


def build(province_codes: list[str], regencies: bool = False) -> list[dict[str, str]]:
    """``regencies``: the kabupaten/kota of those provinces take part, each with a small delegation."""
    names = cycle(_names())
    desks = list(default_desks())
    urusan = [d for d in desks if d.kind == "urusan"]
    kewilayahan = [d for d in desks if d.kind == "kewilayahan"]
    rows: list[dict[str, str]] = []

    def add(
        pid: str,
        role: str,
        org: str,
        domain: str,
        *,
        province: str = "",
        desk_codes: list[str] | None = None,
        zone: str = "Asia/Jakarta",
        language: str = "id",
        position: str = "",
        acting: str = "",
    ) -> None:
        name = next(names)
        # Signers carry a NIP (born, appointed, sex, number: 8 + 6 + 1 + 3 digits), the agreement
        # prints it; made up from their place in the list, the same on every run.
        n = len(rows)
        nip = (
            f"{1966 + n % 20}{n % 12 + 1:02d}{n % 28 + 1:02d}"
            f"{1990 + n % 25}{(n // 3) % 12 + 1:02d}{1 + n % 2}{n % 1000:03d}"
            if role in ("central_signer", "regional_signer") or position
            else ""
        )
        rows.append(
            {
                "id": pid,
                "name": name,
                "role": role,
                "organisation": org,
                "province": province,
                "desks": ";".join(desk_codes or []),
                "email": f"{_local_part(name)}@{domain}",
                "language": language,
                "zone": zone,
                "nip": nip,
                "position": position,
                "acting": acting,
            }
        )

    bangda = "bangda.kemendagri.test"
    # As in February 2022, the Director General's office is held by a Plt. (the source news item).
    add(
        "ORG-01",
        "central_signer",
        "Direktorat Perencanaan, Evaluasi dan Informasi Pembangunan Daerah, Ditjen Bina Bangda",
        bangda,
        position="Direktur Jenderal Bina Pembangunan Daerah",
        acting="Plt.",
    )
    for i in range(2, 9):
        add(f"ORG-{i:02d}", "organizer", "Sekretariat Rakortekrenbang, Ditjen Bina Bangda", bangda)
    for d in desks:
        add(
            f"FAC-{d.code}",
            "facilitator",
            "Ditjen Bina Pembangunan Daerah, Kemendagri",
            bangda,
            desk_codes=[d.code],
        )
    # In a province's own cycle its facilitators meet the kabupaten/kota: no ministry or
    # Bappenas official sits at those desks.
    for i in range(1, 1 if regencies else 13):
        add(
            f"BAP-{i:02d}",
            "bappenas",
            "Kementerian PPN/Bappenas",
            "bappenas.test",
            desk_codes=[kewilayahan[(i - 1) % len(kewilayahan)].code],
            language="en" if i % 6 == 0 else "id",
            # The first is named under "Mengetahui" in the 2022 agreements (cycle file).
            position="Direktur Regional I Kementerian PPN/Bappenas" if i == 1 else "",
        )
    for n, d in enumerate([] if regencies else desks):
        agency = "".join(w[0] for w in d.lead_agency.replace("/", " ").split() if w[0].isupper())
        for k in (1, 2):
            add(
                f"KL-{d.code}-{k}",
                "desk_official",
                d.lead_agency,
                f"{agency.lower()}.test",
                desk_codes=[d.code],
                language="en" if (n + k) % 17 == 0 else "id",
            )

    if regencies:
        chosen = set(province_codes)
        for r in all_regencies().values():
            if r.parent not in chosen:
                continue
            domain = f"bappeda.{_local_part(r.name).replace('.', '')}.test"
            org = f"Bappeda {r.name}"
            add(
                f"R{r.code}-KEPALA",
                "regional_signer",
                org,
                domain,
                province=r.code,
                zone=r.zone,
                position=f"Kepala Bappeda {r.name}",
            )
            add(
                f"R{r.code}-KOORD",
                "province_coordinator",
                org,
                domain,
                province=r.code,
                zone=r.zone,
                desk_codes=[d.code for d in kewilayahan],
            )
            add(f"R{r.code}-SEKR", "province_coordinator", org, domain, province=r.code, zone=r.zone)
        return rows

    provinces = all_provinces()
    for code in province_codes:
        p = provinces[code]
        slug = _local_part(p.name).replace(".", "")
        domain = f"{slug}.prov.test"
        org = f"Bappeda Provinsi {p.name}"
        add(
            f"P{code}-KEPALA",
            "regional_signer",
            org,
            domain,
            province=code,
            zone=p.zone,
            position=f"Kepala Bappeda Provinsi {p.name}",
        )
        add(
            f"P{code}-KOORD",
            "province_coordinator",
            org,
            domain,
            province=code,
            zone=p.zone,
            desk_codes=[d.code for d in kewilayahan],
        )
        add(f"P{code}-SEKR", "province_coordinator", org, domain, province=code, zone=p.zone)
        for i in range(PROVINCE_OFFICES):
            covered = [d.code for d in urusan[i::PROVINCE_OFFICES]]
            add(
                f"P{code}-OPD-{i + 1:02d}",
                "province_office",
                f"Perangkat Daerah Provinsi {p.name}",
                domain,
                province=code,
                zone=p.zone,
                desk_codes=covered,
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description="Write a cycle's synthetic participant directory")
    parser.add_argument("out", type=Path)
    parser.add_argument("--provinces", choices=["2022", "all"], default="2022")
    parser.add_argument("--regencies", action="store_true", help="kabupaten/kota of those provinces")
    args = parser.parse_args()
    codes = list(provinces_of_2022()) if args.provinces == "2022" else list(all_provinces())
    out = args.out
    rows = build(codes, regencies=args.regencies)
    with out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} participants written to {out}")


if __name__ == "__main__":
    main()
