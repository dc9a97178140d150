"""KPS, ECOG and VAS (scores.md §6): validation and the conventional, approximate crosswalk."""

from __future__ import annotations

import pytest

from spinemet.scores import ecog, ecog_to_kps, kps, kps_to_ecog, vas

from .conftest import raises_invalid

CROSSWALK = {100: 0, 90: 0, 80: 1, 70: 1, 60: 2, 50: 2, 40: 3, 30: 3, 20: 4, 10: 4, 0: 5}
BUCCHERI = {0: 90, 1: 80, 2: 60, 3: 40, 4: 20, 5: 0}


@pytest.mark.parametrize(("k", "e"), CROSSWALK.items())
def test_kps_to_ecog(k, e):
    assert kps_to_ecog(k) == e
    assert kps_to_ecog(str(k)) == e


@pytest.mark.parametrize(("e", "k"), BUCCHERI.items())
def test_ecog_to_kps_round_trips(e, k):
    assert ecog_to_kps(e) == k
    assert kps_to_ecog(ecog_to_kps(e)) == e


@pytest.mark.parametrize("bad", [5, 75, 105, -10, "high", True, 70.5])
def test_invalid_kps(bad):
    raises_invalid(kps_to_ecog, bad, field="kps", value=bad, allowed="0-100 in steps of 10")


def test_kps_zero_only_when_meaningful():
    assert kps(0) == 0
    raises_invalid(kps, 0, allow_zero=False, field="kps", value=0, allowed="10-100 in steps of 10")


@pytest.mark.parametrize("bad", [6, -1, 2.5, "x"])
def test_invalid_ecog(bad):
    raises_invalid(ecog_to_kps, bad, field="ecog", value=bad, allowed="integer 0-5")
    assert ecog(" 3 ") == 3


@pytest.mark.parametrize(("value", "expected"), [(0, 0.0), (10, 10.0), (4.6, 4.6), ("7.5", 7.5)])
def test_vas(value, expected):
    assert vas(value) == expected


@pytest.mark.parametrize("bad", [-0.1, 10.5, "ten", float("inf"), True])
def test_invalid_vas(bad):
    raises_invalid(vas, bad, field="vas", value=bad, allowed="number 0-10")


def test_vas_missing():
    raises_invalid(vas, None, field="vas", value=None, allowed="number 0-10")
    raises_invalid(vas, float("nan"), field="vas", value=float("nan"), allowed="number 0-10")
