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

Risk sets are sums over the time-sorted data computed with reverse cumulative sums; as in coxfit6, Efron's
per-death terms are reduced to per-tied-group sums, so the cost per iteration is a few O(n p) numpy passes
and one n x p^2 BLAS product (see :meth:`_Engine.evaluate`). R's ``timefix`` merges times that differ only
by rounding error (``timefix=False`` to compare exactly). Collinear covariates are refused before the
iterations; a coefficient running to infinity is returned with a warning and named in ``infinite`` (R's
behaviour); a lone death with nobody else at risk gives 0 with SE 0, as R.

Categorical covariates: numeric (and boolean) columns enter as they are. pandas ``category`` columns and
text (object/string) columns are treatment coded with the first level as reference: the category order
for ``category`` columns (unused categories dropped), sorted order of the values for text columns (R's
``factor()`` default, with Python's code-point sort rather than the locale's). Dummy columns are named
like R: column name + level (``celltype`` + ``smallcell`` -> ``celltypesmallcell``).
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple, ParamSpec, TypeVar

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits

from spinemet.analysis._dist import chi2_sf, norm_ppf, norm_two_sided_p
from spinemet.analysis._validate import timefix as _timefix
from spinemet.analysis.concordance import concordance
from spinemet.errors import InvalidInputError

_P = ParamSpec("_P")
_R = TypeVar("_R")

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
    (C, se) as ``summary(fit)$concordance``. ``infinite`` names the covariates whose coefficient may be
    infinite (R's warning "Loglik converged before variable ...; coefficient may be infinite": the fit is
    returned, with a RuntimeWarning, and flagged here; e.g. a category with no deaths).
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
    infinite: tuple[str, ...] = ()
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
            "infinite": list(self.infinite),
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
                cols.append(pd.to_numeric(s, errors="raise").to_numpy(dtype=np.float64, na_value=np.nan))
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
    # one covariate per row of a C-ordered array, seen as n x p (the engine works on the rows)
    x = np.stack(cols).T if cols else np.empty((len(frame), 0))
    return x, names


# ----------------------------------------------------------------------------------------------------
# the partial likelihood engine


def _sort_order(time: NDArray[np.float64], event: NDArray[np.bool_],
                strata: NDArray[np.int64] | None) -> NDArray[np.intp]:
    """Row order by (stratum, time, deaths first).

    Whole-number times (days) over a modest range sort by one 16-bit key, for which numpy's stable sort is
    a radix (counting) sort, O(n); other times use stable comparison sorts.
    """
    tmin = float(time.min())
    span = float(time.max()) - tmin
    n_strata = 1 if strata is None else int(strata.max()) + 1
    if (span + 1) * 2 * n_strata <= 65536:
        shifted = time - tmin
        whole = shifted.astype(np.int64)
        if np.array_equal(whole, shifted):
            key = whole * 2 + ~event
            if strata is not None:
                key += strata * int(2 * (span + 1))
            return np.argsort(key.astype(np.uint16), kind="stable")
    order = np.concatenate([np.flatnonzero(event), np.flatnonzero(~event)])
    order = order[np.argsort(time[order], kind="stable")]
    if strata is not None:
        order = order[np.argsort(strata[order], kind="stable")]
    return order


#: Rows per chunk of :meth:`_Engine.evaluate` ((p + 1) rows of this many doubles stay in cache).
_COLUMNS = 1 << 14


