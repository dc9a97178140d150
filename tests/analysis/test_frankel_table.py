"""Table 3 (modified Frankel transitions) and the outcome categories of scores.md §4."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from spinemet.analysis.frankel_table import frankel_change_series, frankel_table
from spinemet.errors import InvalidInputError
from spinemet.scores.frankel import frankel_change
from tests.paper_figures import FRANKEL_GRADES as GRADES
from tests.paper_figures import PAPER_TABLE3


@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    from spinemet.cohort.demo import load_demo

    loaded = load_demo()
    return getattr(loaded, "frame", loaded)


def test_hand_counted_frame() -> None:
    frame = pd.DataFrame(
        {
            "frankel_pre": ["C", "D1", "E", "E", "D3", "B", None, "D2"],
            "frankel_post": ["E", "D2", "E", "D3", "D3", "A", "E", np.nan],
        }
    )
    t = frankel_table(frame)
    assert (t.n, t.n_pairs, t.n_missing) == (8, 6, 2)
    assert (t.improved, t.e_maintained, t.unchanged, t.aggravated) == (2, 1, 1, 2)
    assert t.improved_or_e_maintained == 3
    assert t.matrix.at["C", "E"] == 1 and t.matrix.at["D1", "D2"] == 1  # D1 -> D2 is one grade
    assert t.matrix.at["Total", "Total"] == 6
    assert t.matrix.loc["Total", list(GRADES)].sum() == 6
    # C or lower counts every known grade, paired or not
    assert (t.c_or_lower_pre, t.c_or_lower_post) == (2, 1)
    assert (t.n_pre, t.n_post, t.post_e) == (7, 7, 3)


def test_vectorised_change_equals_score_function() -> None:
    """Every one of the 49 grade pairs agrees with spinemet.scores.frankel_change."""
    pairs = list(itertools.product(GRADES, GRADES))
    pre = pd.Series([p for p, _ in pairs])
    post = pd.Series([q for _, q in pairs])
    got = frankel_change_series(pre, post).tolist()
    assert got == [frankel_change(p, q) for p, q in pairs]


def test_invalid_grade_and_original_scale() -> None:
    with pytest.raises(InvalidInputError, match="frankel_pre"):
        frankel_table(pd.DataFrame({"frankel_pre": ["D"], "frankel_post": ["E"]}))
    t = frankel_table(pd.DataFrame({"frankel_pre": ["D", "C"], "frankel_post": ["E", "B"]}), scale="original")
    assert (t.improved, t.aggravated) == (1, 1)
    with pytest.raises(InvalidInputError, match="scale"):
        frankel_table(pd.DataFrame({"frankel_pre": ["D"], "frankel_post": ["E"]}), scale="asia")  # type: ignore[arg-type]


def test_demo_reproduces_paper_table3(demo: pd.DataFrame) -> None:
    """Uei 2018 Table 3 cell by cell; 35 improved-or-E-maintained (29 + 6); 4 aggravated (B->A, C->B,
    D3->C, E->D3; the text's "2" contradicts the table, scores.md §13 #6); C or lower 22 -> 12; post E 21."""
    t = frankel_table(demo)
    for pre, row in PAPER_TABLE3.items():
        assert [t.transition[pre][g] for g in GRADES] == row, pre
    assert [int(t.matrix.at["Total", g]) for g in GRADES] == [3, 1, 8, 5, 6, 11, 21]
    assert [int(t.matrix.at[g, "Total"]) for g in GRADES] == [2, 1, 19, 15, 1, 10, 7]
    assert (t.improved, t.e_maintained, t.improved_or_e_maintained, t.aggravated) == (29, 6, 35, 4)
    assert (t.c_or_lower_pre, t.c_or_lower_post, t.post_e) == (22, 12, 21)
    d = t.to_dict()
    assert d["transition"]["C"]["E"] == 6 and d["improved_or_e_maintained"] == 35
