"""SINS: expected points and bands are Fisher 2010 Table 1 as tabulated in scores.md §2."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinemet.scores import sins, sins_band

from .conftest import raises_invalid

LOCATION = {"junctional": 3, "mobile": 2, "semirigid": 1, "rigid": 0}
PAIN = {"mechanical": 3, "occasional": 1, "none": 0}
LESION = {"lytic": 2, "mixed": 1, "blastic": 0}
ALIGNMENT = {"subluxation": 4, "deformity": 2, "normal": 0}
COLLAPSE = {"over50": 3, "under50": 2, "involved_no_collapse": 1, "none": 0}
POSTEROLATERAL = {"bilateral": 3, "unilateral": 1, "none": 0}
TABLES = {
    "sins_location": LOCATION,
    "sins_pain": PAIN,
    "sins_lesion": LESION,
    "sins_alignment": ALIGNMENT,
    "sins_collapse": COLLAPSE,
    "sins_posterolateral": POSTEROLATERAL,
}
ZERO = {
    "sins_location": "rigid",
    "sins_pain": "none",
    "sins_lesion": "blastic",
    "sins_alignment": "normal",
    "sins_collapse": "none",
    "sins_posterolateral": "none",
}

# Fisher 2010 location groups; occiput-C2 -> C1, C2 in the vocabulary.
LEVEL_GROUPS = {
    "junctional": ["C1", "C2", "C7", "T1", "T2", "T11", "T12", "L1", "L5", "S1"],
    "mobile": ["C3", "C4", "C5", "C6", "L2", "L3", "L4"],
    "semirigid": ["T3", "T4", "T5", "T6", "T7", "T8", "T9", "T10"],
    "rigid": ["S2", "S3", "S4", "S5"],
}


@pytest.mark.parametrize(
    ("field", "code", "points"), [(f, c, p) for f, table in TABLES.items() for c, p in table.items()]
)
def test_every_component_value(field, code, points):
    r = sins(**{**ZERO, field: code})
    assert r.total == points
    assert sum(c.points for c in r.components) == points
    assert r.version == "Fisher 2010"
    assert "Spine 2010;35:E1221" in r.citation


@pytest.mark.parametrize(("level", "group"), [(lv, g) for g, levels in LEVEL_GROUPS.items() for lv in levels])
def test_location_derived_from_main_level(level, group):
    args = {k: v for k, v in ZERO.items() if k != "sins_location"}
    r = sins(**args, main_level=level)
    location = r.components[0]
    assert location.category == group
    assert location.points == LOCATION[group]
    assert location.derived_from == "main_level"
    assert r.total == LOCATION[group]


def test_all_29_levels_are_grouped():
    assert sum(len(v) for v in LEVEL_GROUPS.values()) == 29


def test_explicit_location_wins_and_a_disagreement_is_noted():
    r = sins(**{**ZERO, "sins_location": "mobile"}, main_level="T6")
    assert r.components[0].points == 2
    assert r.components[0].derived_from is None
    assert any("differs" in n for n in r.notes)
    agree = sins(**{**ZERO, "sins_location": "semirigid"}, main_level="T6")
    assert agree.notes == ()


@pytest.mark.parametrize(
    ("total", "band"),
    [(0, "stable"), (6, "stable"), (7, "potentially_unstable"), (12, "potentially_unstable"),
     (13, "unstable"), (18, "unstable")],
)  # fmt: skip
def test_band_edges(total, band):
    assert sins_band(total) == band
    r = sins(total=total)
    assert r.band == band
    assert r.extra["surgical_consultation"] is (total >= 7)


def test_band_edges_from_components():
    six = sins(**{**ZERO, "sins_pain": "mechanical", "sins_collapse": "over50"})
    seven = sins(**{**ZERO, "sins_pain": "mechanical", "sins_collapse": "over50", "sins_lesion": "mixed"})
    twelve = sins(**{**ZERO, "sins_location": "junctional", "sins_pain": "mechanical",
                     "sins_collapse": "over50", "sins_posterolateral": "bilateral"})  # fmt: skip
    thirteen = sins(**{**ZERO, "sins_location": "junctional", "sins_pain": "mechanical",
                       "sins_collapse": "over50", "sins_posterolateral": "bilateral",
                       "sins_lesion": "mixed"})  # fmt: skip
    assert [(r.total, r.band) for r in (six, seven, twelve, thirteen)] == [
        (6, "stable"),
        (7, "potentially_unstable"),
        (12, "potentially_unstable"),
        (13, "unstable"),
    ]


def test_labels_follow_fisher_not_the_reversed_seed_paper():
    # Uei 2018 prints "0-6 instability ... 13-18 stability"; Fisher: 0-6 stable, 13-18 unstable.
    assert sins(total=3).band_label == "stable"
    assert sins(total=15).band_label.startswith("unstable")


def test_maximum():
    top = {f: max(t, key=t.get) for f, t in TABLES.items()}
    assert sins(**top).total == 18


def test_total_with_all_components_must_agree():
    raises_invalid(sins, **ZERO, total=1, field="sins", value=1, allowed="0")
    assert sins(**ZERO, total=0).total == 0


def test_total_only_range_checked():
    raises_invalid(sins, total=19, field="sins", value=19, allowed="integer 0-18")
    raises_invalid(sins, total=-1, field="sins", value=-1, allowed="integer 0-18")


def test_partial_without_total_names_first_missing():
    args = {k: v for k, v in ZERO.items() if k not in ("sins_location", "sins_lesion")}
    raises_invalid(sins, **args, field="sins_location", value=None, allowed="junctional")
    raises_invalid(sins, **args, main_level="L3", field="sins_lesion", value=None, allowed="lytic")


def test_partial_with_total():
    args = {k: v for k, v in ZERO.items() if k != "sins_alignment"}  # 0 present; alignment 0-4
    assert sins(**args, total=4).total == 4
    raises_invalid(sins, **args, total=5, field="sins", value=5, allowed="0-4")


@pytest.mark.parametrize(
    ("field", "value", "allowed"),
    [
        ("sins_location", "thoracic", "junctional, mobile, semirigid, rigid"),
        ("sins_pain", "severe", "mechanical, occasional, none"),
        ("sins_lesion", "sclerotic", "lytic, mixed, blastic"),
        ("sins_alignment", "kyphosis", "subluxation, deformity, normal"),
        ("sins_collapse", "50", "over50, under50, involved_no_collapse, none"),
        ("sins_posterolateral", 2, "bilateral, unilateral, none"),
        ("main_level", "T13", "C1..C7, T1..T12, L1..L5, S1..S5"),
        ("main_level", "C0", "C1..C7, T1..T12, L1..L5, S1..S5"),
    ],
)
def test_invalid_inputs(field, value, allowed):
    raises_invalid(sins, **{**ZERO, field: value}, field=field, value=value, allowed=allowed)


def test_case_and_whitespace():
    assert sins(**{**ZERO, "sins_pain": " Mechanical "}).total == 3
    args = {k: v for k, v in ZERO.items() if k != "sins_location"}
    assert sins(**args, main_level=" t12 ").total == 3


combos = st.fixed_dictionaries({f: st.sampled_from(sorted(t)) for f, t in TABLES.items()})


def _band(total: int) -> str:
    return "stable" if total <= 6 else "potentially_unstable" if total <= 12 else "unstable"


@settings(deadline=None)  # no timing assertions in the suite
@given(combos)
def test_property_total_band_total_only(lesion):
    r = sins(**lesion)
    assert r.total == sum(TABLES[f][v] for f, v in lesion.items())
    assert 0 <= r.total <= 18
    assert r.band == _band(r.total)
    assert sins(total=r.total).band == r.band
    assert sins(**lesion, total=r.total).total == r.total


@settings(deadline=None)  # no timing assertions in the suite
@given(combos, st.sampled_from(sorted(TABLES)), st.data())
def test_property_monotone(lesion, field, data):
    table = TABLES[field]
    worse = data.draw(st.sampled_from([c for c in table if table[c] >= table[lesion[field]]]))
    gain = sins(**{**lesion, field: worse}).total - sins(**lesion).total
    assert gain == table[worse] - table[lesion[field]] >= 0