class _Engine:
    """Sorted data and event-group bookkeeping; ``evaluate(beta)`` gives loglik, score and information.

    Rows are sorted by (stratum, time, deaths first). A *block* is the rows sharing (stratum, time); a
    *group* is a block with at least one death. Risk-set sums are suffix sums over blocks within the
    stratum; sums over the deaths of a group are taken from the death rows, gathered once.
    """

    def __init__(self, x: NDArray[np.float64], time: NDArray[np.float64], event: NDArray[np.bool_],
                 strata: NDArray[np.int64], ties: str, center: NDArray[np.float64] | None = None,
                 scale: NDArray[np.float64] | None = None) -> None:
        """``x`` (n x p) is used as ``(x - center) * scale`` (R's centring and scaling, applied while the
        rows are put in time order, so no centred copy of the data is made)."""
        n, p = x.shape
        self.n, self.p = n, p
        stratified = bool(strata.size and strata.min() != strata.max())
        order = _sort_order(time, event, strata if stratified else None)
        self.order = order
        # x transposed (one covariate per row, so sums run over contiguous memory) with a row of ones
        # appended: one pass of products and sums gives S0 (sum of r) and S1 (sum of x r) together
        xa = np.empty((p + 1, n))
        for k in range(p):
            np.take(x[:, k], order, out=xa[k])
            if center is not None:
                xa[k] -= center[k]
            if scale is not None:
                xa[k] *= scale[k]
        xa[p] = 1.0
        self.xa = xa
        self.x = xa[:p].T
        self._buf = np.empty((p + 1, min(n, _COLUMNS)))  # evaluate() scratch, one chunk: x r, then x w
        self._eta = np.empty(n)
        t = time[order]
        e = event[order]
        new_block = np.empty(n, dtype=bool)
        new_block[0] = True
        np.not_equal(t[1:], t[:-1], out=new_block[1:])
        if stratified:
            s = strata[order]
            new_stratum = np.empty(n, dtype=bool)
            new_stratum[0] = True
            np.not_equal(s[1:], s[:-1], out=new_stratum[1:])
            new_block |= new_stratum
        self.bstart = np.flatnonzero(new_block)
        nb = self.bstart.shape[0]
        self.n_blocks = nb
        self.block_of_row = np.cumsum(new_block, dtype=np.intp) - 1
        # per block: exclusive end block of its stratum, first block of its stratum
        if stratified:
            sb = new_stratum[self.bstart]
            s_first = np.flatnonzero(sb)
            s_end = np.append(s_first[1:], nb)
            s_id = np.cumsum(sb) - 1
            self.send_block = s_end[s_id]
            sfirst_block = s_first[s_id]
        else:
            self.send_block = np.full(nb, nb, dtype=np.intp)
            sfirst_block = np.zeros(nb, dtype=np.intp)
        ev = np.flatnonzero(e)
        self.ev = ev
        # deaths come first in a block, so a group's deaths are contiguous in ev
        eb = self.block_of_row[ev]
        new_group = np.empty(ev.shape[0], dtype=bool)
        new_group[0] = True
        np.not_equal(eb[1:], eb[:-1], out=new_group[1:])
        gstart = np.flatnonzero(new_group)
        self.gstart = gstart
        self.group = np.cumsum(new_group, dtype=np.intp) - 1  # group id per death
        self.gblock = eb[gstart]
        self.first = ev[gstart]
        self.n_groups = gstart.shape[0]
        self.d = np.diff(np.append(gstart, ev.shape[0])).astype(np.float64)
        has_death = np.zeros(nb, dtype=bool)
        has_death[self.gblock] = True
        upto = np.cumsum(has_death, dtype=np.intp)  # groups in blocks <= b
        self.cum_hi = upto  # index into [0, cumsum(v)] of the last group at or before the block
        self.cum_lo = (upto - has_death)[sfirst_block]  # groups before the block's stratum
        self.gsend = self.send_block[self.gblock]
        self.xsum_ev = xa[:p] @ e.astype(np.float64)  # constant: sum of x over all deaths (no gather)
        # Cuts for one reduceat pass giving both block sums and death sums: a group's deaths are the rows
        # [first, first + d) of its block, so cutting also at first + d isolates them.
        dend = self.first + np.diff(np.append(gstart, ev.shape[0]))
        cuts = np.union1d(self.bstart, dend[dend < n])
        self.cuts = cuts
        # evaluate() works through the rows in chunks that stay in cache: per chunk, the first piece it
        # adds to (a piece may straddle two chunks) and the piece starts inside it, chunk-relative
        self.chunks: list[tuple[int, int, int, NDArray[np.intp]]] = []
        for a in range(0, n, _COLUMNS):
            b = min(a + _COLUMNS, n)
            k0 = int(np.searchsorted(cuts, a, side="right")) - 1
            k1 = int(np.searchsorted(cuts, b, side="left"))
            self.chunks.append((a, b, k0, np.concatenate(([0], cuts[k0 + 1 : k1] - a)).astype(np.intp)))
        self.cut_of_block = np.searchsorted(cuts, self.bstart)
        self.cut_of_group = np.searchsorted(cuts, self.first)
        # one gather per evaluation: row -> its block's entry, or (deaths) nb + its group's entry
        row_key = self.block_of_row.copy()
        row_key[ev] = nb + self.group
        self.row_key = row_key
        self.ties = ties
        self.tied = ties == "efron" and bool((self.d > 1).any())
        if self.tied:
            within = np.arange(ev.shape[0]) - gstart[self.group]
            self.frac = within / self.d[self.group]
        else:
            self.frac = np.zeros(ev.shape[0])

    def _risk_sum(self, v: NDArray[np.float64]) -> NDArray[np.float64]:
        """Per group: sum of v (rows on the last axis) over its risk set (same stratum, time >= group
        time); groups on the last axis."""
        blocks = np.add.reduceat(v, self.bstart, axis=-1)
        rc = np.zeros((*v.shape[:-1], self.n_blocks + 1))
        rc[..., :-1] = np.cumsum(blocks[..., ::-1], axis=-1)[..., ::-1]
        return rc[..., self.gblock] - rc[..., self.gsend]

    def _cum_blocks(self, v: NDArray[np.float64]) -> NDArray[np.float64]:
        """Per block: sum of a per-group quantity over the groups whose risk set contains the block."""
        c = np.zeros((self.n_groups + 1, *v.shape[1:]))
        np.cumsum(v, axis=0, out=c[1:])
        return c[self.cum_hi] - c[self.cum_lo]

    def _cum_groups(self, v: NDArray[np.float64]) -> NDArray[np.float64]:
        """Per row: sum of a per-group quantity over the groups whose risk set contains the row."""
        return self._cum_blocks(v)[self.block_of_row]

    def _entries(self, r: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64],
                                                         NDArray[np.float64], NDArray[np.float64]]:
        """Per death entry l (Efron sub-step): denominator, weighted mean of x; plus x*r."""
        p, g, frac = self.p, self.group, self.frac
        xr = self.xa * r
        s = self._risk_sum(xr).T
        dsum = np.add.reduceat(xr[:, self.ev], self.gstart, axis=1).T
        den = s[g, p] - frac * dsum[g, p]
        mean = (s[g, :p] - frac[:, None] * dsum[g, :p]) / den[:, None]
        return den, mean, xr[:p].T, s[:, p]

    def evaluate(self, beta: NDArray[np.float64]) -> tuple[float, NDArray[np.float64], NDArray[np.float64]]:
        """Log partial likelihood, score vector and information matrix at ``beta``.

        As R's coxfit6, per tied group g (d deaths, f_l = l/d for Efron, 0 for Breslow): den_l = S0 - f_l D0,
        with a1 = sum_l 1/den_l, a2 = sum_l f_l/den_l, b_k = sum_l f_l^k/den_l^2 (k = 0, 1, 2):
        loglik = sum eta_deaths - sum_l log den_l; score = sum x_deaths - sum_g (a1 S1 - a2 D1);
        information = X' diag(w) X - sum_g (b0 S1S1' - b1 (S1D1' + D1S1') + b2 D1D1'), where
        w_j = r_j (sum of a1 over the risk sets containing j, minus a2 of j's own group if j died).
        No per-death vectors of length p and no per-time p x p sums are formed.
        """
        p = self.p
        xa, buf = self.xa, self._buf
        # pass 1, chunk by chunk (each chunk's products stay in cache): r = exp(x beta), and the sums of
        # x r and r per piece (the rows between two cuts)
        zero = not beta.any()  # beta = 0 (the first evaluation): r = 1, no exp
        ba = np.append(beta, 0.0)
        r_all = self._eta
        pieces = np.zeros((p + 1, self.cuts.shape[0]))
        for a, b, k0, starts in self.chunks:
            xc = xa[:, a:b]
            if zero:
                xr = xc
            else:
                r = r_all[a:b]
                np.dot(ba, xc, out=r)
                np.exp(r, out=r)
                xr = np.multiply(xc, r, out=buf[:, : b - a])
            pieces[:, k0 : k0 + starts.shape[0]] += np.add.reduceat(xr, starts, axis=1)
        dsum = pieces[:, self.cut_of_group]
        blocks = np.add.reduceat(pieces, self.cut_of_block, axis=1)
        rc = np.zeros((p + 1, self.n_blocks + 1))
        rc[:, :-1] = np.cumsum(blocks[:, ::-1], axis=1)[:, ::-1]
        s = rc[:, self.gblock] - rc[:, self.gsend]
        s0, s1, d0, d1 = s[p], s[:p].T, dsum[p], dsum[:p].T
        if self.tied:
            f = self.frac
            g = self.group
            per = np.empty((6, f.shape[0]))
            den = per[5]
            np.multiply(f, d0[g], out=den)
            np.subtract(s0[g], den, out=den)
            h, fh, h2, fh_h, fh2 = per[:5]
            np.divide(1.0, den, out=h)
            np.multiply(f, h, out=fh)
            np.multiply(h, h, out=h2)
            np.multiply(fh, h, out=fh_h)
            np.multiply(fh, fh, out=fh2)
            np.log(den, out=den)
            a1, a2, b0, b1, b2, logden = np.add.reduceat(per, self.gstart, axis=1)
        else:  # Breslow, or Efron without ties: every death of a group has den = S0
            dd = self.d
            a1 = dd / s0
            a2 = b1 = b2 = np.zeros_like(a1)
            b0 = a1 / s0
            logden = dd * np.log(s0)
        loglik = float(beta @ self.xsum_ev - logden.sum())
        score = self.xsum_ev - (s1 * a1[:, None] - d1 * a2[:, None]).sum(axis=0)
        cum = self._cum_blocks(a1)
        # per row: cum of a1 over its risk sets; deaths also lose a2 of their own group (Efron); the
        # weight of row j is w_j = r_j * that. Pass 2, chunk by chunk: X' diag(w) X as the sum over the
        # chunks of (X w)' X (a general product: OpenBLAS's symmetric rank-k update is slower at this shape)
        weight_of = np.concatenate([cum, cum[self.gblock] - a2])
        gram = np.zeros((p + 1, p + 1))
        for a, b, _k0, _starts in self.chunks:
            w = weight_of[self.row_key[a:b]]
            if not zero:
                np.multiply(w, r_all[a:b], out=w)
            xc = xa[:, a:b]
            gram += np.multiply(xc, w, out=buf[:, : b - a]) @ xc.T
        info = gram[:p, :p] - (s1.T @ (s1 * b0[:, None]) - s1.T @ (d1 * b1[:, None])
                               - d1.T @ (s1 * b1[:, None]) + d1.T @ (d1 * b2[:, None]))
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
    """Solve a positive definite system (robust score test); raises when it is singular."""
    from scipy import linalg  # here, not at module level: keeps `import spinemet.analysis` light

    try:
        c = linalg.cho_factor(info)
    except linalg.LinAlgError as exc:
        raise InvalidInputError("covariates", "information matrix not positive definite",
                                "covariates that are not collinear",
                                "a covariate is a linear combination of others") from exc
    return linalg.cho_solve(c, rhs)


