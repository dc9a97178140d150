"""The public API of spinemet.analysis is what the issue promised: guard its names and signatures."""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd

import spinemet.analysis as analysis


def test_all_names_exist_and_nothing_else_is_promised() -> None:
    assert sorted(analysis.__all__) == sorted(set(analysis.__all__))
    for name in analysis.__all__:
        assert hasattr(analysis, name), name


def test_signatures_of_the_documented_entry_points() -> None:
    km = inspect.signature(analysis.kaplan_meier)
    assert list(km.parameters)[:2] == ["time", "event"]
    assert km.parameters["ci_method"].default == "log"
    assert km.parameters["ci_method"].kind is inspect.Parameter.KEYWORD_ONLY
    assert km.parameters["conf_level"].default == 0.95
    assert list(inspect.signature(analysis.logrank).parameters)[:3] == ["time", "event", "group"]
    cox = inspect.signature(analysis.cox)
    assert list(cox.parameters)[:4] == ["frame", "duration", "event", "covariates"]
    assert cox.parameters["ties"].default == "efron"


def test_result_attributes_promised_by_the_issue() -> None:
    time = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    event = np.array([1, 1, 0, 1, 1, 0])
    group = np.array([0, 1, 0, 1, 0, 1])
    fit = analysis.kaplan_meier(time, event)
    # S(1)=5/6, S(2)=5/6*4/5=2/3, censor at 3, S(4)=2/3*2/3=4/9 <= 0.5: the median is 4 (hand-counted).
    assert fit.median == 4.0
    assert len(fit.median_ci) == 2
    assert isinstance(fit.table, pd.DataFrame)
    test = analysis.logrank(time, event, group)
    assert test.df == 1 and 0.0 <= test.p <= 1.0 and test.chi2 >= 0.0
    frame = pd.DataFrame({"t": time, "e": event, "x": [0.5, 1.0, 0.2, 2.0, 0.1, 1.5]})
    summary = analysis.cox(frame, "t", "e", ["x"]).summary
    assert list(summary.columns)[:7] == ["coef", "se", "hr", "hr_lower", "hr_upper", "z", "p"]
