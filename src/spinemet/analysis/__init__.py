"""spinemet.analysis: numbers only — survival, tests and the study's tables as data.

Every function takes arrays or a cohort DataFrame and returns result objects whose numbers equal R's
``survival`` package (and SPSS where its method is asked for); see docs/statistics-*.md.
"""

from spinemet.analysis.concordance import ConcordanceResult, concordance
from spinemet.analysis.cox import CoxResult, cox
from spinemet.analysis.frankel_table import FrankelTable, frankel_table
from spinemet.analysis.logrank import (
    LogRankResult,
    TrendResult,
    logrank,
    logrank_trend,
    pairwise_logrank,
    wilcoxon,
)
from spinemet.analysis.paired import PairedComparison, paired_comparison, wilcoxon_signed_rank
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
    "frankel_table",
    "kaplan_meier",
    "logrank",
    "logrank_trend",
    "paired_comparison",
    "pairwise_logrank",
    "time_dependent_auc",
    "wilcoxon",
    "wilcoxon_signed_rank",
]
