"""Generate the bundled synthetic demo cohort (55 patients) from the seed study's published figures.

Source: Uei H, Tokuhashi Y, et al. J Orthop Surg Res 2018;13:17 (``/work/shared/seed``): Table 1
(baseline), Table 3 (modified Frankel before -> after surgery), Table 4 (operation), Table 5 (outcomes)
and the Results text. No real patient is behind any row: every value is constructed so that the
cohort's summary statistics reproduce the paper's (see ``docs/demo-cohort.md`` for what is exact,
what is approximate and how the paper's contradictions were resolved).

The construction is deterministic: explicit clinical roles (primary, Tokuhashi band, Frankel
transition, discharge) are laid out by hand from the paper's tables, the remaining values are drawn
from ``numpy.random.default_rng(SEED)`` and then nudged, in a fixed order, until every published sum
is met. Running ``python tools/make_demo_cohort.py`` rewrites
``src/spinemet/cohort/data/demo_cohort.csv`` byte for byte.

Only numpy and the standard library are used.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

SEED = 20180117  # J Orthop Surg Res 2018;13:17
N = 55
OUT = Path(__file__).resolve().parents[1] / "src" / "spinemet" / "cohort" / "data" / "demo_cohort.csv"

# --- published targets (sums that round to the printed means) -------------------------------------
AGE_SUM = 3674  # mean 66.8 (Table 1)
TOKUHASHI_SUM = 390  # mean 7.09 -> 7.1 (Results)
SINS_SUM = 517  # mean 9.40 (Results)
VAS_PRE_SUM = 253  # mean 4.60 (Table 1)
VAS_POST_SUM = 49  # mean 0.89 -> 0.9 (Table 5)
LEVELS_SUM = 302  # mean 5.49 -> 5.5 (Table 4)
OPTIME_SUM = 11055  # mean 201.0 (Table 4)
BLOOD_SUM = 26070  # mean 474.0 (Table 4)
# Barthel by Tokuhashi band (0-8, 9-11, 12-15): the paper's 47.5/52.5/48.0 (pre) and 65.9/98.5/92.0
# (post) are not all reachable with step-5 values and n = 40/9/6 while the overall means 48.7 and 74.5
# hold; these sums minimise the largest deviation of the band means (docs/demo-cohort.md).
BARTHEL_PRE_BAND_SUMS = (1915, 475, 290)  # 47.875, 52.78, 48.33; overall 2680/55 = 48.73
BARTHEL_POST_BAND_SUMS = (2655, 890, 550)  # 66.375, 98.89, 91.67; overall 4095/55 = 74.45
KM_TARGET = (11.97, 2.4, 21.5)  # median printed 12.0, SPSS 95% CI 2.4-21.5 (abstract, Results)
FOLLOW_UP_END = dt.date(2016, 4, 30)
DAYS_PER_MONTH = 30.4375

TOKUHASHI_PRIMARY = {
    "lung": 0, "liver": 1, "gallbladder": 1, "unknown": 1, "other": 2, "myeloma": 2, "lymphoma": 2,
    "sarcoma": 2, "kidney": 3, "thyroid": 5, "breast": 5, "prostate": 5,
}
PALSY = {"A": 0, "B": 0, "C": 1, "D1": 1, "D2": 1, "D3": 1, "E": 2}
FRANKEL_RANK = {"A": 0, "B": 1, "C": 2, "D1": 3, "D2": 4, "D3": 5, "E": 6}
RADIORESISTANT = {"kidney", "thyroid"}  # the paper withholds RT from these (Methods, Discussion)

# --- explicit roles -------------------------------------------------------------------------------
# (primary, Tokuhashi band 1|2|3, frankel_pre, frankel_post, discharge). Table 3 transitions, the
# discharge counts of Table 5 and the band sizes 40/9/6 are laid out here; see docs/demo-cohort.md.
H, P, D = "home", "hospice", "in_hospital_death"
# (primary, band, frankel_pre, frankel_post, discharge, barthel_pre, barthel_post); the Barthel values
# are plausible starting values for the grade, nudged by step 5 to the band sums in build_rows().
ROLES: list[tuple[str, int, str, str, str, int, int]] = [
    # band 12-15 (n = 6): all discharged home (Results: 100%)
    ("prostate", 3, "C", "E", H, 20, 90), ("prostate", 3, "C", "E", H, 25, 85),
    ("thyroid", 3, "D1", "E", H, 40, 100), ("thyroid", 3, "D1", "D3", H, 50, 80),
    ("breast", 3, "D3", "E", H, 70, 95), ("kidney", 3, "E", "E", H, 85, 100),
    # band 9-11 (n = 9): 6 home (Results: 6/9), 2 hospice, 1 in-hospital death
    ("prostate", 2, "C", "E", H, 20, 100), ("prostate", 2, "C", "D3", H, 30, 90),
    ("prostate", 2, "D1", "E", H, 45, 100), ("thyroid", 2, "D1", "D3", H, 50, 100),
    ("breast", 2, "D1", "D3", P, 50, 100), ("kidney", 2, "D3", "E", H, 70, 100),
    ("kidney", 2, "D3", "D3", D, 65, 100), ("myeloma", 2, "E", "E", H, 70, 100),
    ("lymphoma", 2, "E", "E", P, 75, 100),
    # band 0-8 (n = 40): 25 home, 9 hospice, 6 in-hospital deaths (3 of them early deaths)
    ("liver", 1, "D1", "E", H, 30, 95),  # the Fig. 1 patient (index 15)
    ("lung", 1, "A", "A", D, 0, 0), ("lung", 1, "B", "A", D, 10, 5),  # early deaths (16-18)
    ("liver", 1, "C", "C", D, 20, 15),
    ("gallbladder", 1, "A", "A", D, 0, 10), ("lung", 1, "C", "B", D, 15, 20),
    ("liver", 1, "C", "C", D, 25, 20),
    ("lung", 1, "C", "C", P, 20, 30), ("liver", 1, "C", "C", P, 30, 30),
    ("unknown", 1, "C", "C", P, 30, 35), ("other", 1, "C", "C", P, 25, 35),
    ("lung", 1, "D3", "C", P, 60, 40), ("liver", 1, "C", "D1", P, 35, 50),
    ("gallbladder", 1, "D1", "D1", P, 45, 55), ("lung", 1, "D2", "D2", P, 50, 55),
    ("liver", 1, "E", "D3", P, 85, 60),
    ("lung", 1, "C", "C", H, 25, 60), ("myeloma", 1, "C", "D1", H, 35, 65),
    ("lymphoma", 1, "C", "D1", H, 30, 60), ("other", 1, "C", "D2", H, 35, 70),
    ("lung", 1, "C", "E", H, 35, 90), ("myeloma", 1, "C", "E", H, 40, 85),
    ("sarcoma", 1, "C", "E", H, 40, 95), ("liver", 1, "D1", "D1", H, 45, 60),
    ("lung", 1, "D1", "D2", H, 45, 70), ("myeloma", 1, "D1", "D2", H, 50, 75),
    ("other", 1, "D1", "D2", H, 45, 70), ("prostate", 1, "D1", "D2", H, 50, 70),
    ("liver", 1, "D1", "D3", H, 55, 80), ("lymphoma", 1, "D1", "D3", H, 50, 85),
    ("lung", 1, "D1", "E", H, 55, 95), ("liver", 1, "D3", "D3", H, 65, 85),
    ("myeloma", 1, "D3", "D3", H, 60, 80), ("other", 1, "D3", "D3", H, 70, 90),
    ("gallbladder", 1, "D3", "E", H, 70, 100), ("sarcoma", 1, "D3", "E", H, 75, 100),
    ("thyroid", 1, "D3", "E", H, 75, 100), ("lung", 1, "E", "E", H, 100, 100),
    ("kidney", 1, "E", "E", H, 90, 100), ("other", 1, "E", "E", H, 85, 100),
]
FIG1 = 15
EARLY_DEATHS = (16, 17, 18)
# plausible Barthel ranges for a modified Frankel grade (before / highest after surgery)
BARTHEL_RANGE = {"A": (0, 10), "B": (0, 20), "C": (10, 60), "D1": (25, 85), "D2": (35, 90),
                 "D3": (50, 100), "E": (60, 100)}


def _check(cond: bool, what: str) -> None:
    if not cond:
        raise AssertionError(f"demo cohort construction failed: {what}")


# --- survival: SPSS Kaplan-Meier median and its CI ------------------------------------------------
def km_spss(time: Sequence[float], event: Sequence[int]) -> tuple[float, float, float]:
    """SPSS's KM median and 95% CI (median +- 1.96 SE; /work/shared/reference/spss-km/README.md)."""
    t = np.asarray(time, float)
    e = np.asarray(event, int)
    times, d = np.unique(t[e == 1], return_counts=True)
    n = len(t) - np.searchsorted(np.sort(t), times, side="left")
    surv_a = np.cumprod(1 - d / n)
    with np.errstate(divide="ignore"):
        var_sum = np.cumsum(d / (n * (n - d)))
    tol = 1e-10
    if not (surv_a <= 0.5 + tol).any():
        raise ValueError("median not reached")
    idx = int(np.argmax(surv_a <= 0.5 + tol))
    median = float(times[idx])
    se_s = surv_a[idx] * np.sqrt(var_sum[idx])
    upper_i = np.nonzero(surv_a >= 0.55 - tol)[0][-1]
    lower_i = np.nonzero(surv_a <= 0.45 + tol)[0][0]
    f = (surv_a[upper_i] - surv_a[lower_i]) / (times[lower_i] - times[upper_i])
    se = se_s / f
    return median, median - 1.96 * se, median + 1.96 * se


