"""Cox proportional hazards regression, numerically as R's ``survival::coxph`` (survival 3.5).

Clinical meaning: each hazard ratio (HR) compares the instantaneous risk of death for a one-unit higher
covariate (or a category against the reference category) with all other covariates held fixed.

Method (what R's ``coxph.fit``/``coxfit6`` does, reproduced step by step so the estimates agree to
floating-point noise rather than to a convergence tolerance):

* Ties: ``"efron"`` (R's default) or ``"breslow"``. Exact partial likelihood is not offered.
* Covariates are centred and scaled internally (mean, then 1 / mean absolute deviation), except columns
  whose values all lie in {-1, 0, 1} (R's ``nocenter``); estimates are reported on the original scale.
* Newton-Raphson from beta = 0; a step that lowers the log partial likelihood (or overflows) is pulled
  back towards the last good beta (1/2, then 2/3, ...); convergence when |1 - loglik_old / loglik_new|
  <= 1e-9 (R's ``eps``), at most 20 iterations (``iter.max``); when they run out, the last good beta is
  returned with ``converged = False`` (R: "Ran out of iterations and did not converge").
* Tests as ``summary(coxph)``: likelihood ratio 2 (l(beta) - l(0)); Wald beta' V^-1 beta; score
  (log-rank for one binary covariate) U(0)' I(0)^-1 U(0); all on p degrees of freedom.
* ``robust=True``: sandwich variance from dfbeta residuals (R's ``robust=TRUE`` without ``cluster``); the
  z, p, CI and Wald test then use it, ``se_naive`` keeps the model-based SE, and ``robust_score_test``
  is R's ``Robust`` line.
* Concordance: Harrell's C of the linear predictor (higher risk = shorter survival, within strata), as
  ``summary(coxph)$concordance``; see :mod:`spinemet.analysis.concordance`.

Risk sets are sums over the time-sorted data computed with reverse cumulative sums; Efron's correction is
applied per death with grouped (vectorised) arithmetic, so the cost per iteration is O(n p^2) in numpy.

Categorical covariates: numeric (and boolean) columns enter as they are. pandas ``category`` columns and
text (object/string) columns are treatment coded with the first level as reference: the category order
for ``category`` columns (unused categories dropped), sorted order of the values for text columns (R's
``factor()`` default, with Python's code-point sort rather than the locale's). Dummy columns are named
like R: column name + level (``celltype`` + ``smallcell`` -> ``celltypesmallcell``).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from spinemet.analysis._dist import chi2_sf, norm_ppf, norm_two_sided_p
from spinemet.analysis.concordance import concordance
from spinemet.errors import InvalidInputError

__all__ = ["CoxResult", "TestResult", "cox"]

_EPS = 1e-9


class TestResult(NamedTuple):
    """A chi-square test as printed by ``summary(coxph)``."""

    statistic: float
    df: int
    p: float


@dataclass(frozen=True)
class _Term:
    column: str
    kind: str  # "numeric" | "categorical"
    levels: tuple[Any, ...] = ()

    def names(self) -> list[str]:
        if self.kind == "numeric":
            return [self.column]
        return [f"{self.column}{lev}" for lev in self.levels[1:]]


@dataclass(frozen=True)
class CoxResult:
    """A fitted Cox model with the numbers of R's ``summary(coxph(...))``.

    ``summary`` is indexed by covariate (dummy) name with columns coef, se, hr, hr_lower, hr_upper, z, p
    (plus se_naive when ``robust``). ``loglik`` is (null, fitted) as ``fit$loglik``; ``concordance`` is
    (C, se) as ``summary(fit)$concordance``.
    """

    summary: pd.DataFrame
    coef: NDArray[np.float64]
    var: NDArray[np.float64]
    loglik: tuple[float, float]
    lr_test: TestResult
    wald_test: TestResult
    score_test: TestResult
    n: int
    n_events: int
    n_dropped: int
    iterations: int
    converged: bool
    ties: str
    conf_level: float
    robust: bool
    strata: str | None
    means: NDArray[np.float64]
    naive_var: NDArray[np.float64] | None = None
    robust_score_test: TestResult | None = None
    _terms: tuple[_Term, ...] = field(default=(), repr=False)
    _conc_inputs: tuple[Any, ...] = field(default=(), repr=False, compare=False)

    @cached_property
    def concordance(self) -> tuple[float, float]:
        """(C, se) of the linear predictor, as ``summary(fit)$concordance`` (computed on first use)."""
        t, e, lp, s = self._conc_inputs
        res = concordance(t, e, lp, reverse=True, strata=s)
        return (res.c, res.se)

    @property
    def covariates(self) -> list[str]:
        """Names of the model's columns (after dummy coding)."""
        return list(self.summary.index)

    def predict_lp(self, frame: pd.DataFrame) -> NDArray[np.float64]:
        """Linear predictor for new patients, centred as R's ``predict(fit, newdata, type = "lp")``.

        Rows with a missing covariate give NaN. Unknown category levels raise ``InvalidInputError``.
        """
        x, _ = _design(frame, self._terms, fit=False)
        return (x - self.means) @ self.coef

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON dictionary of the fit (table rows, tests, counts, method)."""
        rows = {
            name: {k: float(v) for k, v in row.items()} for name, row in self.summary.iterrows()
        }

        def test(t: TestResult | None) -> dict[str, float] | None:
            return None if t is None else {"statistic": t.statistic, "df": t.df, "p": t.p}

        return {
            "method": f"Cox proportional hazards, {self.ties} ties (R survival::coxph)",
            "coefficients": rows,
            "loglik": list(self.loglik),
            "lr_test": test(self.lr_test),
            "wald_test": test(self.wald_test),
            "score_test": test(self.score_test),
            "robust_score_test": test(self.robust_score_test),
            "concordance": {"c": self.concordance[0], "se": self.concordance[1]},
            "n": self.n,
            "n_events": self.n_events,
            "n_dropped": self.n_dropped,
            "iterations": self.iterations,
            "converged": self.converged,
            "ties": self.ties,
            "conf_level": self.conf_level,
            "robust": self.robust,
            "strata": self.strata,
        }


# ----------------------------------------------------------------------------------------------------
# design matrix


def _terms_for(frame: pd.DataFrame, covariates: Sequence[str]) -> list[_Term]:
    terms = []
    for col in covariates:
        s = frame[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            used = set(s.dropna().unique())
            levels = tuple(c for c in s.cat.categories if c in used)
            terms.append(_Term(col, "categorical", levels))
        elif pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
            terms.append(_Term(col, "numeric"))
        else:
            vals = s.dropna().unique()
            try:
                levels = tuple(sorted(vals))
            except TypeError as exc:
                raise InvalidInputError(col, "mixed value types", "numbers or text of one type") from exc
            terms.append(_Term(col, "categorical", levels))
    return terms


def _design(
    frame: pd.DataFrame, terms: Sequence[_Term], *, fit: bool
) -> tuple[NDArray[np.float64], list[str]]:
    cols: list[NDArray[np.float64]] = []
    names: list[str] = []
    for term in terms:
        if term.column not in frame.columns:
            raise InvalidInputError("frame", term.column, "a DataFrame with the model's covariate columns",
                                    f"missing column {term.column!r}")
        s = frame[term.column]
        if term.kind == "numeric":
            try:
                cols.append(pd.to_numeric(s, errors="raise").astype(np.float64).to_numpy())
            except (TypeError, ValueError) as exc:
                raise InvalidInputError(term.column, s.iloc[0], "numeric values", str(exc)) from exc
            names.append(term.column)
            continue
        obj = s.astype(object)
        missing = pd.isna(obj).to_numpy()
        present = obj[~missing]
        unknown = set(present.unique()) - set(term.levels)
        if unknown:
            raise InvalidInputError(term.column, sorted(map(str, unknown))[0],
                                    ", ".join(map(str, term.levels)),
                                    "level not seen when the model was fitted" if not fit else None)
        for lev in term.levels[1:]:
            col = (obj == lev).to_numpy(dtype=np.float64)
            col[missing] = np.nan
            cols.append(col)
            names.append(f"{term.column}{lev}")
    x = np.column_stack(cols) if cols else np.empty((len(frame), 0))
    return x, names


# ----------------------------------------------------------------------------------------------------
# the partial likelihood engine


class _Engine:
    """Sorted data and event-group bookkeeping; ``evaluate(beta)`` gives loglik, score and information."""

    def __init__(self, x: NDArray[np.float64], time: NDArray[np.float64], event: NDArray[np.bool_],
                 strata: NDArray[np.int64], ties: str) -> None:
        # sort by (stratum, time, deaths first) with stable sorts (much faster than np.lexsort)
        order = np.concatenate([np.flatnonzero(event), np.flatnonzero(~event)])
        order = order[np.argsort(time[order], kind="stable")]
        if strata.size and strata.min() != strata.max():
            order = order[np.argsort(strata[order], kind="stable")]
        self.order = order
        self.x = np.ascontiguousarray(x[order])
        t = time[order]
        s = strata[order]
        e = event[order]
        n = t.shape[0]
        self.n = n
        # end of each row's stratum (exclusive)
        bounds = np.flatnonzero(np.diff(s)) + 1
        ends = np.append(bounds, n)
        self.strat_end = ends[np.searchsorted(ends, np.arange(n), side="right")]
        # blocks of rows sharing (stratum, time): risk-set sums are suffix sums over blocks
        new_block = np.ones(n, dtype=bool)
        new_block[1:] = (t[1:] != t[:-1]) | (s[1:] != s[:-1])
        self.bstart = np.flatnonzero(new_block)
        block_of_row = np.cumsum(new_block) - 1
        self.n_blocks = self.bstart.shape[0]
        ev = np.flatnonzero(e)
        self.ev = ev
        new_group = np.ones(ev.shape[0], dtype=bool)
        new_group[1:] = (t[ev][1:] != t[ev][:-1]) | (s[ev][1:] != s[ev][:-1])
        self.group = np.cumsum(new_group) - 1  # group id per event
        gstart = np.flatnonzero(new_group)
        self.first = ev[gstart]  # first row of (stratum, time): deaths come first
        self.end = self.strat_end[self.first]
        self.first_block = block_of_row[self.first]
        self.end_block = np.where(self.end < n, block_of_row[np.minimum(self.end, n - 1)], self.n_blocks)
        self.d = np.diff(np.append(gstart, ev.shape[0])).astype(np.float64)
        self.n_groups = gstart.shape[0]
        if ties == "efron":
            within = np.arange(ev.shape[0]) - gstart[self.group]
            self.frac = within / self.d[self.group]
        else:
            self.frac = np.zeros(ev.shape[0])
        self.ties = ties
        # For each row: the last group whose risk set contains it (first row <= row, same stratum), and
        # the first group of the row's stratum; rows before their stratum's first death get -1.
        new_s = np.ones(self.n_groups, dtype=bool)
        new_s[1:] = self.end[1:] != self.end[:-1]
        self.gstrat_start = np.maximum.accumulate(np.where(new_s, np.arange(self.n_groups), 0))
        last = np.searchsorted(self.first, np.arange(n), side="right") - 1
        valid = last >= 0
        valid[valid] &= self.end[last[valid]] == self.strat_end[valid]
        self.last_group = np.where(valid, last, -1)

    def _risk_sum(self, v: NDArray[np.float64]) -> NDArray[np.float64]:
        """Sum of v over each group's risk set (same stratum, time >= group time)."""
        blocks = np.add.reduceat(v, self.bstart, axis=0)
        rc = np.zeros((self.n_blocks + 1, *v.shape[1:]))
        rc[:-1] = np.cumsum(blocks[::-1], axis=0)[::-1]
        return rc[self.first_block] - rc[self.end_block]

    def _cum_groups(self, v: NDArray[np.float64]) -> NDArray[np.float64]:
        """Per row: sum of a per-group quantity over the groups whose risk set contains the row."""
        c = np.cumsum(v, axis=0)
        base_idx = self.gstrat_start - 1
        base = np.where((base_idx >= 0).reshape((-1,) + (1,) * (v.ndim - 1)),
                        c[np.maximum(base_idx, 0)], 0.0)
        c = c - base
        valid = self.last_group >= 0
        out = c[np.maximum(self.last_group, 0)]
        return np.where(valid.reshape((-1,) + (1,) * (v.ndim - 1)), out, 0.0)

    def _entries(self, r: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64],
                                                         NDArray[np.float64], NDArray[np.float64]]:
        """Per death entry l (Efron sub-step): denominator, weighted mean of x; plus x*r."""
        x, ev, g, frac = self.x, self.ev, self.group, self.frac
        s0 = self._risk_sum(r)
        d0 = np.bincount(g, weights=r[ev], minlength=self.n_groups)
        den = s0[g] - frac * d0[g]
        xr = x * r[:, None]
        s1 = self._risk_sum(xr)
        d1 = np.column_stack([np.bincount(g, weights=xr[ev, a], minlength=self.n_groups)
                              for a in range(x.shape[1])])
        mean = (s1[g] - frac[:, None] * d1[g]) / den[:, None]
        return den, mean, xr, s0

    def evaluate(self, beta: NDArray[np.float64]) -> tuple[float, NDArray[np.float64], NDArray[np.float64]]:
        """Log partial likelihood, score vector and information matrix at ``beta``.

        Information: sum_l [(S2 - f_l D2) / den_l - xbar_l xbar_l'], rewritten as a single weighted Gram
        matrix X' diag(w) X - M'M with w_j = r_j (sum of 1/den_l over risk sets containing j, minus f_l/den_l
        of j's own tied group if j died), so no per-time p x p sums are formed.
        """
        x, ev, g, frac = self.x, self.ev, self.group, self.frac
        eta = x @ beta
        r = np.exp(eta)
        den, mean, _xr, _s0 = self._entries(r)
        loglik = float(eta[ev].sum() - np.log(den).sum())
        score = x[ev].sum(axis=0) - mean.sum(axis=0)
        h = 1.0 / den
        hg = np.bincount(g, weights=h, minlength=self.n_groups)
        w = r * self._cum_groups(hg)
        if self.ties == "efron":
            fg = np.bincount(g, weights=frac * h, minlength=self.n_groups)
            w[ev] -= r[ev] * fg[g]
        info = (x * w[:, None]).T @ x - mean.T @ mean
        return loglik, score, (info + info.T) / 2

    def score_residuals(self, beta: NDArray[np.float64]) -> NDArray[np.float64]:
        """Per-patient score residuals (rows in the engine's sorted order), as R's type = "score"."""
        x = self.x
        p = x.shape[1]
        r = np.exp(x @ beta)
        ev, g, frac = self.ev, self.group, self.frac
        den, xbar, _xr, _s0 = self._entries(r)
        h = 1.0 / den
        # per group: H = sum_l h_l, A = sum_l h_l xbar_l, M = mean_l xbar_l
        hg = np.bincount(g, weights=h, minlength=self.n_groups)
        ag = np.column_stack([np.bincount(g, weights=h * xbar[:, a], minlength=self.n_groups)
                              for a in range(p)])
        mg = np.column_stack([np.bincount(g, weights=xbar[:, a], minlength=self.n_groups)
                              for a in range(p)]) / self.d[:, None]
        cum_h = self._cum_groups(hg)
        cum_a = self._cum_groups(ag)
        resid = -(r[:, None] * (x * cum_h[:, None] - cum_a))
        # deaths: + (x - mean_l xbar_l) and add back the downweighted part of their own group
        corr_h = np.bincount(g, weights=frac * h, minlength=self.n_groups)
        corr_a = np.column_stack([np.bincount(g, weights=frac * h * xbar[:, a], minlength=self.n_groups)
                                  for a in range(p)])
        xe = x[ev]
        resid[ev] += (xe - mg[g]) + r[ev][:, None] * (xe * corr_h[g][:, None] - corr_a[g])
        return resid


