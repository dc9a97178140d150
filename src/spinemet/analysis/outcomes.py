"""Study outcomes (Uei et al., JOSR 2018): discharge, radiotherapy rate, observed against predicted survival
by Tokuhashi band, and MISt against conventional surgery.

Two-sample tests reproduce R's defaults, and every result names its method:

- Welch two-sample t-test: R ``t.test(mist, conventional)`` (``var.equal = FALSE``), difference mist -
  conventional with its 95% CI.
- Wilcoxon rank-sum / Mann-Whitney: R ``wilcox.test(mist, conventional)`` (``exact = NULL, correct =
  TRUE``): exact when both groups have fewer than 50 values and there are no ties, otherwise the normal
  approximation with tie-corrected variance and continuity correction; W = rank sum of the first group
  minus n1(n1 + 1)/2.
- Fisher's exact test for 2x2 tables: R ``fisher.test`` two-sided p, conditional maximum-likelihood odds
  ratio and its exact 95% CI, with R's algorithm vectorised over the support (scipy's
  ``odds_ratio(kind="conditional")`` CI took 15 s on 1e5 patients).
- Survival by group: the log-rank test of ``spinemet.analysis.logrank`` (R ``survdiff``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from spinemet.analysis._dist import (
    hypergeom_logpmf,
    norm_cdf,
    norm_sf,
    rank_average,
    t_ppf,
    t_two_sided_p,
    wilcox_rank_sum_cdf,
)
from spinemet.analysis.descriptive import (
    DISCHARGE_LEVELS,
    TOKUHASHI_BANDS,
    jsonable,
    numeric_column,
    tokuhashi_band_series,
)
from spinemet.analysis.logrank import logrank
from spinemet.analysis.survival import kaplan_meier
from spinemet.errors import InvalidInputError
from spinemet.pathway.radiosensitivity import RADIORESISTANT, STUDY_RADIORESISTANT
from spinemet.scores.tokuhashi import TOKUHASHI_BANDS as _TOKUHASHI_BAND_TABLE

__all__ = [
    "PREDICTED_SURVIVAL_MONTHS",
    "STUDY_RT_EXCLUDED",
    "BandSurvival",
    "DischargeSummary",
    "FisherResult",
    "GroupComparison",
    "MannWhitneyResult",
    "MistComparison",
    "ObservedVsPredicted",
    "RadiotherapyRate",
    "WelchResult",
    "discharge_rule_contradictions",
    "discharge_summary",
    "fisher_2x2",
    "mann_whitney",
    "mist_vs_conventional",
    "observed_vs_predicted",
    "radiotherapy_rate",
    "welch_t",
]

STUDY_RT_EXCLUDED: tuple[str, ...] = STUDY_RADIORESISTANT
"""The paper's radiotherapy denominator leaves out "radiation-resistant cancer such as kidney and thyroid"
(Uei 2018, Discussion: 38 of 47): ``spinemet.pathway.radiosensitivity.STUDY_RADIORESISTANT``. Named here
only to reproduce that number; it is a subset of the radiosensitivity rule's resistant class
(``spinemet.pathway.radiosensitivity.RADIORESISTANT``: kidney, thyroid, colon, rectum - AO Surgery Reference),
which is the default of :func:`radiotherapy_rate`."""

PREDICTED_SURVIVAL_MONTHS: Mapping[str, float] = {"0-8": 6.0, "9-11": 6.0, "12-15": 12.0}
"""Months of each Tokuhashi band's predicted survival (Tokuhashi 2005: 0-8 < 6 months, 9-11 >= 6 months,
12-15 >= 1 year). A patient "lived beyond the prediction" when survival exceeds this threshold; for the
0-8 band, whose prediction is "< 6 months", survival of 6 months or more already contradicts it
(:data:`BEYOND_AT_THRESHOLD`)."""

BEYOND_AT_THRESHOLD: frozenset[str] = frozenset({"0-8"})
"""Bands whose prediction is an upper bound ("< 6 months", Tokuhashi 2005): a patient who reaches the
threshold (survival >= threshold) has lived beyond it. Other bands need survival > threshold."""

_LIVED_BEYOND_RULE = (
    "lived beyond = survival_months >= 6 for the 0-8 band (predicted < 6 months) and > the band's predicted "
    "survival for 9-11 (6 months) and 12-15 (12 months) (Tokuhashi 2005 bands); a death before the "
    "threshold (0-8) or at or before it (9-11, 12-15) = not beyond; a patient censored there = unknown "
    "(reported separately); missing survival = missing"
)


def _text(frame: pd.DataFrame, col: str) -> pd.Series:
    if col not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype="object")
    return frame[col].astype("object")  # cohort frames hold stripped strings (ARCHITECTURE.md)


# ----------------------------------------------------------------------------------- two-sample tests
@dataclass(frozen=True)
class WelchResult:
    """Welch two-sample t-test (R ``t.test(x, y)``), difference mean(x) - mean(y)."""

    n_x: int
    n_y: int
    mean_x: float
    mean_y: float
    difference: float
    ci95: tuple[float, float]
    t: float
    df: float
    p: float
    method: str = "Welch two-sample t-test (R t.test var.equal=FALSE)"

    def to_dict(self) -> dict[str, Any]:
        return jsonable(self.__dict__)


@dataclass(frozen=True)
class MannWhitneyResult:
    """Wilcoxon rank-sum test (R ``wilcox.test(x, y)``)."""

    n_x: int
    n_y: int
    median_x: float
    median_y: float
    statistic_w: float
    p: float
    exact: bool
    method: str

    def to_dict(self) -> dict[str, Any]:
        return jsonable(self.__dict__)


@dataclass(frozen=True)
class FisherResult:
    """Fisher's exact test of a 2x2 table ``[[a, b], [c, d]]`` (R ``fisher.test``)."""

    table: tuple[tuple[int, int], tuple[int, int]]
    odds_ratio: float
    ci95: tuple[float, float]
    p: float
    method: str = (
        "Fisher's exact test, two-sided (R fisher.test); odds ratio = conditional MLE with exact 95% CI"
    )

    def to_dict(self) -> dict[str, Any]:
        return jsonable(self.__dict__)