def _build_survival(rng: np.random.Generator) -> tuple[list[float], list[int]]:
    """Survival months and death flag for each role (deterministic search for the SPSS CI)."""
    fixed: dict[int, tuple[float, int]] = {}
    primaries = [r[0] for r in ROLES]
    myeloma = [i for i, p in enumerate(primaries) if p == "myeloma"]
    for i, m in zip(myeloma, (11.0, 4.0, 5.0, 8.0, 30.0), strict=True):  # censored 4-30, mean 11.6
        fixed[i] = (m, 0)
    sarcoma = [i for i, p in enumerate(primaries) if p == "sarcoma"]
    for i, m in zip(sarcoma, (10.0, 15.0), strict=True):  # died at 10 and 15 months (Results)
        fixed[i] = (m, 1)
    for i, m in zip(EARLY_DEATHS, (0.33, 0.56, 0.82), strict=True):  # death within 30 days
        fixed[i] = (m, 1)

    def draw(r: np.random.Generator) -> tuple[list[float], list[int]]:
        time, dead = [0.0] * N, [0] * N
        for i, (_prim, band, _fp, _fpost, dis, _b0, _b1) in enumerate(ROLES):
            if i in fixed:
                time[i], dead[i] = fixed[i]
                continue
            if dis == D:
                time[i], dead[i] = float(r.uniform(1.1, 3.5)), 1
            elif dis == P:
                time[i], dead[i] = float(r.uniform(1.5, 9.0)), 1
            elif band == 3:
                alive = r.random() < 0.7
                time[i], dead[i] = float(r.uniform(12, 48) if alive else r.uniform(18, 36)), int(not alive)
            elif band == 2:
                alive = r.random() < 0.5
                time[i], dead[i] = float(r.uniform(10, 45) if alive else r.uniform(8, 30)), int(not alive)
            else:
                alive = r.random() < 0.25
                time[i], dead[i] = float(r.uniform(12, 40) if alive else r.uniform(2.0, 30)), int(not alive)
        time = [round(x, 2) for x in time]
        return time, dead

    target_m, target_lo, target_hi = KM_TARGET

    def loss(time: list[float], dead: list[int]) -> float:
        if len(set(time)) != N:
            return float("inf")
        try:
            med, lo, hi = km_spss(time, dead)
        except (IndexError, ValueError):
            return float("inf")
        if not np.isfinite(lo + hi):
            return float("inf")
        return abs(med - target_m) * 2 + abs(lo - target_lo) + abs(hi - target_hi)

    best: tuple[float, list[float], list[int]] | None = None
    for _ in range(2000):
        time, dead = draw(rng)
        cur = loss(time, dead)
        if best is None or cur < best[0]:
            best = (cur, time, dead)
    _check(best is not None, "no survival layout")
    assert best is not None
    cur, time, dead = best
    # local search: move one free death time at a time by a small step while the loss decreases
    free = [i for i in range(N) if i not in fixed and dead[i] == 1 and ROLES[i][4] == H]
    for _ in range(60):
        improved = False
        for i in free:
            for delta in (-1.0, -0.3, -0.1, -0.03, -0.01, 0.01, 0.03, 0.1, 0.3, 1.0):
                trial = list(time)
                trial[i] = round(trial[i] + delta, 2)
                if not 1.5 <= trial[i] <= 40:
                    continue
                new = loss(trial, dead)
                if new < cur - 1e-12:
                    cur, time, improved = new, trial, True
        if not improved:
            break
    return time, dead