def _solve_info(info: NDArray[np.float64], rhs: NDArray[np.float64]) -> NDArray[np.float64]:
    from scipy import linalg  # here, not at module level: keeps `import spinemet.analysis` light

    try:
        c = linalg.cho_factor(info)
    except linalg.LinAlgError as exc:
        raise InvalidInputError("covariates", "information matrix not positive definite",
                                "covariates that are not collinear",
                                "a covariate is a linear combination of others, or a coefficient is "
                                "infinite (e.g. no deaths in one category)") from exc
    return linalg.cho_solve(c, rhs)


def _newton(engine: _Engine, p: int, max_iter: int) -> tuple[
    NDArray[np.float64], float, float, NDArray[np.float64], NDArray[np.float64], float, int, bool
]:
    """R's coxfit6 iteration (survival 3.5). Returns beta, loglik0, loglik, score, information, sctest,
    iterations (max_iter + 1 when it ran out, as R's ``fit$iter``) and whether it converged."""
    beta = np.zeros(p)
    lk0, u, imat = engine.evaluate(beta)
    step = _solve_info(imat, u)
    sctest = float(u @ step)
    if max_iter == 0:
        return beta, lk0, lk0, u, imat, sctest, 0, False
    loglik1 = lk0
    newbeta = beta + step
    halving = 0
    for it in range(1, max_iter + 1):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            newlk, u, imat = engine.evaluate(newbeta)
        finite = math.isfinite(newlk) and bool(np.isfinite(u).all()) and bool(np.isfinite(imat).all())
        if finite and abs(1 - loglik1 / newlk) <= _EPS:
            return newbeta, lk0, newlk, u, imat, sctest, it, True
        if not finite or newlk < loglik1:
            # not converging: step back towards the last good beta, more each time (R's halving)
            halving += 1
            newbeta = (newbeta + halving * beta) / (halving + 1.0)
        else:
            halving = 0
            loglik1 = newlk
            step = _solve_info(imat, u)
            beta = newbeta
            newbeta = newbeta + step
    # ran out of iterations: R returns the last good beta, with loglik and information recomputed there
    if max_iter > 1:
        loglik1, u, imat = engine.evaluate(beta)
    return beta, lk0, loglik1, u, imat, sctest, max_iter + 1, False


