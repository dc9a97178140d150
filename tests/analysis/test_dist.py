"""The scipy.special/numpy replacements in ``spinemet.analysis._dist`` give scipy.stats's numbers.

scipy.stats is the reference here (its functions equal R's pnorm/qnorm/pchisq/pt/qt/dhyper/pwilcox, which
the R-fixture tests check end to end); ``_dist`` exists only so that importing spinemet.analysis does not
import scipy.stats (0.6 s of a cold start).
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy import stats
from scipy.stats._mannwhitneyu import _MWU

from spinemet.analysis import _dist


@pytest.mark.parametrize("q", [1e-10, 0.025, 0.5, 0.975, 0.995])
def test_quantiles_equal_scipy_stats(q: float) -> None:
    assert _dist.norm_ppf(q) == stats.norm.ppf(q)
    assert _dist.t_ppf(q, 7.25) == stats.t.ppf(q, 7.25)


@pytest.mark.parametrize("x", [0.0, 0.3, 2.5, 40.0])
def test_tails_equal_scipy_stats(x: float) -> None:
    assert _dist.chi2_sf(x, 2) == stats.chi2.sf(x, 2)
    assert _dist.norm_sf(x) == stats.norm.sf(x)
    assert _dist.norm_cdf(-x) == stats.norm.cdf(-x)
    assert _dist.t_two_sided_p(x, 11.5) == pytest.approx(2 * stats.t.sf(x, 11.5), rel=1e-15)


def test_rank_average_equals_rankdata() -> None:
    x = np.random.default_rng(1).integers(0, 12, 200).astype(float)
    assert np.array_equal(_dist.rank_average(x), stats.rankdata(x))
    assert _dist.rank_average(np.array([3.0])).tolist() == [1.0]


def test_hypergeom_logpmf_equals_scipy() -> None:
    k = np.arange(0, 9, dtype=float)
    assert np.array_equal(_dist.hypergeom_logpmf(k, 31, 12, 8), stats.hypergeom.logpmf(k, 31, 12, 8))


@pytest.mark.parametrize(("nx", "ny"), [(1, 1), (2, 3), (7, 5), (12, 30), (49, 49)])
def test_wilcox_rank_sum_cdf_equals_scipy_exact(nx: int, ny: int) -> None:
    ref = _MWU(nx, ny)
    want = np.array([ref.cdf(w) for w in range(nx * ny + 1)])
    np.testing.assert_allclose(_dist.wilcox_rank_sum_cdf(nx, ny), want, rtol=1e-12, atol=0)


def test_import_does_not_load_scipy_stats() -> None:
    """``import spinemet.analysis`` loads neither scipy.stats (0.6 s) nor scipy.special (0.2 s)."""
    mods = "('scipy.stats', 'scipy.special')"
    code = f"import sys, spinemet.analysis\nprint(*(m in sys.modules for m in {mods}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_norm_two_sided_p_equals_scipy() -> None:
    z = np.array([-3.0, -0.5, 0.0, 1.2, 8.0])
    assert np.array_equal(_dist.norm_two_sided_p(z), 2 * stats.norm.sf(np.abs(z)))
