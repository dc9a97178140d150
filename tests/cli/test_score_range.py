"""The score card gives the range of totals and bands when a component is not known exactly."""

from __future__ import annotations

import json

from typer.testing import CliRunner

import spinemet.cli.score_cmd  # noqa: F401 - registers the command
from spinemet.cli.app import app

PATIENT = ["katagiri_primary_growth=rapid", "katagiri_visceral=none", "ecog=3", "previous_chemotherapy=yes",
           "multiple_skeletal_mets=no", "crp_mg_dl=0.1"]


def test_card_shows_range_not_a_single_total() -> None:
    # rapid 3 + ECOG 3-4 1 + chemotherapy 1 = 5 with a normal tier; a critical tier (missing platelets,
    # calcium, bilirubin) would make it 7 (Katagiri 2014)
    result = CliRunner().invoke(app, ["score", "--patient", *PATIENT])
    assert result.exit_code == 0, result.output
    assert "New Katagiri score: 5\u20137 (not exact), band intermediate or high" in result.output
    as_json = CliRunner().invoke(app, ["score", "--patient", *PATIENT, "--json"])
    card = json.loads(as_json.stdout)
    kat = card["scores"]["katagiri"]
    assert kat["total_range"] == [5, 7] and kat["possible_bands"] == ["intermediate", "high"]