def _chisq(stat: float, df: int) -> TestResult:
    return TestResult(float(stat), int(df), chi2_sf(stat, df))


def cox(
    frame: pd.DataFrame,
    duration: str,
    event: str,
    covariates: Sequence[str] | str,
    *,
    ties: str = "efron",
    strata: str | None = None,
    conf_level: float = 0.95,
    robust: bool = False,
    max_iter: int = 20,
) -> CoxResult:
    """Fit a Cox proportional hazards model, as R's ``coxph(Surv(duration, event) ~ covariates)``.

    Args:
        frame: one row per patient.
        duration: column of follow-up times (>= 0).
        event: column coded 1 = death, 0 = censored (booleans accepted).
        covariates: column names; text/categorical columns are dummy coded (first level = reference).
        ties: ``"efron"`` (R default) or ``"breslow"``.
        strata: optional column; separate baseline hazards per value (R: ``+ strata(col)``).
        conf_level: level of the hazard-ratio confidence intervals.
        robust: sandwich (dfbeta) variance, as R's ``robust = TRUE``.
        max_iter: Newton-Raphson iterations allowed (R's ``coxph.control(iter.max = 20)``); when they run
            out, R's last good estimate is returned with ``converged = False`` and a warning.

    Rows with a missing value in any used column are dropped (R's ``na.omit``); the count is
    ``n_dropped``.
    """
    if not isinstance(frame, pd.DataFrame):
        raise InvalidInputError("frame", type(frame).__name__, "a pandas DataFrame")
    if isinstance(covariates, str):
        covariates = [covariates]
    covariates = list(covariates)
    if ties not in ("efron", "breslow"):
        raise InvalidInputError("ties", ties, "'efron' or 'breslow'")
    if not 0 < conf_level < 1:
        raise InvalidInputError("conf_level", conf_level, "a number strictly between 0 and 1")
    if not isinstance(max_iter, int) or max_iter < 0:
        raise InvalidInputError("max_iter", max_iter, "an integer >= 0")
    if not covariates:
        raise InvalidInputError("covariates", covariates, "at least one column name")
    if len(set(covariates)) != len(covariates):
        raise InvalidInputError("covariates", covariates, "distinct column names")
    used = [duration, event, *covariates] + ([strata] if strata is not None else [])
    missing_cols = [c for c in used if c not in frame.columns]
    if missing_cols:
        raise InvalidInputError("frame", ", ".join(missing_cols), "columns of the DataFrame",
                                f"missing column(s): {', '.join(missing_cols)}")
    keep = ~frame[used].isna().any(axis=1).to_numpy()
    n_dropped = int((~keep).sum())
    data = frame.loc[keep, used]
    if len(data) == 0:
        raise InvalidInputError("frame", "no complete rows", "at least one row without missing values")
    try:
        t = pd.to_numeric(data[duration], errors="raise").to_numpy(dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(duration, data[duration].iloc[0], "numeric follow-up times") from exc
    if (t < 0).any() or not np.isfinite(t).all():
        bad_t = float(t[(t < 0) | ~np.isfinite(t)][0])
        raise InvalidInputError(duration, bad_t, "finite follow-up times >= 0")
    try:
        e_raw = pd.to_numeric(data[event], errors="raise").to_numpy(dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(event, data[event].iloc[0], "0 (censored) or 1 (death)") from exc
    bad = ~np.isin(e_raw, (0.0, 1.0))
    if bad.any():
        raise InvalidInputError(event, float(e_raw[bad][0]), "0 (censored) or 1 (death)",
                                "recode R-style 1/2 status as status - 1")
    e = e_raw.astype(bool)
    if not e.any():
        raise InvalidInputError(event, "no deaths", "at least one death (1)")
    terms = _terms_for(data, covariates)
    x, names = _design(data, terms, fit=True)
    if x.shape[1] == 0:
        raise InvalidInputError("covariates", covariates, "columns with at least two distinct values")
    if not np.isfinite(x).all():
        raise InvalidInputError("covariates", "infinite value", "finite numbers")
    for j, name in enumerate(names):
        if np.all(x[:, j] == x[0, j]):
            raise InvalidInputError(name, x[0, j], "a covariate that varies between patients",
                                    "constant in the rows used")
    if strata is not None:
        _, s_codes = np.unique(data[strata].astype(str).to_numpy(), return_inverse=True)
        s_codes = s_codes.ravel().astype(np.int64)
    else:
        s_codes = np.zeros(len(data), dtype=np.int64)

    n, p = x.shape
    # R's nocenter = c(-1, 0, 1): such columns are neither centred nor scaled.
    zero_one = np.array([np.isin(x[:, j], (-1.0, 0.0, 1.0)).all() for j in range(p)])
    means = np.where(zero_one, 0.0, x.mean(axis=0))
    xc = x - means
    mad = np.abs(xc).mean(axis=0)
    scale = np.where(zero_one | (mad == 0), 1.0, 1.0 / np.where(mad == 0, 1.0, mad))
    engine = _Engine(xc * scale, t, e, s_codes, ties)
    beta_s, lk0, lk1, _u, imat, sctest, iters, converged = _newton(engine, p, max_iter)
    if not converged and max_iter > 0:
        warnings.warn(f"cox: ran out of iterations ({max_iter}) and did not converge (as R's coxph warns); "
                      "a coefficient may be infinite", RuntimeWarning, stacklevel=2)
    var_s = _solve_info(imat, np.eye(p))
    coef = beta_s * scale
    var = var_s * np.outer(scale, scale)
    naive_var: NDArray[np.float64] | None = None
    robust_score: TestResult | None = None
    if robust:
        resid = engine.score_residuals(beta_s)
        dfb = resid @ var_s
        naive_var = var
        var = (dfb.T @ dfb) * np.outer(scale, scale)
        r0 = engine.score_residuals(np.zeros(p))
        u0 = r0.sum(axis=0)
        robust_score = _chisq(float(u0 @ _solve_info(r0.T @ r0, u0)), p)

    se = np.sqrt(np.diag(var))
    z = coef / se
    zq = norm_ppf(1 - (1 - conf_level) / 2)
    table = pd.DataFrame(
        {
            "coef": coef,
            "se": se,
            "hr": np.exp(coef),
            "hr_lower": np.exp(coef - zq * se),
            "hr_upper": np.exp(coef + zq * se),
            "z": z,
            "p": norm_two_sided_p(z),
        },
        index=pd.Index(names, name="covariate"),
    )
    if naive_var is not None:
        table.insert(2, "se_naive", np.sqrt(np.diag(naive_var)))
    wald = float(coef @ _solve_info(var, coef))
    lp = (x - means) @ coef
    return CoxResult(
        summary=table,
        coef=coef,
        var=var,
        loglik=(float(lk0), float(lk1)),
        lr_test=_chisq(2 * (lk1 - lk0), p),
        wald_test=_chisq(wald, p),
        score_test=_chisq(sctest, p),
        n=int(n),
        n_events=int(e.sum()),
        n_dropped=n_dropped,
        iterations=int(iters),
        converged=converged,
        ties=ties,
        conf_level=conf_level,
        robust=robust,
        strata=strata,
        means=means,
        naive_var=naive_var,
        robust_score_test=robust_score,
        _terms=tuple(terms),
        _conc_inputs=(t, e.astype(np.float64), lp, s_codes if strata is not None else None),
    )
