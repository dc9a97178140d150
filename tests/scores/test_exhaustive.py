"""Exhaustive checks over every combination of point categories (expected points typed from scores.md).

Hypothesis samples; these loops enumerate every combination of categories (KPS, counts and the Tokuhashi
primary site by one representative per point group) so no combination of points is left untested.
"""

from __future__ import annotations

import itertools

from spinemet.scores import bauer, katagiri, modified_bauer, sins, tokuhashi, tomita

PRIMARY = {
    "lung": 0, "osteosarcoma": 0, "stomach": 0, "bladder": 0, "esophagus": 0, "pancreas": 0,
    "liver": 1, "gallbladder": 1, "unknown": 1,
    "other": 2, "myeloma": 2, "lymphoma": 2, "sarcoma": 2, "head_neck": 2, "colon": 2,
    "kidney": 3, "uterus": 3, "rectum": 4, "thyroid": 5, "breast": 5, "prostate": 5, "carcinoid": 5,
}  # fmt: skip


def test_tokuhashi_every_category_combination():
    kps = {30: 0, 60: 1, 90: 2}
    extraspinal = {4: 0, 2: 1, 0: 2}
    vertebral = {5: 0, 2: 1, 1: 2}
    visceral = {"unremovable": 0, "removable": 1, "none": 2}
    palsy = {"B": 0, "D2": 1, "E": 2}
    # one primary per point group (every code is checked in test_tokuhashi.py)
    primaries = ["lung", "liver", "other", "kidney", "rectum", "breast"]
    seen = set()
    for k, e, v, vi, p, f in itertools.product(kps, extraspinal, vertebral, visceral, primaries, palsy):
        r = tokuhashi(kps=k, extraspinal_bone_mets=e, vertebral_mets=v, visceral_mets=vi, primary_tumor=p,
                      frankel_pre=f)  # fmt: skip
        expected = kps[k] + extraspinal[e] + vertebral[v] + visceral[vi] + PRIMARY[p] + palsy[f]
        assert r.total == expected
        assert r.band == ("0-8" if expected <= 8 else "9-11" if expected <= 11 else "12-15")
        seen.add(expected)
    assert seen == set(range(16))


def test_sins_every_combination():
    tables = [
        {"junctional": 3, "mobile": 2, "semirigid": 1, "rigid": 0},
        {"mechanical": 3, "occasional": 1, "none": 0},
        {"lytic": 2, "mixed": 1, "blastic": 0},
        {"subluxation": 4, "deformity": 2, "normal": 0},
        {"over50": 3, "under50": 2, "involved_no_collapse": 1, "none": 0},
        {"bilateral": 3, "unilateral": 1, "none": 0},
    ]
    names = ["sins_location", "sins_pain", "sins_lesion", "sins_alignment", "sins_collapse",
             "sins_posterolateral"]  # fmt: skip
    seen = set()
    for combo in itertools.product(*tables):
        r = sins(**dict(zip(names, combo, strict=True)))
        expected = sum(t[c] for t, c in zip(tables, combo, strict=True))
        assert r.total == expected
        band = "stable" if expected <= 6 else "potentially_unstable" if expected <= 12 else "unstable"
        assert r.band == band
        seen.add(expected)
    assert seen == set(range(19))


def test_tomita_every_combination():
    growth = {"slow": 1, "moderate": 2, "rapid": 4}
    visceral = {"none": 0, "treatable": 2, "untreatable": 4}
    bone = {"solitary": 1, "multiple": 2}
    for g, v, b in itertools.product(growth, visceral, bone):
        r = tomita(tomita_primary_growth=g, tomita_visceral=v, tomita_bone_mets=b)
        assert r.total == growth[g] + visceral[v] + bone[b]


def test_katagiri_every_combination():
    growth = {"slow": 0, "moderate": 2, "rapid": 3}
    visceral = {"none": 0, "nodular": 1, "disseminated": 2}
    lab = {"normal": 0, "abnormal": 1, "critical": 2}
    ecog = {0: 0, 1: 0, 2: 0, 3: 1, 4: 1}
    yn = {"no": 0, "yes": 1}
    seen = set()
    for g, v, la, e, c, m in itertools.product(growth, visceral, lab, ecog, yn, yn):
        r = katagiri(katagiri_primary_growth=g, katagiri_visceral=v, katagiri_lab=la, ecog=e,
                     previous_chemotherapy=c, multiple_skeletal_mets=m)  # fmt: skip
        expected = growth[g] + visceral[v] + lab[la] + ecog[e] + yn[c] + yn[m]
        assert r.total == expected
        assert r.band == ("low" if expected <= 3 else "intermediate" if expected <= 6 else "high")
        seen.add(expected)
    assert seen == set(range(11))


def test_bauer_every_combination():
    favourable = {"breast", "kidney", "lymphoma", "myeloma"}
    for vis, primary, solitary, fracture in itertools.product(
        ("none", "removable", "unremovable"),
        [p for p in PRIMARY if p != "unknown"],
        ("yes", "no"),
        ("yes", "no"),
    ):
        m = modified_bauer(visceral_mets=vis, primary_tumor=primary, solitary_skeletal_met=solitary)
        expected = (vis == "none") + (primary != "lung") + (primary in favourable) + (solitary == "yes")
        assert m.total == expected
        assert m.band == ("0-1" if expected <= 1 else "2" if expected == 2 else "3-4")
        o = bauer(visceral_mets=vis, primary_tumor=primary, solitary_skeletal_met=solitary,
                  pathologic_fracture=fracture)  # fmt: skip
        assert o.total == expected + (fracture == "no")
        assert o.band == ("0-1" if o.total <= 1 else "2-3" if o.total <= 3 else "4-5")
