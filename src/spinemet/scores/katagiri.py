"""New Katagiri score: survival of patients with skeletal metastases, total 0-10.

Katagiri H, Okada R, Takagi T, et al. New prognostic factors and scoring system for patients with
skeletal metastasis. Cancer Med 2014;3:1359-1367 (Tables 3-5). Primary growth (slow 0, moderate 2,
rapid 3), visceral metastasis (none 0, nodular visceral/cerebral 1, disseminated 2), laboratory data
(normal 0, abnormal 1, critical 2), ECOG PS 3-4 (1), previous chemotherapy (1), multiple skeletal
metastases (1). Bands by one-year survival in the derivation cohort: 0-3 low risk (91%),
4-6 intermediate (49%), 7-10 high (6%).

Laboratory tier from ``katagiri_lab`` or from raw values: abnormal = CRP >= 0.4 mg/dL, LDH >= 250 IU/L
or albumin < 3.7 g/dL; critical = platelets < 100,000/µL, calcium >= 10.3 mg/dL or total bilirubin
>= 1.4 mg/dL. Any one value satisfies a tier; critical outranks abnormal. Growth group depends on
hormone sensitivity and targeted therapy, so it is an explicit input. ECOG 5 is not scoreable.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from spinemet.errors import InvalidInputError
from spinemet.scores._validate import as_float, choice, int_in, is_missing, require, yes_no
from spinemet.scores.result import Component, ScoreResult

__all__ = [
    "KATAGIRI_ABNORMAL",
    "KATAGIRI_BANDS",
    "KATAGIRI_CITATION",
    "KATAGIRI_CRITICAL",
    "KATAGIRI_LAB_POINTS",
    "KATAGIRI_PRIMARY_POINTS",
    "KATAGIRI_VISCERAL_POINTS",
    "katagiri",
    "katagiri_band",
    "katagiri_lab_tier",
]

KATAGIRI_CITATION = (
    "Katagiri H, et al. New prognostic factors and scoring system for patients with skeletal metastasis. "
    "Cancer Med 2014;3:1359-1367."
)

KATAGIRI_PRIMARY_POINTS = MappingProxyType({"slow": 0, "moderate": 2, "rapid": 3})
KATAGIRI_VISCERAL_POINTS = MappingProxyType({"none": 0, "nodular": 1, "disseminated": 2})
KATAGIRI_LAB_POINTS = MappingProxyType({"normal": 0, "abnormal": 1, "critical": 2})

KATAGIRI_ABNORMAL: MappingProxyType[str, tuple[str, float]] = MappingProxyType(
    {"crp_mg_dl": (">=", 0.4), "ldh_iu_l": (">=", 250.0), "albumin_g_dl": ("<", 3.7)}
)
"""Raw value -> (comparison, threshold) of the 'abnormal' tier."""

KATAGIRI_CRITICAL: MappingProxyType[str, tuple[str, float]] = MappingProxyType(
    {"platelets_per_ul": ("<", 100_000.0), "calcium_mg_dl": (">=", 10.3), "bilirubin_mg_dl": (">=", 1.4)}
)
"""Raw value -> (comparison, threshold) of the 'critical' tier."""

KATAGIRI_BANDS: tuple[tuple[int, int, str, str], ...] = (
    (0, 3, "low", "low risk: 1-year survival 91% (derivation cohort)"),
    (4, 6, "intermediate", "intermediate risk: 1-year survival 49% (derivation cohort)"),
    (7, 10, "high", "high risk: 1-year survival 6% (derivation cohort)"),
)

_PLATELET_FLOOR = 1000.0


def katagiri_band(total: Any) -> tuple[str, str]:
    """(band code, label with one-year survival) of a New Katagiri total 0-10."""
    value = int_in("katagiri", total, 0, 10)
    return next((code, label) for low, high, code, label in KATAGIRI_BANDS if low <= value <= high)


def _hit(rule: tuple[str, float], value: float) -> bool:
    op, threshold = rule
    return value >= threshold if op == ">=" else value < threshold


def katagiri_lab_tier(**labs: Any) -> tuple[str | None, tuple[str, ...], tuple[str, ...]]:
    """(tier or None, names of values that met it, names of values missing) from raw laboratory values.

    Keyword names: ``crp_mg_dl``, ``ldh_iu_l``, ``albumin_g_dl``, ``platelets_per_ul``,
    ``calcium_mg_dl``, ``bilirubin_mg_dl``. The tier is ``None`` when no value is given.
    """
    known = {**KATAGIRI_ABNORMAL, **KATAGIRI_CRITICAL}
    for name in labs:
        if name not in known:
            raise InvalidInputError(name, labs[name], ", ".join(known), "unknown laboratory value")
    values: dict[str, float] = {}
    for name in known:
        raw = labs.get(name)
        if is_missing(raw):
            continue
        number = as_float(name, raw, "number >= 0")
        if number < 0:
            raise InvalidInputError(name, raw, "number >= 0")
        if name == "platelets_per_ul" and number < _PLATELET_FLOOR:
            raise InvalidInputError(
                name, raw, "count per µL (e.g. 250000)", "below 1000/µL: looks like 10^3/µL units"
            )
        values[name] = number
    missing = tuple(n for n in known if n not in values)
    if not values:
        return None, (), missing
    critical = tuple(n for n, rule in KATAGIRI_CRITICAL.items() if n in values and _hit(rule, values[n]))
    if critical:
        return "critical", critical, missing
    abnormal = tuple(n for n, rule in KATAGIRI_ABNORMAL.items() if n in values and _hit(rule, values[n]))
    if abnormal:
        return "abnormal", abnormal, missing
    return "normal", (), missing


def katagiri(
    *,
    katagiri_primary_growth: Any = None,
    katagiri_visceral: Any = None,
    ecog: Any = None,
    previous_chemotherapy: Any = None,
    multiple_skeletal_mets: Any = None,
    katagiri_lab: Any = None,
    crp_mg_dl: Any = None,
    ldh_iu_l: Any = None,
    albumin_g_dl: Any = None,
    platelets_per_ul: Any = None,
    calcium_mg_dl: Any = None,
    bilirubin_mg_dl: Any = None,
) -> ScoreResult:
    """New Katagiri score (2014). Laboratory tier from ``katagiri_lab`` or from the raw values.

    If both are given they must not contradict: raw values proving a higher tier, or (all six present)
    a different tier, raise ``InvalidInputError`` naming ``katagiri_lab``.
    """
    notes: list[str] = []
    growth = choice("katagiri_primary_growth", katagiri_primary_growth, KATAGIRI_PRIMARY_POINTS)
    visceral = choice("katagiri_visceral", katagiri_visceral, KATAGIRI_VISCERAL_POINTS)
    require("ecog", ecog, "integer 0-4")
    performance = int_in("ecog", ecog, 0, 5)
    if performance == 5:
        raise InvalidInputError("ecog", ecog, "integer 0-4", "ECOG 5 (dead) is not scoreable")
    chemo = yes_no("previous_chemotherapy", previous_chemotherapy)
    multiple = yes_no("multiple_skeletal_mets", multiple_skeletal_mets)

    raw_tier, met, missing = katagiri_lab_tier(
        crp_mg_dl=crp_mg_dl,
        ldh_iu_l=ldh_iu_l,
        albumin_g_dl=albumin_g_dl,
        platelets_per_ul=platelets_per_ul,
        calcium_mg_dl=calcium_mg_dl,
        bilirubin_mg_dl=bilirubin_mg_dl,
    )
    order = list(KATAGIRI_LAB_POINTS)
    if is_missing(katagiri_lab):
        if raw_tier is None:
            raise InvalidInputError(
                "katagiri_lab",
                katagiri_lab,
                "normal, abnormal, critical (or the raw values crp_mg_dl, ldh_iu_l, albumin_g_dl, "
                "platelets_per_ul, calcium_mg_dl, bilirubin_mg_dl)",
                "missing",
            )
        tier, derived = raw_tier, "laboratory values"
        highest = _highest_possible_tier(tier, missing)
    else:
        tier = choice("katagiri_lab", katagiri_lab, KATAGIRI_LAB_POINTS)
        derived = None
        highest = tier
        if raw_tier is not None and (
            order.index(raw_tier) > order.index(tier) or (not missing and raw_tier != tier)
        ):
            raise InvalidInputError(
                "katagiri_lab",
                katagiri_lab,
                f"{raw_tier} (from the laboratory values given)"
                if not missing
                else f"{raw_tier} or higher (from the laboratory values given)",
                "katagiri_lab contradicts the raw laboratory values",
            )
    lab_label = {
        "normal": "normal",
        "abnormal": "abnormal (CRP >= 0.4 mg/dL, LDH >= 250 IU/L or albumin < 3.7 g/dL)",
        "critical": "critical (platelets < 100,000/µL, Ca >= 10.3 mg/dL or bilirubin >= 1.4 mg/dL)",
    }[tier]
    components = (
        Component("primary_growth", "Primary lesion", growth, growth, KATAGIRI_PRIMARY_POINTS[growth]),
        Component(
            "visceral_mets", "Visceral metastasis", visceral, visceral, KATAGIRI_VISCERAL_POINTS[visceral]
        ),
        Component(
            "laboratory",
            "Laboratory data",
            tier,
            lab_label,
            KATAGIRI_LAB_POINTS[tier],
            derived_from=derived,
        ),
        Component(
            "ecog", "ECOG PS 3-4", performance, "3-4" if performance >= 3 else "0-2", int(performance >= 3)
        ),
        Component(
            "previous_chemotherapy",
            "Previous chemotherapy",
            "yes" if chemo else "no",
            "yes" if chemo else "no",
            int(chemo),
        ),
        Component(
            "multiple_skeletal_mets",
            "Multiple skeletal metastases",
            "yes" if multiple else "no",
            "yes" if multiple else "no",
            int(multiple),
        ),
    )
    total = sum(c.points for c in components)
    code, label = katagiri_band(total)
    total_range: tuple[int, int] | None = None
    possible: tuple[str, ...] = ()
    if highest != tier:
        top = total + KATAGIRI_LAB_POINTS[highest] - KATAGIRI_LAB_POINTS[tier]
        total_range = (total, top)
        possible = tuple(dict.fromkeys(katagiri_band(t)[0] for t in range(total, top + 1)))
        notes.append(
            f"laboratory tier may be underestimated: missing {', '.join(_raising(tier, missing))}; the tier "
            "could be "
            f"{tier} to {highest}, so the total is {total}-{top} (band {' or '.join(possible)})"
        )
    return ScoreResult(
        score="katagiri_new",
        total=total,
        components=components,
        band=code,
        band_label=label,
        version="new Katagiri 2014",
        citation=KATAGIRI_CITATION,
        notes=tuple(notes),
        extra={"lab_tier": tier, "lab_values_met": met, "lab_values_missing": missing},
        total_range=total_range,
        possible_bands=possible,
    )


def _raising(tier: str, missing: tuple[str, ...]) -> list[str]:
    """The missing values that could still raise the tier."""
    rules = dict(KATAGIRI_CRITICAL) if tier == "abnormal" else {**KATAGIRI_ABNORMAL, **KATAGIRI_CRITICAL}
    return [name for name in missing if name in rules]


def _highest_possible_tier(tier: str, missing: tuple[str, ...]) -> str:
    """The highest laboratory tier the missing values could still give (critical outranks abnormal)."""
    if tier == "critical":
        return tier
    if any(name in KATAGIRI_CRITICAL for name in missing):
        return "critical"
    if tier == "normal" and any(name in KATAGIRI_ABNORMAL for name in missing):
        return "abnormal"
    return tier