# --- helpers ----------------------------------------------------------------------------------------
def _nudge_to_sum(
    values: list[int], target: int, step: int, ok: Callable[[int, int], bool], order: Sequence[int]
) -> None:
    """Move ``values`` towards ``target`` sum by +-step on the indices of ``order`` (cyclically)."""
    guard = 0
    while sum(values) != target:
        direction = step if sum(values) < target else -step
        moved = False
        for i in order:
            if sum(values) == target:
                break
            if ok(i, values[i] + direction):
                values[i] += direction
                moved = True
        guard += 1
        _check(moved and guard < 1000, f"cannot reach sum {target}")


def _nudge_to_sum_subset(
    values: list[int], idx: Sequence[int], target: int, ok: Callable[[int, int], bool]
) -> None:
    """Step-5 nudges on ``values[idx]`` until they sum to ``target`` (largest values move first)."""
    guard = 0
    while sum(values[i] for i in idx) != target:
        direction = 5 if sum(values[i] for i in idx) < target else -5
        order = sorted(idx, key=lambda i: (values[i] * (-1 if direction > 0 else 1), i))
        moved = False
        for i in order:
            if sum(values[j] for j in idx) == target:
                break
            if ok(i, values[i] + direction):
                values[i] += direction
                moved = True
        guard += 1
        _check(moved and guard < 100, f"cannot reach Barthel sum {target}")


BARTHEL_ITEMS = ("feeding", "bathing", "grooming", "dressing", "bowels", "bladder", "toilet", "transfers",
                 "mobility", "stairs")
# the order in which abilities return, one 5-point step at a time (20 steps = 100)
BARTHEL_STEPS = ("feeding", "bowels", "bladder", "grooming", "feeding", "bowels", "bladder", "transfers",
                 "dressing", "toilet", "transfers", "mobility", "dressing", "toilet", "transfers", "mobility",
                 "bathing", "mobility", "stairs", "stairs")
BARTHEL_MAX = {"feeding": 10, "bathing": 5, "grooming": 5, "dressing": 10, "bowels": 10, "bladder": 10,
               "toilet": 10, "transfers": 15, "mobility": 15, "stairs": 10}


def barthel_items(total: int, grade: str) -> dict[str, int]:
    """Ten Barthel items summing to ``total``, plausible for the modified Frankel ``grade``.

    A-C (not walking): mobility at most 5 (wheelchair), transfers at most 10, no stairs; A, B and D1
    (bowel/bladder dysfunction, Table 2): bowels and bladder at most 5; D1 stairs at most 5.
    """
    cap = dict(BARTHEL_MAX)
    if grade in ("A", "B", "C"):
        cap.update(mobility=5, transfers=10, stairs=0)
    if grade in ("A", "B", "D1"):
        cap.update(bowels=5, bladder=5)
    if grade == "D1":
        cap.update(stairs=5)
    items = dict.fromkeys(BARTHEL_ITEMS, 0)
    left = total
    for _ in range(2):
        for name in BARTHEL_STEPS:
            if left > 0 and items[name] + 5 <= cap[name]:
                items[name] += 5
                left -= 5
    _check(left == 0, f"Barthel {total} not reachable for Frankel {grade}")
    return items


def _kps_from_barthel(b: int) -> int:
    if b <= 15:
        return 30
    if b <= 30:
        return 40
    if b <= 45:
        return 50
    if b <= 60:
        return 60
    if b <= 75:
        return 70
    if b <= 90:
        return 80
    return 90


def _ecog(kps: int) -> int:
    return {100: 0, 90: 0, 80: 1, 70: 1, 60: 2, 50: 2, 40: 3, 30: 3, 20: 4, 10: 4}[kps]


def _kps_points(kps: int) -> int:
    return 0 if kps <= 40 else (1 if kps <= 70 else 2)


