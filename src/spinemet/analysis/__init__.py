"""spinemet.analysis: numbers only — survival, tests and the study's tables as data.

Every function takes arrays or a cohort DataFrame and returns result objects whose numbers equal R's
``survival`` package (and SPSS where its method is asked for); see docs/statistics-*.md.
"""

from spinemet.analysis.concordance import ConcordanceResult, concordance
from spinemet.analysis.cox import CoxResult, cox
from spinemet.analysis.descriptive import table1, table4, table5
from spinemet.analysis.frankel_table import FrankelTable, frankel_table
from spinemet.analysis.logrank import (
    LogRankResult,
    TrendResult,
    logrank,
    logrank_trend,
    pairwise_logrank,
    wilcoxon,
)
from spinemet.analysis.outcomes import (
    discharge_summary,
    mist_vs_conventional,
    observed_vs_predicted,
    radiotherapy_rate,
)
from spinemet.analysis.paired import (
    PairedComparison,
    paired_by_group,
    paired_comparison,
    wilcoxon_signed_rank,
)
from spinemet.analysis.prognostic import prognostic_accuracy, tokuhashi_calibration
from spinemet.analysis.study import StudyResults, analyse_study
from spinemet.analysis.survival import CI_METHODS, KaplanMeierResult, kaplan_meier
from spinemet.analysis.time_auc import TimeAUCResult, time_dependent_auc

__all__ = [
    "CI_METHODS",
    "ConcordanceResult",
    "CoxResult",
    "FrankelTable",
    "KaplanMeierResult",
    "LogRankResult",
    "PairedComparison",
    "StudyResults",
    "TimeAUCResult",
    "TrendResult",
    "analyse_study",
    "concordance",
    "cox",
    "discharge_summary",
    "frankel_table",
    "kaplan_meier",
    "logrank",
    "logrank_trend",
    "mist_vs_conventional",
    "observed_vs_predicted",
    "paired_by_group",
    "paired_comparison",
    "pairwise_logrank",
    "prognostic_accuracy",
    "radiotherapy_rate",
    "table1",
    "table4",
    "table5",
    "time_dependent_auc",
    "tokuhashi_calibration",
    "wilcoxon",
    "wilcoxon_signed_rank",
]