def _clean(values: Iterable[float]) -> np.ndarray:
    arr = pd.to_numeric(pd.Series(np.asarray(list(values) if not isinstance(values, np.ndarray) else values)),
                        errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return arr[~np.isnan(arr)]


def welch_t(x: Iterable[float], y: Iterable[float]) -> WelchResult:
    """Welch t-test of mean(x) - mean(y) with its 95% CI (R ``t.test(x, y)``); missing values dropped."""
    a, b = _clean(x), _clean(y)
    nan = math.nan
    if a.size < 2 or b.size < 2 or (a.var(ddof=1) == 0 and b.var(ddof=1) == 0):
        return WelchResult(int(a.size), int(b.size), float(a.mean()) if a.size else nan,
                           float(b.mean()) if b.size else nan, nan, (nan, nan), nan, nan, nan,
                           "Welch two-sample t-test: not computable (needs >= 2 values per group and "
                           "some variation)")
    # R t.test(x, y): se^2 = var(x)/nx + var(y)/ny; Welch-Satterthwaite df
    vx, vy = float(a.var(ddof=1)) / a.size, float(b.var(ddof=1)) / b.size
    df = (vx + vy) ** 2 / (vx**2 / (a.size - 1) + vy**2 / (b.size - 1))
    se = math.sqrt(vx + vy)
    diff = float(a.mean() - b.mean())
    t = diff / se
    half = t_ppf(0.975, df) * se
    return WelchResult(
        n_x=int(a.size), n_y=int(b.size), mean_x=float(a.mean()), mean_y=float(b.mean()),
        difference=diff, ci95=(diff - half, diff + half), t=t, df=float(df), p=t_two_sided_p(t, df),
    )  # fmt: skip


def mann_whitney(x: Iterable[float], y: Iterable[float]) -> MannWhitneyResult:
    """Wilcoxon rank-sum test as R ``wilcox.test(x, y)`` with its defaults (see module docstring)."""
    a, b = _clean(x), _clean(y)
    nx, ny = int(a.size), int(b.size)
    nan = math.nan
    if nx == 0 or ny == 0:
        return MannWhitneyResult(nx, ny, nan, nan, nan, nan, False,
                                 "Wilcoxon rank-sum: not computable (an empty group)")
    r = rank_average(np.concatenate([a, b]))
    w = float(r[:nx].sum() - nx * (nx + 1) / 2)
    _, tie_counts = np.unique(r, return_counts=True)
    ties = bool((tie_counts > 1).any())
    exact = nx < 50 and ny < 50 and not ties
    if exact:
        # R: p = min(2 * one tail, 1), the tail on the side of W; P(W >= w) = P(W <= nx ny - w) (symmetry)
        cdf = wilcox_rank_sum_cdf(nx, ny)
        wi = round(w)
        p = min(2.0 * float(cdf[nx * ny - wi] if w > nx * ny / 2 else cdf[wi]), 1.0)
        method = "Wilcoxon rank-sum (Mann-Whitney), exact (R wilcox.test; both n<50, no ties)"
    else:
        n = nx + ny
        z = w - nx * ny / 2
        tie_term = float((tie_counts**3 - tie_counts).sum()) / (n * (n - 1))
        sigma = math.sqrt(nx * ny / 12 * ((n + 1) - tie_term))
        if sigma > 0:
            z = (z - math.copysign(0.5, z) * (z != 0)) / sigma
            p = 2 * min(norm_cdf(z), norm_sf(z))
        else:
            p = nan
        why = ", ".join(r for r, hit in (("n>=50", nx >= 50 or ny >= 50), ("ties", ties)) if hit)
        method = (
            "Wilcoxon rank-sum (Mann-Whitney), normal approximation with continuity correction "
            f"(R wilcox.test correct=TRUE; {why})"
        )
    return MannWhitneyResult(nx, ny, float(np.median(a)), float(np.median(b)), w, p, exact, method)


class _NoncentralHypergeometric:
    """Fisher's noncentral hypergeometric distribution of the [0, 0] cell given the margins, computed over
    the whole support in numpy (R ``fisher.test``'s ``dnhyper``/``mnhyper``/``pnhyper``)."""

    def __init__(self, t: np.ndarray) -> None:
        m, n, k = int(t[:, 0].sum()), int(t[:, 1].sum()), int(t[0, :].sum())
        self.lo, self.hi = max(0, k - n), min(k, m)
        self.support = np.arange(self.lo, self.hi + 1, dtype=float)
        self.logdc = hypergeom_logpmf(self.support, m + n, m, k)

    def density(self, ncp: float) -> np.ndarray:
        d = self.logdc + math.log(ncp) * self.support
        d = np.exp(d - d.max())
        return d / d.sum()

    def mean(self, ncp: float) -> float:
        if ncp == 0:
            return float(self.lo)
        if math.isinf(ncp):
            return float(self.hi)
        return float((self.support * self.density(ncp)).sum())

    def tail(self, q: float, ncp: float, upper: bool) -> float:
        if ncp == 0:
            return float(q <= self.lo) if upper else float(q >= self.lo)
        if math.isinf(ncp):
            return float(q <= self.hi) if upper else float(q >= self.hi)
        d = self.density(ncp)
        return float(d[self.support >= q].sum() if upper else d[self.support <= q].sum())


def _bisect(f: Any, lo: float, hi: float) -> float:
    """Root of a monotone ``f`` with a sign change on [lo, hi], by bisection to full double precision
    (|interval| <= 1e-14 + 4 eps |x|, brentq's tolerance; ~50 evaluations, each a sum over the support).
    Written here so that Fisher's test does not import scipy.optimize (0.2 s of a cold start)."""
    f_lo = f(lo)
    if f_lo == 0:
        return lo
    eps = np.finfo(float).eps
    while True:
        mid = 0.5 * (lo + hi)
        if hi - lo <= 1e-14 + 4 * eps * abs(mid) or mid in (lo, hi):
            return mid
        f_mid = f(mid)
        if f_mid == 0:
            return mid
        if (f_mid > 0) == (f_lo > 0):
            lo, f_lo = mid, f_mid
        else:
            hi = mid


def _root(f: Any) -> float:
    """Root of ``f`` on (0, 1) (R ``uniroot`` on c(0, 1); here to full double precision). ``f`` is
    monotone in the odds ratio (a mean or a tail of the noncentral hypergeometric distribution)."""
    return _bisect(f, 0.0, 1.0)


def _root_inv(f: Any) -> float:
    """1 / root of ``t -> f(1 / t)`` on (eps, 1), R's device for odds ratios above 1."""
    return 1.0 / _bisect(lambda u: f(1.0 / u), float(np.finfo(float).eps), 1.0)


def fisher_2x2(table: Iterable[Iterable[int]], conf_level: float = 0.95) -> FisherResult:
    """Fisher's exact test of a 2x2 count table, as R ``fisher.test``: two-sided p = sum of the
    probabilities of tables no more likely than the observed one (relative tolerance 1e-7, as R), the
    conditional maximum-likelihood odds ratio and its exact CI. Vectorised over the support, so tables of
    1e5 patients take milliseconds. R finds the odds-ratio roots with ``uniroot``'s default tolerance
    (~1e-4); here they are found to full precision, so the two agree to about 1e-4 relative."""
    t = np.asarray([list(row) for row in table], dtype=np.int64)
    if t.shape != (2, 2) or (t < 0).any():
        raise InvalidInputError("table", t.tolist(), "a 2x2 table of counts >= 0")
    if not 0 < conf_level < 1:
        raise InvalidInputError("conf_level", conf_level, "a number strictly between 0 and 1")
    dist = _NoncentralHypergeometric(t)
    x = float(t[0, 0])
    d1 = dist.density(1.0)
    p = float(min(1.0, d1[d1 <= d1[int(x) - dist.lo] * (1 + 1e-7)].sum()))
    if (t.sum(axis=0) == 0).any() or (t.sum(axis=1) == 0).any():
        return FisherResult(((int(t[0, 0]), int(t[0, 1])), (int(t[1, 0]), int(t[1, 1]))), math.nan,
                            (math.nan, math.nan), p)

    def mle() -> float:
        if x == dist.lo:
            return 0.0
        if x == dist.hi:
            return math.inf
        mu = dist.mean(1.0)
        if mu > x:
            return _root(lambda r: dist.mean(r) - x)
        if mu < x:
            return _root_inv(lambda r: dist.mean(r) - x)
        return 1.0

    alpha = (1 - conf_level) / 2

    def upper() -> float:
        if x == dist.hi:
            return math.inf
        pu = dist.tail(x, 1.0, upper=False)
        if pu < alpha:
            return _root(lambda r: dist.tail(x, r, upper=False) - alpha)
        if pu > alpha:
            return _root_inv(lambda r: dist.tail(x, r, upper=False) - alpha)
        return 1.0

    def lower() -> float:
        if x == dist.lo:
            return 0.0
        pl = dist.tail(x, 1.0, upper=True)
        if pl > alpha:
            return _root(lambda r: dist.tail(x, r, upper=True) - alpha)
        if pl < alpha:
            return _root_inv(lambda r: dist.tail(x, r, upper=True) - alpha)
        return 1.0

    return FisherResult(
        ((int(t[0, 0]), int(t[0, 1])), (int(t[1, 0]), int(t[1, 1]))), mle(), (lower(), upper()), p
    )


# ------------------------------------------------------------------------------------------ discharge
@dataclass(frozen=True)
class DischargeSummary:
    """Discharge course overall and by Tokuhashi band (the paper's Results and Table 5)."""

    n: int
    n_known: int
    n_missing: int
    counts: dict[str, int]
    home: int
    home_rate: float
    by_band: dict[str, dict[str, Any]]
    band_missing: int

    def to_dict(self) -> dict[str, Any]:
        return jsonable(self.__dict__)


def discharge_summary(frame: pd.DataFrame) -> DischargeSummary:
    """Counts of each discharge destination, the home-discharge rate (home / known destinations) overall
    and within each Tokuhashi band (patients without a band are counted in ``band_missing``)."""
    dest = _text(frame, "discharge")
    bad = sorted(set(dest.dropna()) - set(DISCHARGE_LEVELS))
    if bad:
        raise InvalidInputError("discharge", bad[0], ", ".join(DISCHARGE_LEVELS))
    known = dest.notna()
    counts = {lvl: int((dest == lvl).sum()) for lvl in DISCHARGE_LEVELS}
    n_known = int(known.sum())
    home = counts["home"]
    band = tokuhashi_band_series(frame)
    tab = pd.crosstab(band, dest) if n_known else pd.DataFrame()
    by_band: dict[str, dict[str, Any]] = {}
    for b in TOKUHASHI_BANDS:
        in_band = band == b
        nb = int(in_band.sum())
        nk = int((in_band & known).sum())
        c = {
            lvl: int(tab.at[b, lvl]) if (b in tab.index and lvl in tab.columns) else 0
            for lvl in DISCHARGE_LEVELS
        }
        by_band[b] = {
            "n": nb,
            "n_known": nk,
            "n_missing": nb - nk,
            "counts": c,
            "home": c["home"],
            "home_rate": c["home"] / nk if nk else math.nan,
        }
    return DischargeSummary(
        n=len(frame), n_known=n_known, n_missing=len(frame) - n_known, counts=counts, home=home,
        home_rate=home / n_known if n_known else math.nan, by_band=by_band,
        band_missing=int((band.isna() & known).sum()),
    )  # fmt: skip


def discharge_rule_contradictions(frame: pd.DataFrame, *, barthel_threshold: float = 70.0) -> pd.DataFrame:
    """Patients discharged home against the study's criterion (Barthel >= 70, or sufficient family care
    when Barthel < 70): ``discharge == "home"`` and ``barthel_post < 70`` and ``family_care`` not "yes"
    (a missing ``family_care`` counts as not "yes" and is shown as missing).

    Returns columns ``patient_id``, ``barthel_post``, ``family_care``, ``reason``, in the frame's order.
    """
    dest = _text(frame, "discharge")
    barthel = numeric_column(frame, "barthel_post")
    family = _text(frame, "family_care")
    mask = (dest == "home").to_numpy() & (barthel < barthel_threshold) & (family != "yes").to_numpy()
    ids = frame["patient_id"] if "patient_id" in frame.columns else pd.Series(frame.index, index=frame.index)
    out = pd.DataFrame(
        {
            "patient_id": ids.to_numpy()[mask],
            "barthel_post": barthel[mask],
            "family_care": family.to_numpy()[mask],
        }
    )
    out["reason"] = pd.Series(
        [
            f"discharged home with barthel_post {b:g} < {barthel_threshold:g} and family_care "
            f"{'missing' if pd.isna(f) else f}"
            for b, f in zip(out["barthel_post"], out["family_care"], strict=True)
        ],
        dtype="object",
    )
    return out


# --------------------------------------------------------------------------------------- radiotherapy
@dataclass(frozen=True)
class RadiotherapyRate:
    """Postoperative radiotherapy among primaries the study did not consider radiation-resistant."""

    excluded_primaries: tuple[str, ...]
    n_eligible: int
    n_known: int
    n_missing: int
    n_radiotherapy: int
    rate: float
    n_excluded: int
    n_primary_missing: int
    rule: str

    def to_dict(self) -> dict[str, Any]:
        return jsonable(self.__dict__)


def radiotherapy_rate(
    frame: pd.DataFrame, *, excluded_primaries: Iterable[str] | None = None
) -> RadiotherapyRate:
    """Radiotherapy = "yes" among patients whose primary is known and not in ``excluded_primaries``.

    ``excluded_primaries`` defaults to the radiation-resistant primaries of the pathway's radiosensitivity
    rule (``spinemet.pathway.radiosensitivity.RADIORESISTANT``: kidney, colon, rectum, thyroid); pass
    :data:`STUDY_RT_EXCLUDED` (kidney, thyroid) for the paper's denominator (38 of 47), as
    :func:`spinemet.analysis.study.analyse_study` does. ``rate`` = n_radiotherapy / n_known, where
    n_known excludes eligible patients with missing ``radiotherapy``."""
    pathway_rule = excluded_primaries is None
    excl = tuple(sorted(RADIORESISTANT)) if excluded_primaries is None else tuple(excluded_primaries)
    source = (
        "radiation-resistant by the pathway's radiosensitivity rule (AO Surgery Reference)"
        if pathway_rule
        else "the paper excluded radiation-resistant kidney and thyroid"
        if set(excl) == set(STUDY_RT_EXCLUDED)
        else "excluded by the caller"
    )
    primary = _text(frame, "primary_tumor")
    rt = _text(frame, "radiotherapy")
    bad = sorted(set(rt.dropna()) - {"yes", "no"})
    if bad:
        raise InvalidInputError("radiotherapy", bad[0], "yes, no")
    eligible = primary.notna() & ~primary.isin(excl)
    known = eligible & rt.notna()
    n_rt = int((known & (rt == "yes")).sum())
    n_known = int(known.sum())
    return RadiotherapyRate(
        excluded_primaries=excl, n_eligible=int(eligible.sum()), n_known=n_known,
        n_missing=int(eligible.sum()) - n_known, n_radiotherapy=n_rt,
        rate=n_rt / n_known if n_known else math.nan, n_excluded=int(primary.isin(excl).sum()),
        n_primary_missing=int(primary.isna().sum()),
        rule=f"radiotherapy yes / known, primary_tumor not in {', '.join(excl)} ({source})",
    )  # fmt: skip


# ------------------------------------------------------------------------------ observed vs predicted
@dataclass(frozen=True)
class BandSurvival:
    """One Tokuhashi band: prediction, observed counts and its Kaplan-Meier median."""

    band: str
    predicted: str
    threshold_months: float
    n: int
    n_missing: int
    lived_beyond: int
    not_beyond: int
    unknown: int
    proportion_beyond: float
    km_median: float
    km_median_ci95: tuple[float, float]
    events: int

    def to_dict(self) -> dict[str, Any]:
        return jsonable(self.__dict__)


@dataclass(frozen=True)
class ObservedVsPredicted:
    """Observed survival against the Tokuhashi prediction, with log-rank tests across the bands."""

    bands: dict[str, BandSurvival]
    n: int
    n_used: int
    n_missing: int
    logrank_chi2: float
    logrank_df: float
    logrank_p: float
    trend_chi2: float
    trend_p: float
    ci_method: str
    rule: str = _LIVED_BEYOND_RULE
    methods: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["bands"] = {k: v.to_dict() for k, v in self.bands.items()}
        return jsonable(out)


def _predicted_text() -> dict[str, str]:
    return {code: survival for _, _, code, survival, _ in _TOKUHASHI_BAND_TABLE}


def observed_vs_predicted(
    frame: pd.DataFrame,
    *,
    thresholds: Mapping[str, float] = PREDICTED_SURVIVAL_MONTHS,
    median_ci: str = "log",
) -> ObservedVsPredicted:
    """Per Tokuhashi band: how many lived beyond the band's predicted survival (rule in
    :data:`PREDICTED_SURVIVAL_MONTHS`), the Kaplan-Meier median with its 95% CI (``median_ci`` is passed to
    ``kaplan_meier(ci_method=...)``), the log-rank test across the bands (R ``survdiff``) and the trend
    test over the ordered bands (scores 1, 2, 3)."""
    missing = [b for b in TOKUHASHI_BANDS if b not in thresholds]
    if missing or any(not float(thresholds[b]) > 0 for b in TOKUHASHI_BANDS if b in thresholds):
        raise InvalidInputError("thresholds", dict(thresholds), "months > 0 for each of 0-8, 9-11, 12-15")
    time = numeric_column(frame, "survival_months")
    dead = numeric_column(frame, "dead")
    band = tokuhashi_band_series(frame).to_numpy(dtype=object)
    has_surv = ~np.isnan(time) & ~np.isnan(dead)
    predicted = _predicted_text()
    bands: dict[str, BandSurvival] = {}
    for b in TOKUHASHI_BANDS:
        in_b = band == b
        ok = in_b & has_surv
        thr = float(thresholds[b])
        t, d = time[ok], dead[ok]
        reached = t >= thr if b in BEYOND_AT_THRESHOLD else t > thr
        beyond = int(reached.sum())
        not_beyond = int((~reached & (d == 1)).sum())
        unknown = int((~reached & (d == 0)).sum())
        decided = beyond + not_beyond
        med, ci = math.nan, (math.nan, math.nan)
        if ok.any():
            km = kaplan_meier(t, d, ci_method=median_ci)
            med = float(km.median)
            ci = (float(km.median_ci[0]), float(km.median_ci[1]))
        bands[b] = BandSurvival(
            band=b, predicted=predicted.get(b, ""), threshold_months=thr, n=int(ok.sum()),
            n_missing=int((in_b & ~has_surv).sum()), lived_beyond=beyond, not_beyond=not_beyond,
            unknown=unknown, proportion_beyond=beyond / decided if decided else math.nan,
            km_median=med, km_median_ci95=ci, events=int(d.sum()),
        )  # fmt: skip
    use = has_surv & pd.notna(band) & np.isin(band.astype(str), TOKUHASHI_BANDS)
    nan = math.nan
    lr_chi2 = lr_df = lr_p = tr_chi2 = tr_p = nan
    groups_present = set(band[use].tolist())
    if len(groups_present) >= 2:
        lr = logrank(time[use], dead[use], band[use].astype(str))
        lr_chi2, lr_df, lr_p = float(lr.chi2), float(lr.df), float(lr.p)
        order = {b: float(i + 1) for i, b in enumerate(TOKUHASHI_BANDS)}
        tr = lr.trend(order)  # same O, E, V as logrank_trend(...) without recounting
        tr_chi2, tr_p = float(tr.chi2), float(tr.p)
    return ObservedVsPredicted(
        bands=bands, n=len(frame), n_used=int(use.sum()), n_missing=len(frame) - int(use.sum()),
        logrank_chi2=lr_chi2, logrank_df=lr_df, logrank_p=lr_p, trend_chi2=tr_chi2, trend_p=tr_p,
        ci_method=median_ci,
        methods={
            "median": f"Kaplan-Meier median, 95% CI ci_method={median_ci!r} (R survfit conf.type)",
            "logrank": "log-rank test across Tokuhashi bands (R survdiff, rho=0)",
            "trend": "log-rank test for trend over ordered bands 0-8 < 9-11 < 12-15 scored 1, 2, 3",
        },
    )  # fmt: skip


# ------------------------------------------------------------------------------- MISt vs conventional
@dataclass(frozen=True)
class GroupComparison:
    """One variable compared between MISt and conventional surgery."""

    variable: str
    n_mist: int
    n_conventional: int
    n_missing: int
    welch: WelchResult | None = None
    mann_whitney: MannWhitneyResult | None = None
    fisher: FisherResult | None = None
    events_mist: int | None = None
    events_conventional: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return jsonable({k: getattr(self, k) for k in self.__dataclass_fields__})


@dataclass(frozen=True)
class MistComparison:
    """MISt (x) against conventional (y): continuous variables by Welch t and Mann-Whitney, any complication
    by Fisher's exact test, survival by the log-rank test."""

    n_mist: int
    n_conventional: int
    n_missing_procedure: int
    variables: dict[str, GroupComparison]
    survival_logrank_chi2: float
    survival_logrank_p: float
    survival_n_used: int
    survival_n_missing: int
    direction: str = "differences are mist - conventional"

    def to_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["variables"] = {k: v.to_dict() for k, v in self.variables.items()}
        return jsonable(out)


def mist_vs_conventional(frame: pd.DataFrame) -> MistComparison:
    """Compare MISt with conventional posterior decompression and fixation: operative time, blood loss,
    levels fused, Barthel gain (post - pre), VAS change (post - pre) by Welch t and Mann-Whitney; any
    perioperative complication by Fisher's exact test; survival by the log-rank test."""
    proc = _text(frame, "procedure")
    bad = sorted(set(proc.dropna()) - {"conventional", "mist"})
    if bad:
        raise InvalidInputError("procedure", bad[0], "conventional, mist")
    is_m = (proc == "mist").to_numpy()
    is_c = (proc == "conventional").to_numpy()
    continuous = {
        "operative_time_min": numeric_column(frame, "operative_time_min"),
        "blood_loss_ml": numeric_column(frame, "blood_loss_ml"),
        "levels_fused": numeric_column(frame, "levels_fused"),
        "barthel_gain": numeric_column(frame, "barthel_post") - numeric_column(frame, "barthel_pre"),
        "vas_change": numeric_column(frame, "vas_post") - numeric_column(frame, "vas_pre"),
    }
    variables: dict[str, GroupComparison] = {}
    for name, v in continuous.items():
        ok = ~np.isnan(v)
        variables[name] = GroupComparison(
            variable=name, n_mist=int((ok & is_m).sum()), n_conventional=int((ok & is_c).sum()),
            n_missing=int(((is_m | is_c) & ~ok).sum()), welch=welch_t(v[is_m], v[is_c]),
            mann_whitney=mann_whitney(v[is_m], v[is_c]),
        )  # fmt: skip
    comp = _text(frame, "complications").fillna("").astype(str).str.strip(" ;")
    anyc = (comp != "").to_numpy()
    em, ec = int((anyc & is_m).sum()), int((anyc & is_c).sum())
    nm, nc = int(is_m.sum()), int(is_c.sum())
    variables["any_complication"] = GroupComparison(
        variable="any_complication", n_mist=nm, n_conventional=nc, n_missing=0,
        fisher=fisher_2x2([[em, nm - em], [ec, nc - ec]]), events_mist=em, events_conventional=ec,
    )  # fmt: skip
    time, dead = numeric_column(frame, "survival_months"), numeric_column(frame, "dead")
    ok = (is_m | is_c) & ~np.isnan(time) & ~np.isnan(dead)
    chi2 = p = math.nan
    if (ok & is_m).any() and (ok & is_c).any():
        lr = logrank(time[ok], dead[ok], proc.to_numpy(dtype=object)[ok].astype(str))
        chi2, p = float(lr.chi2), float(lr.p)
    return MistComparison(
        n_mist=nm, n_conventional=nc, n_missing_procedure=int(proc.isna().sum()), variables=variables,
        survival_logrank_chi2=chi2, survival_logrank_p=p, survival_n_used=int(ok.sum()),
        survival_n_missing=int((is_m | is_c).sum()) - int(ok.sum()),
    )  # fmt: skip