# R's toler.chol (coxph.control): a pivot below this fraction of the largest diagonal is singular
_TOLER_CHOL = float(np.finfo(np.float64).eps) ** 0.75
# R's toler.inf: a coefficient whose last Newton step is above this fraction of it may be infinite
_TOLER_INF = math.sqrt(_EPS)


def _cholesky2(mat: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """R survival's ``cholesky2``: LDL' of a symmetric matrix, D on the diagonal, L below it.

    A pivot that is not finite or below ``_TOLER_CHOL`` x the largest diagonal is set to 0 and its column
    is skipped (the matrix is treated as singular there instead of failing). Returns (LDL', singular).
    """
    m = np.array(mat, dtype=np.float64)
    n = m.shape[0]
    top = float(np.max(np.diag(m), initial=0.0))
    eps = _TOLER_CHOL if top <= 0 else top * _TOLER_CHOL
    singular = np.zeros(n, dtype=bool)
    for i in range(n):
        pivot = m[i, i]
        if not math.isfinite(pivot) or pivot < eps:
            m[i, i] = 0.0
            singular[i] = True
            continue
        col = m[i + 1:, i].copy()
        temp = col / pivot
        m[i + 1:, i] = temp
        # m[k, j] -= temp_j * col_k for k >= j > i (lower triangle only)
        m[i + 1:, i + 1:] -= np.tril(np.outer(col, temp))
    return m, singular


def _chsolve2(chol: NDArray[np.float64], rhs: NDArray[np.float64]) -> NDArray[np.float64]:
    """R's ``chsolve2``: solve with the ``_cholesky2`` factor; components of singular pivots are 0."""
    n = chol.shape[0]
    y = np.array(rhs, dtype=np.float64)
    for i in range(n):
        y[i] -= y[:i] @ chol[i, :i]
    for i in range(n - 1, -1, -1):
        if chol[i, i] == 0:
            y[i] = 0.0
        else:
            y[i] = y[i] / chol[i, i] - y[i + 1:] @ chol[i + 1:, i]
    return y


def _chinv2(chol: NDArray[np.float64]) -> NDArray[np.float64]:
    """R's ``chinv2``: inverse from the ``_cholesky2`` factor; rows/columns of singular pivots are 0."""
    m = chol.copy()
    n = m.shape[0]
    for i in range(n):
        if m[i, i] > 0:
            m[i, i] = 1.0 / m[i, i]
            for j in range(i + 1, n):
                m[j, i] = -m[j, i]
                m[j, :i] += m[j, i] * m[i, :i]
    for i in range(n):
        if m[i, i] == 0:
            m[:i, i] = 0.0
            m[i, i:] = 0.0
        else:
            for j in range(i + 1, n):
                temp = m[j, i] * m[j, j]
                m[i, j] = temp
                m[i, i:j] += temp * m[j, i:j]
    upper = np.triu(m)
    return upper + np.triu(m, 1).T


def _newton(engine: _Engine, p: int, max_iter: int, names: Sequence[str]) -> tuple[
    NDArray[np.float64], float, float, NDArray[np.float64], NDArray[np.float64], float, int, bool
]:
    """R's coxfit6 iteration (survival 3.5). Returns beta, loglik0, loglik, score, information, sctest,
    iterations (max_iter + 1 when it ran out, as R's ``fit$iter``) and whether it converged.

    Before iterating, a covariate whose information at beta = 0 is singular (R's ``cholesky2``
    tolerance) is refused: it is a linear combination of the others among the patients at risk at the
    death times, so its coefficient cannot be estimated (R returns NA for it). The one exception is an
    information matrix that is entirely zero (no death has anyone with other covariate values at risk,
    e.g. a lone death with nobody else at risk): as R, the coefficients stay 0 with SE 0. During the
    iterations a singular information (a coefficient running to infinity) does not stop the fit: as
    R's ``chsolve2`` the step of that coefficient is 0.
    """
    beta = np.zeros(p)
    lk0, u, imat = engine.evaluate(beta)
    chol, singular = _cholesky2(imat)
    if singular.any() and np.any(np.diag(imat) > 0):
        j = int(np.flatnonzero(singular)[0])
        raise InvalidInputError(
            "covariates", names[j], "covariates that are not collinear",
            f"{names[j]} is a linear combination of the other covariates (or constant) among the patients "
            "at risk at the death times, so its hazard ratio cannot be estimated; remove it")
    step = _chsolve2(chol, u)
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
            # R: fabs(1 - loglik / newlk) <= eps; 0/0 (a likelihood of 1) is NaN and never converges
            change = abs(1 - np.float64(loglik1) / np.float64(newlk))
        if finite and change <= _EPS:
            return newbeta, lk0, newlk, u, imat, sctest, it, True
        if not finite or newlk < loglik1:
            # not converging: step back towards the last good beta, more each time (R's halving)
            halving += 1
            newbeta = (newbeta + halving * beta) / (halving + 1.0)
        else:
            halving = 0
            loglik1 = newlk
            step = _chsolve2(_cholesky2(imat)[0], u)
            beta = newbeta
            newbeta = newbeta + step
    # ran out of iterations: R returns the last good beta, with loglik and information recomputed there
    if max_iter > 1:
        loglik1, u, imat = engine.evaluate(beta)
    return beta, lk0, loglik1, u, imat, sctest, max_iter + 1, False


def _wald(var: NDArray[np.float64], coef: NDArray[np.float64]) -> float:
    """Wald statistic beta' V^-1 beta as R's ``coxph.wtest`` (b^2 / V for one coefficient, so 0 / 0 gives
    NaN; otherwise ``cholesky2``/``chsolve2``)."""
    if coef.shape[0] == 1:
        return float(np.float64(coef[0]) ** 2 / np.float64(var[0, 0]))
    return float(coef @ _chsolve2(_cholesky2(var)[0], coef))


def _chisq(stat: float, df: int) -> TestResult:
    return TestResult(float(stat), int(df), chi2_sf(stat, df))


def _one_blas_thread(fit: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``fit`` with one BLAS thread: the Cox fit's products are narrow ((p + 1) x chunk by chunk x
    (p + 1), p x p), and a second OpenBLAS thread only spins between them (10^6 x 5: the same wall time,
    a third more CPU time)."""

    @functools.wraps(fit)
    def limited(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with threadpool_limits(limits=1, user_api="blas"):
            return fit(*args, **kwargs)

    return limited


@_one_blas_thread
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
    timefix: bool = True,
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
        timefix: merge follow-up times that differ only by rounding error, as R's
            ``coxph.control(timefix = TRUE)`` (the default); ``False`` compares times exactly.

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
    missing = np.zeros(len(frame), dtype=bool)
    for col in used:
        missing |= frame[col].isna().to_numpy()
    n_dropped = int(missing.sum())
    # no copy of the frame when nothing is missing (the usual case)
    data = frame.loc[~missing, used] if n_dropped else frame
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
    if timefix:
        t = _timefix(t)
    e = e_raw.astype(bool)
    if not e.any():
        raise InvalidInputError(event, "no deaths", "at least one death (1)")
    terms = _terms_for(data, covariates)
    x, names = _design(data, terms, fit=True)
    if x.shape[1] == 0:
        raise InvalidInputError("covariates", covariates, "columns with at least two distinct values")
    # per column: min and max (NaN/inf show in them) serve the finiteness, constancy and 0/1 checks
    lo, hi = x.min(axis=0), x.max(axis=0)
    if not (np.isfinite(lo).all() and np.isfinite(hi).all()):
        raise InvalidInputError("covariates", "infinite value", "finite numbers")
    for j, name in enumerate(names):
        if lo[j] == hi[j]:
            raise InvalidInputError(name, x[0, j], "a covariate that varies between patients",
                                    "constant in the rows used")
    if strata is not None:
        _, s_codes = np.unique(data[strata].astype(str).to_numpy(), return_inverse=True)
        s_codes = s_codes.ravel().astype(np.int64)
    else:
        s_codes = np.zeros(len(data), dtype=np.int64)

    n, p = x.shape
    # R's nocenter = c(-1, 0, 1): such columns are neither centred nor scaled.
    zero_one = np.array([bool(lo[j] >= -1.0 and hi[j] <= 1.0) and np.array_equal(x[:, j], np.trunc(x[:, j]))
                         for j in range(p)])
    means = np.where(zero_one, 0.0, x.mean(axis=0))
    mad = np.array([np.abs(x[:, j] - means[j]).mean() for j in range(p)])
    scale = np.where(zero_one | (mad == 0), 1.0, 1.0 / np.where(mad == 0, 1.0, mad))
    engine = _Engine(x, t, e, s_codes, ties, center=means, scale=scale)
    beta_s, lk0, lk1, u_s, imat, sctest, iters, converged = _newton(engine, p, max_iter, names)
    if not converged and max_iter > 0:
        warnings.warn(f"cox: ran out of iterations ({max_iter}) and did not converge (as R's coxph warns); "
                      "a coefficient may be infinite", RuntimeWarning, stacklevel=3)
    chol, singular = _cholesky2(imat)
    var_s = _chinv2(chol)
    coef = beta_s * scale
    var = var_s * np.outer(scale, scale)
    infinite: tuple[str, ...] = ()
    if converged and max_iter > 1:
        # R's coxph.fit: the step that is left, u' V, is not negligible next to the coefficient
        with np.errstate(invalid="ignore", over="ignore"):
            u = u_s / scale
            infs = np.abs(u @ var)
            flag = ~np.isfinite(u) | ((infs > _EPS) & (infs > _TOLER_INF * np.abs(coef)))
        flag |= singular & np.any(np.diag(imat) > 0)
        infinite = tuple(name for name, f in zip(names, flag, strict=True) if f)
        if infinite:
            warnings.warn(f"cox: the log likelihood converged before {', '.join(infinite)} did; the "
                          "coefficient may be infinite (as R's coxph warns), e.g. no deaths in one category",
                          RuntimeWarning, stacklevel=3)
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
    zq = norm_ppf(1 - (1 - conf_level) / 2)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        z = coef / se  # 0 / 0 = NaN when the information is zero (R prints NaN)
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
        wald = _wald(var, coef)
    if naive_var is not None:
        table.insert(2, "se_naive", np.sqrt(np.diag(naive_var)))
    # linear predictor column by column (R: x %*% coef - sum(coef * means)): elementwise, so patients with
    # the same covariates get bit-identical values whatever BLAS kernel would handle their rows, and their
    # ties count as ties in the concordance
    lp = np.zeros(n)
    for j in range(p):
        lp += x[:, j] * coef[j]
    lp -= float(coef @ means)
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
        infinite=infinite,
        _terms=tuple(terms),
        _conc_inputs=(t, e.astype(np.float64), lp, s_codes if strata is not None else None),
    )