# --- main construction ------------------------------------------------------------------------------
def build_rows() -> list[dict[str, Any]]:
    """The 55 demo patients as dictionaries of cohort-format values (strings, ints, floats)."""
    rng = np.random.default_rng(SEED)
    _check(len(ROLES) == N, "role table size")
    prim = [r[0] for r in ROLES]
    band = [r[1] for r in ROLES]
    fpre = [r[2] for r in ROLES]
    fpost = [r[3] for r in ROLES]
    disc = [r[4] for r in ROLES]
    bpre = [r[5] for r in ROLES]
    bpost = [r[6] for r in ROLES]
    # Barthel index: nudge by 5 within the band to the band sums (0 and 100 kept for the ranges)
    frozen_b = {i for i in range(N) if bpre[i] in (0, 100) or bpost[i] in (0, 100)}
    worse = {i for i in range(N) if FRANKEL_RANK[fpost[i]] < FRANKEL_RANK[fpre[i]] or disc[i] == D}

    def pre_ok(i: int, v: int) -> bool:
        lo, hi = BARTHEL_RANGE[fpre[i]]
        return i not in frozen_b and lo <= v <= hi and (i in worse or v <= bpost[i])

    def post_ok(i: int, v: int) -> bool:
        lo, hi = BARTHEL_RANGE[fpost[i]]
        return (i not in frozen_b and lo <= v <= hi and (i in worse or v >= bpre[i])
                and (disc[i] != D or v <= 30 or band[i] > 1))

    for b, pre_sum, post_sum in zip((1, 2, 3), BARTHEL_PRE_BAND_SUMS, BARTHEL_POST_BAND_SUMS, strict=True):
        idx = [i for i in range(N) if band[i] == b]
        _nudge_to_sum_subset(bpre, idx, pre_sum, pre_ok)
        _nudge_to_sum_subset(bpost, idx, post_sum, post_ok)

    # sex: 37 M / 18 F (prostate M, breast F, Fig. 1 patient M)
    sex = ["M"] * N
    female_pool = [i for i in range(N) if prim[i] not in ("prostate",) and i != FIG1]
    forced_f = [i for i in range(N) if prim[i] == "breast"]
    thyroid_f = [i for i in range(N) if prim[i] == "thyroid"][:3]
    rest = [i for i in female_pool if i not in forced_f + thyroid_f]
    chosen = forced_f + thyroid_f + [int(x) for x in rng.choice(rest, 18 - 5, replace=False)]
    for i in chosen:
        sex[i] = "F"

    # age: mean 66.8, range 26-92 (Table 1); youngest = a sarcoma patient
    age = [int(np.clip(round(rng.normal(68, 10)), 40, 88)) for _ in range(N)]
    sarc = [i for i in range(N) if prim[i] == "sarcoma"]
    age[sarc[0]] = 26
    age[FIG1] = 64
    oldest = [i for i in range(N) if prim[i] == "prostate"][-1]
    age[oldest] = 92
    frozen_age = {sarc[0], FIG1, oldest}
    _nudge_to_sum(age, AGE_SUM, 1, lambda i, v: i not in frozen_age and 35 <= v <= 90,
                  [int(x) for x in rng.permutation(N)])

    # performance status from the Barthel index (plausible), Fig. 1 patient KPS 40 (see docs)
    kps = [_kps_from_barthel(b) for b in bpre]
    kps[FIG1] = 40

    # Tokuhashi components: primary and palsy are fixed by the role; KPS points from above; the other
    # three items (extraspinal foci, vertebral bodies, visceral) share the remainder.
    band_range = {1: (0, 8), 2: (9, 11), 3: (12, 15)}
    fixed_pts = [TOKUHASHI_PRIMARY[prim[i]] + PALSY[fpre[i]] + _kps_points(kps[i]) for i in range(N)]
    rest_pts = [0] * N
    for i in range(N):
        lo, hi = band_range[band[i]]
        lo_r, hi_r = max(0, lo - fixed_pts[i]), min(6, hi - fixed_pts[i])
        if lo_r > hi_r:  # KPS inconsistent with band: move KPS one group towards the band
            kps[i] = 70 if fixed_pts[i] + 6 < lo else 40
            fixed_pts[i] = TOKUHASHI_PRIMARY[prim[i]] + PALSY[fpre[i]] + _kps_points(kps[i])
            lo_r, hi_r = max(0, lo - fixed_pts[i]), min(6, hi - fixed_pts[i])
        _check(lo_r <= hi_r, f"Tokuhashi band infeasible for patient {i}")
        rest_pts[i] = int(rng.integers(lo_r, hi_r + 1))
    rest_pts[FIG1] = 1  # Fig. 1: Tokuhashi 3 = liver 1 + D1 1 + KPS 40 (0) + 1 more point

    def tok_ok(i: int, v: int) -> bool:
        lo, hi = band_range[band[i]]
        return i != FIG1 and 0 <= v <= 6 and lo <= fixed_pts[i] + v <= hi

    _nudge_to_sum(rest_pts, TOKUHASHI_SUM - sum(fixed_pts), 1, tok_ok, [int(x) for x in rng.permutation(N)])
    tok = [fixed_pts[i] + rest_pts[i] for i in range(N)]

    # split the remainder over extraspinal / vertebral / visceral (each 0-2 points)
    extra_pts, vert_pts, visc_pts = [0] * N, [0] * N, [0] * N
    for i in range(N):
        r = rest_pts[i]
        parts = [0, 0, 0]
        order = [int(x) for x in rng.permutation(3)]
        while r > 0:
            for k in order:
                if r > 0 and parts[k] < 2 and rng.random() < 0.7:
                    parts[k] += 1
                    r -= 1
        extra_pts[i], vert_pts[i], visc_pts[i] = parts
    extra_pts[FIG1], vert_pts[FIG1], visc_pts[FIG1] = 0, 1, 0  # L4 and L5 (Fig. 1 legend)
    extraspinal = [
        int(rng.integers(3, 8)) if p == 0 else (int(rng.integers(1, 3)) if p == 1 else 0) for p in extra_pts
    ]
    vertebral = [int(rng.integers(3, 7)) if p == 0 else (2 if p == 1 else 1) for p in vert_pts]
    vertebral[FIG1] = 2
    visceral = [("unremovable", "removable", "none")[p] for p in visc_pts]

    # main level: cervical 9, thoracic 32, lumbar 14 (Table 1); Fig. 1 L4
    regions = ["cervical"] * 9 + ["thoracic"] * 32 + ["lumbar"] * 13
    others = [i for i in range(N) if i != FIG1]
    perm = [int(x) for x in rng.permutation(others)]
    region = [""] * N
    region[FIG1] = "lumbar"
    for i, reg in zip(perm, regions, strict=True):
        region[i] = reg
    level_choices = {
        "cervical": ["C2", "C3", "C4", "C5", "C6", "C7"],
        "thoracic": ["T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9", "T10", "T11", "T12"],
        "lumbar": ["L1", "L2", "L3", "L4", "L5"],
    }
    level = [str(rng.choice(level_choices[region[i]])) for i in range(N)]
    level[FIG1] = "L4"

    # ESCC: 0 1, 1a 4, 1b 4, 1c 3, 2 23, 3 20 (Table 1), worse paralysis -> higher grade
    worst = [min(FRANKEL_RANK[fpre[i]], FRANKEL_RANK[fpost[i]]) for i in range(N)]
    severity = [worst[i] + float(rng.uniform(0, 2.5)) for i in range(N)]
    order = sorted(range(N), key=lambda i: severity[i])
    grades = ["3"] * 20 + ["2"] * 23 + ["1c"] * 3 + ["1b"] * 4 + ["1a"] * 4 + ["0"]
    escc = [""] * N
    for i, g in zip(order, grades, strict=True):
        escc[i] = g

    # procedure: 31 conventional / 24 MISt; MISt never in the cervical spine (Methods). Patients with
    # high-grade cord compression or complete paralysis are more often decompressed conventionally.
    procedure = ["conventional"] * N
    cand = [i for i in range(N) if region[i] != "cervical" and i != FIG1]
    escc_weight = {"0": 4.0, "1a": 4.0, "1b": 4.0, "1c": 3.0, "2": 2.0, "3": 1.0}
    weight = np.array([escc_weight[escc[i]] * (0.3 if fpre[i] in ("A", "B") else 1.0) for i in cand])
    mist = [int(x) for x in rng.choice(cand, 23, replace=False, p=weight / weight.sum())]
    for i in [*mist, FIG1]:
        procedure[i] = "mist"

    # SINS: bands 0-6: 6, 7-12: 48, 13-18: 1, mean 9.4
    loc = []
    for lv in level:
        if lv in ("C1", "C2", "C7", "T1", "T2", "T11", "T12", "L1", "L5"):
            loc.append("junctional")
        elif lv[0] == "C" or lv in ("L2", "L3", "L4"):
            loc.append("mobile")
        else:
            loc.append("semirigid")
    loc_pts = {"junctional": 3, "mobile": 2, "semirigid": 1}
    pain_opts = (("mechanical", 3), ("occasional", 1), ("none", 0))
    lesion_pts = {"lytic": 2, "mixed": 1, "blastic": 0}
    align_opts = (("subluxation", 4), ("deformity", 2), ("normal", 0))
    coll_opts = (("over50", 3), ("under50", 2), ("involved_no_collapse", 1), ("none", 0))
    post_opts = (("bilateral", 3), ("unilateral", 1), ("none", 0))
    pain = [int(rng.choice(3, p=[0.72, 0.2, 0.08])) for _ in range(N)]
    lesion = []
    for p in prim:
        if p == "prostate":
            lesion.append(str(rng.choice(["blastic", "mixed"], p=[0.7, 0.3])))
        elif p == "breast":
            lesion.append("mixed")
        else:
            lesion.append(str(rng.choice(["lytic", "mixed"], p=[0.85, 0.15])))
    align = [int(rng.choice(3, p=[0.06, 0.24, 0.7])) for _ in range(N)]
    coll = [int(rng.choice(4, p=[0.2, 0.35, 0.3, 0.15])) for _ in range(N)]
    postl = [int(rng.choice(3, p=[0.3, 0.45, 0.25])) for _ in range(N)]
    # The indication needs pain from (threatened) instability when there is no paralysis and the
    # tumour is not radiation-resistant (Methods: surgical indication): such patients have mechanical pain.
    for i in range(N):
        if fpre[i] == "E" and prim[i] not in RADIORESISTANT:
            pain[i] = 0

    def sins_total(i: int) -> int:
        return (loc_pts[loc[i]] + pain_opts[pain[i]][1] + lesion_pts[lesion[i]] + align_opts[align[i]][1]
                + coll_opts[coll[i]][1] + post_opts[postl[i]][1])

    # exactly one unstable (13-18) and six stable (0-6); candidates for "stable" have paralysis
    totals = [sins_total(i) for i in range(N)]
    by_total = sorted(range(N), key=lambda i: (totals[i], i))
    stable = [i for i in by_total if fpre[i] != "E"][:6]
    unstable = by_total[-1]

    def lower(i: int, limit: int) -> None:
        # lower one component at a time (alignment, collapse, posterolateral, pain) until <= limit
        for attr in ("align", "postl", "coll", "pain", "postl", "coll", "coll"):
            if sins_total(i) <= limit:
                return
            arr = {"align": align, "postl": postl, "coll": coll, "pain": pain}[attr]
            top = {"align": 2, "postl": 2, "coll": 3, "pain": 2}[attr]
            if arr[i] < top and not (attr == "pain" and fpre[i] == "E" and prim[i] not in RADIORESISTANT):
                arr[i] += 1
        _check(sins_total(i) <= limit, f"SINS lowering patient {i}")

    def raise_to(i: int, limit: int) -> None:
        for attr in ("coll", "postl", "align", "pain", "coll", "postl", "align", "coll"):
            if sins_total(i) >= limit:
                return
            arr = {"align": align, "postl": postl, "coll": coll, "pain": pain}[attr]
            if arr[i] > 0:
                arr[i] -= 1
        _check(sins_total(i) >= limit, f"SINS raising patient {i}")

    for i in stable:
        lower(i, 6)
    raise_to(unstable, 13)
    for i in range(N):
        if i in stable or i == unstable:
            continue
        if sins_total(i) > 12:
            lower(i, 12)
        if sins_total(i) < 7:
            raise_to(i, 7)
    # reach the sum: move the collapse / posterolateral items of potentially unstable patients
    movable = [i for i in (int(x) for x in rng.permutation(N)) if i not in stable and i != unstable]
    guard = 0
    while sum(sins_total(i) for i in range(N)) != SINS_SUM:
        diff = SINS_SUM - sum(sins_total(i) for i in range(N))
        for i in movable:
            if diff == 0:
                break
            arr = coll if guard % 2 == 0 else postl
            before = sins_total(i)
            if diff > 0 and arr[i] > 0:
                arr[i] -= 1
            elif diff < 0 and arr[i] < len(coll_opts if arr is coll else post_opts) - 1:
                arr[i] += 1
            after = sins_total(i)
            if not 7 <= after <= 12 or abs(SINS_SUM - (sum(sins_total(j) for j in range(N)))) > abs(diff):
                arr[i] += 1 if after < before else -1  # undo
            diff = SINS_SUM - sum(sins_total(j) for j in range(N))
        guard += 1
        _check(guard < 200, "SINS sum")
    sins = [sins_total(i) for i in range(N)]

    needs_pain = [fpre[i] == "E" and prim[i] not in RADIORESISTANT for i in range(N)]
    # VAS before (1-10, mean 4.6) follows the SINS pain item; after (0-4, mean 0.9)
    vas_pre = []
    for i in range(N):
        p = pain_opts[pain[i]][0]
        lo, hi = {"mechanical": (3, 9), "occasional": (2, 5), "none": (1, 2)}[p]
        lo = 4 if needs_pain[i] else lo
        vas_pre.append(int(rng.integers(lo, hi + 1)))
    mech = [i for i in range(N) if pain[i] == 0]
    vas_pre[mech[0]] = 10
    vas_pre[next(i for i in range(N) if pain[i] == 2)] = 1
    frozen_vas = {mech[0]}

    def vas_ok(i: int, v: int) -> bool:
        lo, hi = {0: (3, 9), 1: (2, 5), 2: (1, 2)}[pain[i]]
        lo = 4 if needs_pain[i] else lo
        return i not in frozen_vas and lo <= v <= hi

    _nudge_to_sum(vas_pre, VAS_PRE_SUM, 1, vas_ok, [int(x) for x in rng.permutation(N)])
    vas_post = [int(min(v, rng.choice([0, 0, 1, 1, 2]))) for v in vas_pre]
    vas_post[mech[0]] = 4
    _nudge_to_sum(vas_post, VAS_POST_SUM, 1, lambda i, v: i != mech[0] and 0 <= v <= min(3, vas_pre[i]),
                  [int(x) for x in rng.permutation(N)])
    intractable = ["yes" if pain[i] == 0 and vas_pre[i] >= 4 else "no" for i in range(N)]
    for i in range(N):
        if fpre[i] == "E" and prim[i] not in RADIORESISTANT:
            intractable[i] = "yes"
            _check(sins[i] >= 7 and vas_pre[i] >= 4, f"indication for patient {i}")

    # operation: levels fused 2-11 (mean 5.5), time 63-371 min (mean 201), blood loss 5-4140 ml
    conv = [i for i in range(N) if procedure[i] == "conventional"]
    mist_i = [i for i in range(N) if procedure[i] == "mist"]
    # massive bleeding (> 1500 ml, Table 4) in 5 conventional operations, the hypervascular tumours
    # first; the 4140 ml operation is also the longest (371 min) and the longest construct (11 levels)
    hyper = [i for i in conv if prim[i] in ("kidney", "thyroid", "liver") and i not in EARLY_DEATHS]
    massive = hyper[:4] + [i for i in conv if i not in hyper and i not in EARLY_DEATHS][:1]
    biggest = massive[0]
    levels = [int(rng.integers(4, 9) if procedure[i] == "mist" else rng.integers(2, 9)) for i in range(N)]
    levels[FIG1] = 6  # L2-S2 alar-iliac (Fig. 1)
    shortest = next(i for i in conv if i not in massive)
    levels[biggest] = 11
    levels[shortest] = 2
    frozen_lv = {FIG1, biggest, shortest}
    _nudge_to_sum(levels, LEVELS_SUM, 1, lambda i, v: i not in frozen_lv and 3 <= v <= 10,
                  [int(x) for x in rng.permutation(N)])

    optime = []
    for i in range(N):
        if procedure[i] == "mist":
            optime.append(round(float(70 + 14 * levels[i] + rng.normal(0, 20))))
        else:
            extra = 60 if i in massive else 0
            optime.append(round(float(130 + extra + 16 * levels[i] + rng.normal(0, 30))))
    optime[FIG1] = 182
    m_short = min((i for i in mist_i if i != FIG1), key=lambda i: levels[i])
    optime[m_short] = 63
    optime[biggest] = 371
    frozen_t = {FIG1, m_short, biggest}

    def time_ok(i: int, v: int) -> bool:
        return i not in frozen_t and (240 if i in massive else 75) <= v <= 360

    _nudge_to_sum(optime, OPTIME_SUM, 1, time_ok, [int(x) for x in rng.permutation(N)])

    blood = []
    for i in range(N):
        if procedure[i] == "mist":
            blood.append(round(float(rng.uniform(10, 200))))
        else:
            blood.append(round(float(rng.uniform(100, 600) + 30 * levels[i])))
    blood[FIG1] = 152
    m_low = next(i for i in mist_i if i not in (FIG1, m_short))
    blood[m_low] = 5
    for i, v in zip(massive, (4140, 2350, 1900, 1650, 1560), strict=True):
        blood[i] = v
    frozen_bl = {FIG1, m_low, *massive}

    def blood_ok(i: int, v: int) -> bool:
        lo, hi = (10, 300) if procedure[i] == "mist" else (100, 1500)
        return i not in frozen_bl and lo <= v <= hi

    _nudge_to_sum(blood, BLOOD_SUM, 1, blood_ok, [int(x) for x in rng.permutation(N)])

    # complications (Table 4)
    comps: list[list[str]] = [[] for _ in range(N)]
    for i in massive:
        comps[i].append("massive_bleeding")
    for i in EARLY_DEATHS:
        comps[i].append("early_death")
    conv_thoracolumbar = [
        i for i in conv if region[i] != "cervical" and i not in massive and i not in EARLY_DEATHS
    ]
    conv_cervical = [i for i in conv if region[i] == "cervical" and i not in EARLY_DEATHS]
    for i in conv_thoracolumbar[:2]:
        comps[i].append("epidural_hematoma")
    for i in conv_thoracolumbar[2:4]:
        comps[i].append("wound_dehiscence")
    comps[conv_cervical[0]].append("upper_airway_obstruction")
    comps[massive[0]].append("acute_renal_failure")
    comps[conv_thoracolumbar[4]].append("surgical_site_infection")
    comps[[i for i in mist_i if i != FIG1][1]].append("deep_vein_thrombosis")

    # survival and follow-up
    surv, dead = _build_survival(rng)
    for i in range(N):
        if i not in EARLY_DEATHS:
            _check(surv[i] >= 1.0, f"only the early deaths die within 30 days (patient {i})")
        if disc[i] != "home":
            _check(dead[i] == 1, f"hospice/in-hospital death patient {i} dead")

    # surgery dates 2012-2015; the censored patients are followed to FOLLOW_UP_END
    start, last = dt.date(2012, 1, 4), dt.date(2015, 12, 30)
    dates = []
    for i in range(N):
        days = round(surv[i] * DAYS_PER_MONTH)
        if dead[i] == 0:
            d0 = FOLLOW_UP_END - dt.timedelta(days=days)
            _check(start <= d0 <= last, f"censored follow-up of patient {i} fits the study period")
        else:
            latest = min(last, FOLLOW_UP_END - dt.timedelta(days=days))
            span = (latest - start).days
            d0 = start + dt.timedelta(days=int(rng.integers(0, span + 1)))
        dates.append(d0.isoformat())

    # adjuvant therapy (Table 5): chemotherapy 31, radiotherapy 38 (none of the 8 kidney/thyroid),
    # bone-modifying agent 39. Nobody who died within 30 days received any.
    def pick(k: int, eligible: list[int], prefer: Callable[[int], float]) -> set[int]:
        noise = {i: float(rng.uniform(0, 1)) for i in eligible}
        ranked = sorted(eligible, key=lambda i: -(prefer(i) + noise[i]))
        _check(len(ranked) >= k, "enough eligible patients")
        return set(ranked[:k])

    alive_30 = [i for i in range(N) if i not in EARLY_DEATHS]
    chemo_pref = {"lung": 2, "myeloma": 3, "lymphoma": 3, "breast": 2, "sarcoma": 1, "other": 1.5,
                  "unknown": 1, "gallbladder": 1, "liver": 0.5, "prostate": 0.5, "kidney": 1, "thyroid": 0}
    chemo = pick(31, alive_30, lambda i: chemo_pref[prim[i]] + (1 if disc[i] == "home" else -1))
    rt = pick(38, [i for i in alive_30 if prim[i] not in RADIORESISTANT],
              lambda i: 1 if disc[i] != D else -1)
    bma = pick(39, alive_30, lambda i: (2 if prim[i] in ("prostate", "breast", "myeloma", "lung", "kidney")
                                        else 0.5) + (0 if disc[i] != D else -2))

    # other prognostic-score inputs (plausible per primary; see docs/demo-cohort.md)
    tomita_growth = {"breast": "slow", "thyroid": "slow", "prostate": "slow", "myeloma": "moderate",
                     "lymphoma": "moderate", "kidney": "moderate", "sarcoma": "moderate", "other": "moderate",
                     "lung": "rapid", "liver": "rapid", "gallbladder": "rapid", "unknown": "rapid"}
    katagiri_growth = {"breast": "slow", "thyroid": "slow", "prostate": "slow", "myeloma": "slow",
                       "lymphoma": "slow", "kidney": "moderate", "sarcoma": "moderate", "other": "moderate",
                       "lung": "rapid", "liver": "rapid", "gallbladder": "rapid", "unknown": "rapid"}
    rows: list[dict[str, Any]] = []
    for i in range(N):
        kgrowth = katagiri_growth[prim[i]]
        if prim[i] == "lung" and rng.random() < 0.35:
            kgrowth = "moderate"  # molecularly targeted therapy
        visc = visceral[i]
        kvisc = {"none": "none", "removable": "nodular"}.get(visc) or str(
            rng.choice(["nodular", "disseminated"], p=[0.6, 0.4]))
        n_skel = extraspinal[i] + vertebral[i]
        ill = (band[i] == 1) + (kps[i] <= 50)
        albumin = round(float(np.clip(rng.normal(3.9 - 0.35 * ill, 0.35), 2.0, 4.8)), 1)
        crp = round(float(np.clip(rng.lognormal(np.log(0.3 + 0.8 * ill), 0.8), 0.02, 15)), 2)
        ldh = int(np.clip(round(rng.normal(200 + 50 * ill, 45)), 110, 700))
        plt = int(np.clip(round(rng.normal(240 - 30 * ill, 60)), 60, 480)) * 1000
        ca = round(float(np.clip(rng.normal(9.3 + 0.2 * ill, 0.45), 8.0, 12.0)), 1)
        bili_mu = np.log(0.6 + (0.3 if prim[i] in ("liver", "gallbladder") else 0))
        bili = round(float(np.clip(rng.lognormal(bili_mu, 0.35), 0.2, 3.5)), 1)
        critical = plt < 100_000 or ca >= 10.3 or bili >= 1.4
        abnormal = crp >= 0.4 or ldh >= 250 or albumin < 3.7
        fam_draw = str(rng.choice(["yes", "no"], p=[0.55, 0.45]))
        fam = "yes" if (disc[i] == "home" and bpost[i] < 70) else fam_draw
        responsive_draw = str(rng.choice(["yes", "no"], p=[0.3, 0.7]))
        amb = ("non_ambulatory" if fpre[i] in ("A", "B", "C")
               else "dependent" if fpre[i] in ("D1", "D2") else "independent")
        items_pre = barthel_items(bpre[i], fpre[i])
        items_post = barthel_items(bpost[i], fpost[i])
        rows.append({
            "patient_id": f"DEMO-{i + 1:03d}",
            "site": "DEMO",
            "sex": sex[i],
            "age": age[i],
            "surgery_date": dates[i],
            "primary_tumor": prim[i],
            "main_level": level[i],
            "kps": kps[i],
            "ecog": _ecog(kps[i]),
            "extraspinal_bone_mets": extraspinal[i],
            "vertebral_mets": vertebral[i],
            "visceral_mets": visc,
            "tokuhashi": tok[i],
            "sins_location": loc[i],
            "sins_pain": pain_opts[pain[i]][0],
            "sins_lesion": lesion[i],
            "sins_alignment": align_opts[align[i]][0],
            "sins_collapse": coll_opts[coll[i]][0],
            "sins_posterolateral": post_opts[postl[i]][0],
            "sins": sins[i],
            "escc": escc[i],
            "frankel_pre": fpre[i],
            "frankel_post": fpost[i],
            "barthel_pre": bpre[i],
            "barthel_post": bpost[i],
            "vas_pre": vas_pre[i],
            "vas_post": vas_post[i],
            "procedure": procedure[i],
            "levels_fused": levels[i],
            "operative_time_min": optime[i],
            "blood_loss_ml": blood[i],
            "complications": ";".join(comps[i]),
            "chemotherapy": "yes" if i in chemo else "no",
            "radiotherapy": "yes" if i in rt else "no",
            "bone_modifying_agent": "yes" if i in bma else "no",
            "discharge": disc[i],
            "survival_months": f"{surv[i]:.2f}",
            "dead": dead[i],
            "tomita_primary_growth": tomita_growth[prim[i]],
            "tomita_visceral": {"none": "none", "removable": "treatable", "unremovable": "untreatable"}[visc],
            "tomita_bone_mets": "solitary" if n_skel == 1 else "multiple",
            "katagiri_primary_growth": kgrowth,
            "katagiri_visceral": kvisc,
            "katagiri_lab": "critical" if critical else ("abnormal" if abnormal else "normal"),
            "previous_chemotherapy": str(rng.choice(["yes", "no"], p=[0.35, 0.65])),
            "multiple_skeletal_mets": "yes" if n_skel > 1 else "no",
            "solitary_skeletal_met": "yes" if n_skel == 1 else "no",
            "pathologic_fracture": "yes" if coll_opts[coll[i]][0] in ("over50", "under50") else "no",
            "ambulatory": amb,
            "crp_mg_dl": f"{crp:.2f}",
            "ldh_iu_l": ldh,
            "albumin_g_dl": f"{albumin:.1f}",
            "platelets_per_ul": plt,
            "calcium_mg_dl": f"{ca:.1f}",
            "bilirubin_mg_dl": f"{bili:.1f}",
            "family_care": fam,
            "en_bloc_candidate": "no",
            "analgesic_or_rt_responsive": "no" if band[i] == 1 else responsive_draw,
            "reduced_will_to_live": "no",
            "pedicles_confirmable": "yes" if procedure[i] == "mist" or region[i] == "cervical" else "no",
            "intractable_pain": intractable[i],
            **{f"barthel_{k}_pre": v for k, v in items_pre.items()},
            **{f"barthel_{k}_post": v for k, v in items_post.items()},
        })
    return rows


def render_csv(rows: list[dict[str, Any]]) -> str:
    """The rows as CSV text (LF line endings, header first)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    """Write the demo cohort CSV (or to the path given as the only argument)."""
    args = list(sys.argv[1:] if argv is None else argv)
    out = Path(args[0]) if args else OUT
    out.write_text(render_csv(build_rows()), encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
