"""Shared helpers of the cohort tests: a valid study row and a writer of small CSV files."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest

# A valid row. Tokuhashi: KPS 60 (1) + 1 extraspinal focus (1) + 2 vertebral (1) + no visceral (2)
# + lung (0) + Frankel C (1) = 6. SINS: semirigid (T5) 1 + mechanical 3 + lytic 2 + normal 0 + <50% 2
# + unilateral 1 = 9 (Fisher 2010).
BASE: dict[str, str] = {
    "patient_id": "P001", "site": "A", "sex": "M", "age": "67", "surgery_date": "2015-03-02",
    "primary_tumor": "lung", "main_level": "T5", "kps": "60", "ecog": "2", "extraspinal_bone_mets": "1",
    "vertebral_mets": "2", "visceral_mets": "none", "tokuhashi": "6", "sins_location": "semirigid",
    "sins_pain": "mechanical", "sins_lesion": "lytic", "sins_alignment": "normal", "sins_collapse": "under50",
    "sins_posterolateral": "unilateral", "sins": "9", "escc": "2", "frankel_pre": "C", "frankel_post": "D2",
    "barthel_pre": "40", "barthel_post": "70", "vas_pre": "5", "vas_post": "1.5", "procedure": "mist",
    "levels_fused": "4", "operative_time_min": "180", "blood_loss_ml": "300", "complications": "",
    "chemotherapy": "yes", "radiotherapy": "yes", "bone_modifying_agent": "no", "discharge": "home",
    "survival_months": "12.5", "dead": "1",
}  # fmt: skip


def csv_text(rows: list[dict[str, str]], sep: str = ",", eol: str = "\n") -> str:
    """CSV text with the union of the rows' keys as header (BASE order first)."""
    names: list[str] = []
    for r in rows:
        names += [k for k in r if k not in names]
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, lineterminator=eol)
    writer.writerow(names)
    writer.writerows([[r.get(k, "") for k in names] for r in rows])
    return buf.getvalue()


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """Write rows (each BASE updated with the given changes) to a CSV file; returns its path."""

    def _write(*changes: dict[str, str | None], name: str = "cohort.csv", sep: str = ",") -> Path:
        rows = []
        for k, change in enumerate(changes):
            row = {**BASE, "patient_id": f"P{k + 1:03d}"}
            for key, value in change.items():
                if value is None:
                    row.pop(key, None)
                else:
                    row[key] = value
            rows.append(row)
        path = tmp_path / name
        path.write_text(csv_text(rows, sep=sep), encoding="utf-8")
        return path

    return _write
