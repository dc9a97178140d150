"""Everything the study (Uei et al., JOSR 2018) reports, computed on any cohort frame in one call.

``analyse_study(frame)`` returns :class:`StudyResults`; ``.to_dict()`` is JSON-ready and carries the keys
the report layer relies on (``n``, ``survival``, ``frankel``, ``barthel``, ``vas``, ``discharge``,
``by_tokuhashi_band``, ...; see docs/statistics-outcomes.md). Numbers only: no formatting, no files.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from spinemet.analysis.descriptive import (
    TOKUHASHI_BANDS,
    jsonable,
    numeric_column,
    table1,
    table4,
    table5,
    tokuhashi_band_series,
)
from spinemet.analysis.frankel_table import FrankelTable, frankel_table
from spinemet.analysis.outcomes import (
    STUDY_RT_EXCLUDED,
    DischargeSummary,
    MistComparison,
    ObservedVsPredicted,
    RadiotherapyRate,
    discharge_rule_contradictions,
    discharge_summary,
    mist_vs_conventional,
    observed_vs_predicted,
    radiotherapy_rate,
)
from spinemet.analysis.paired import PairedComparison, paired_by_group, paired_comparison
from spinemet.analysis.prognostic import (
    BandCalibration,
    ScoreAccuracy,
    prognostic_accuracy,
    tokuhashi_calibration,
)
from spinemet.analysis.survival import CI_METHODS, kaplan_meier
from spinemet.cohort import add_score_columns
from spinemet.errors import InvalidInputError

__all__ = ["OverallSurvival", "StudyResults", "analyse_study"]


@dataclass(frozen=True)
class OverallSurvival:
    """Kaplan-Meier survival of the whole cohort (the paper's Fig. 3)."""

    n: int
    n_used: int
    n_missing: int
    events: int
    median_months: float
    median_ci95: tuple[float, float]
    ci_method: str
    survival_at: dict[str, dict[str, float]]
    method: str

    def to_dict(self) -> dict[str, Any]:
        return jsonable(self.__dict__)


@dataclass(frozen=True)
class StudyResults:
    """All outcome analyses of the study for one cohort."""

    n: int
    table1: pd.DataFrame
    table4: pd.DataFrame
    table5: pd.DataFrame
    survival: OverallSurvival
    frankel: FrankelTable
    barthel: PairedComparison
    barthel_by_band: dict[str, PairedComparison]
    barthel_by_procedure: dict[str, PairedComparison]
    vas: PairedComparison
    vas_by_band: dict[str, PairedComparison]
    vas_by_procedure: dict[str, PairedComparison]
    discharge: DischargeSummary
    discharge_contradictions: pd.DataFrame
    radiotherapy: RadiotherapyRate
    observed_vs_predicted: ObservedVsPredicted
    prognostic: dict[str, ScoreAccuracy]
    calibration: dict[str, BandCalibration]
    mist_vs_conventional: MistComparison
    notes: tuple[str, ...] = field(default_factory=tuple)

    def by_tokuhashi_band(self) -> dict[str, dict[str, Any]]:
        """Per band: n, Barthel pre/post means (patients with both values), home discharges and how many
        lived beyond the band's predicted survival (rule: outcomes.PREDICTED_SURVIVAL_MONTHS)."""
        out: dict[str, dict[str, Any]] = {}
        for b in TOKUHASHI_BANDS:
            bar = self.barthel_by_band[b]
            dis = self.discharge.by_band[b]
            ovp = self.observed_vs_predicted.bands[b]
            out[b] = {
                "n": dis["n"],
                "barthel_n_pairs": bar.n_pairs,
                "barthel_pre_mean": bar.pre_mean,
                "barthel_post_mean": bar.post_mean,
                "barthel_p_paired_t": bar.p_paired_t,
                "barthel_p_wilcoxon": bar.p_wilcoxon,
                "home_discharges": dis["home"],
                "discharge_known": dis["n_known"],
                "home_rate": dis["home_rate"],
                "lived_beyond_prediction": ovp.lived_beyond,
                "not_beyond_prediction": ovp.not_beyond,
                "unknown_vs_prediction": ovp.unknown,
                "predicted_survival": ovp.predicted,
                "threshold_months": ovp.threshold_months,
                "km_median_months": ovp.km_median,
                "km_median_ci95": ovp.km_median_ci95,
            }
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (NaN -> None)."""
        barthel = self.barthel.to_dict()
        barthel["by_tokuhashi_band"] = {k: v.to_dict() for k, v in self.barthel_by_band.items()}
        barthel["by_procedure"] = {k: v.to_dict() for k, v in self.barthel_by_procedure.items()}
        vas = self.vas.to_dict()
        vas["by_tokuhashi_band"] = {k: v.to_dict() for k, v in self.vas_by_band.items()}
        vas["by_procedure"] = {k: v.to_dict() for k, v in self.vas_by_procedure.items()}
        return jsonable(
            {
                "n": self.n,
                "survival": self.survival.to_dict(),
                "frankel": self.frankel.to_dict(),
                "barthel": barthel,
                "vas": vas,
                "discharge": dict(self.discharge.counts),
                "discharge_summary": self.discharge.to_dict(),
                "discharge_contradictions": self.discharge_contradictions,
                "by_tokuhashi_band": self.by_tokuhashi_band(),
                "radiotherapy": self.radiotherapy.to_dict(),
                "observed_vs_predicted": self.observed_vs_predicted.to_dict(),
                "prognostic": {k: v.to_dict() for k, v in self.prognostic.items()},
                "calibration": {k: v.to_dict() for k, v in self.calibration.items()},
                "mist_vs_conventional": self.mist_vs_conventional.to_dict(),
                "tables": {"table1": self.table1, "table4": self.table4, "table5": self.table5},
                "notes": list(self.notes),
            }
        )


def _overall_survival(frame: pd.DataFrame, median_ci: str) -> OverallSurvival:
    time, dead = numeric_column(frame, "survival_months"), numeric_column(frame, "dead")
    ok = ~np.isnan(time) & ~np.isnan(dead)
    method = f"Kaplan-Meier, median with 95% CI ci_method={median_ci!r} (R survfit conf.type / SPSS KM)"
    if not ok.any():
        return OverallSurvival(len(frame), 0, len(frame), 0, math.nan, (math.nan, math.nan), median_ci, {},
                               method)
    km = kaplan_meier(time[ok], dead[ok], ci_method=median_ci)
    at = km.survival_at([6.0, 12.0])
    survival_at = {
        f"{t:g}": {"survival": float(s), "lower": float(lo), "upper": float(hi)}
        for t, s, lo, hi in zip(at["time"], at["survival"], at["lower"], at["upper"], strict=True)
    }
    return OverallSurvival(
        n=len(frame), n_used=int(ok.sum()), n_missing=len(frame) - int(ok.sum()), events=int(dead[ok].sum()),
        median_months=float(km.median), median_ci95=(float(km.median_ci[0]), float(km.median_ci[1])),
        ci_method=median_ci, survival_at=survival_at, method=method,
    )  # fmt: skip


def analyse_study(frame: pd.DataFrame, *, median_ci: str = "log", add_scores: bool = True) -> StudyResults:
    """Run every analysis of the study on a cohort frame (``Cohort.frame`` column names and types).

    Args:
        frame: one row per operated patient.
        median_ci: CI method of the Kaplan-Meier medians (``"log"`` = R's default; ``"spss"`` = SPSS KM).
        add_scores: compute the score columns with ``spinemet.cohort.add_score_columns`` first (set False
            when the frame already holds them, e.g. ``tokuhashi_band``).
    """
    if not isinstance(frame, pd.DataFrame):
        raise InvalidInputError("frame", type(frame).__name__, "a pandas DataFrame in the cohort format")
    if median_ci not in CI_METHODS:
        raise InvalidInputError("median_ci", median_ci, ", ".join(CI_METHODS))
    if add_scores:
        frame = add_score_columns(frame)
    band = tokuhashi_band_series(frame)
    procedure = frame["procedure"] if "procedure" in frame.columns else pd.Series(np.nan, index=frame.index)

    def col(name: str) -> pd.Series:
        return frame[name] if name in frame.columns else pd.Series(np.nan, index=frame.index, dtype=float)

    paired_frame = pd.DataFrame(
        {c: col(c) for c in ("barthel_pre", "barthel_post", "vas_pre", "vas_post")}, index=frame.index
    )
    prognostic = prognostic_accuracy(frame)
    notes = [f"{name}: {note}" for name, acc in prognostic.items() for note in acc.notes]
    return StudyResults(
        n=len(frame),
        table1=table1(frame),
        table4=table4(frame),
        table5=table5(frame),
        survival=_overall_survival(frame, median_ci),
        frankel=frankel_table(frame),
        barthel=paired_comparison(col("barthel_pre"), col("barthel_post"), variable="barthel"),
        barthel_by_band=paired_by_group(paired_frame, "barthel_pre", "barthel_post", band,
                                        levels=TOKUHASHI_BANDS, variable="barthel"),
        barthel_by_procedure=paired_by_group(paired_frame, "barthel_pre", "barthel_post", procedure,
                                             levels=("conventional", "mist"), variable="barthel"),
        vas=paired_comparison(col("vas_pre"), col("vas_post"), variable="vas"),
        vas_by_band=paired_by_group(paired_frame, "vas_pre", "vas_post", band, levels=TOKUHASHI_BANDS,
                                    variable="vas"),
        vas_by_procedure=paired_by_group(paired_frame, "vas_pre", "vas_post", procedure,
                                         levels=("conventional", "mist"), variable="vas"),
        discharge=discharge_summary(frame),
        discharge_contradictions=discharge_rule_contradictions(frame),
        radiotherapy=radiotherapy_rate(frame, excluded_primaries=STUDY_RT_EXCLUDED),  # the paper's 38/47
        observed_vs_predicted=observed_vs_predicted(frame, median_ci=median_ci),
        prognostic=prognostic,
        calibration=tokuhashi_calibration(frame, ci_method=median_ci),
        mist_vs_conventional=mist_vs_conventional(frame),
        notes=tuple(notes),
    )  # fmt: skip
