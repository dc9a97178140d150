"""Frankel grades (scores.md §4): modified A<B<C<D1<D2<D3<E (SEED Table 2) and original A-E."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinemet.scores import FrankelGrade, frankel_change, frankel_grade, frankel_steps
from tests.paper_figures import PAPER_TABLE3

from .conftest import raises_invalid

MODIFIED = ["A", "B", "C", "D1", "D2", "D3", "E"]
ORIGINAL = ["A", "B", "C", "D", "E"]


def test_modified_order_and_ranks():
    grades = [frankel_grade(g) for g in MODIFIED]
    assert [g.rank for g in grades] == list(range(7))
    assert grades == sorted(grades, key=lambda g: g.rank)
    assert frankel_grade("D1") < frankel_grade("D2") < frankel_grade("D3") < frankel_grade("E")
    assert frankel_grade("C") >= frankel_grade("C")
    assert max(grades).label == "E"
    assert str(frankel_grade("d2")) == "D2"
    assert isinstance(grades[0], FrankelGrade)


def test_original_scale():
    grades = [frankel_grade(g, scale="original") for g in ORIGINAL]
    assert [g.rank for g in grades] == list(range(5))
    assert frankel_grade("D", "original").description.startswith("motor useful")


def test_scales_do_not_compare():
    with pytest.raises(TypeError):
        _ = frankel_grade("D1") < frankel_grade("D", "original")


def test_mixing_d_with_d1_d3_is_an_error():
    err = raises_invalid(frankel_grade, "D", field="frankel", value="D", allowed="A, B, C, D1, D2, D3, E")
    assert "original" in str(err)
    raises_invalid(
        frankel_grade, "D2", scale="original", field="frankel", value="D2", allowed="A, B, C, D, E"
    )
    raises_invalid(frankel_change, "D", "E", field="frankel_pre", value="D", allowed="D1")
    raises_invalid(frankel_change, "C", "D", field="frankel_post", value="D", allowed="D1")


def test_bad_scale_and_values():
    raises_invalid(frankel_grade, "A", scale="japanese", field="frankel_scale", value="japanese",
                   allowed="modified, original")  # fmt: skip
    raises_invalid(frankel_grade, "F", field="frankel", value="F", allowed="A, B")
    raises_invalid(frankel_grade, 3, field="frankel", value=3, allowed="A, B")
    raises_invalid(frankel_grade, None, field="frankel", value=None, allowed="A, B")


@pytest.mark.parametrize(
    ("pre", "post", "change", "steps"),
    [
        ("D1", "E", "improved", 3),  # the Fig. 1 patient
        ("D1", "D2", "improved", 1),  # a sub-grade step counts as one grade
        ("C", "D3", "improved", 3),
        ("A", "A", "unchanged", 0),
        ("D2", "D2", "unchanged", 0),
        ("E", "E", "e_maintained", 0),
        ("E", "D3", "aggravated", -1),  # the four deteriorations of SEED Table 3
        ("D3", "C", "aggravated", -3),
        ("C", "B", "aggravated", -1),
        ("B", "A", "aggravated", -1),
    ],
)
def test_change_and_steps(pre, post, change, steps):
    assert frankel_change(pre, post) == change
    assert frankel_steps(pre, post) == steps


def test_original_scale_change():
    assert frankel_change("D", "E", scale="original") == "improved"
    assert frankel_steps("C", "D", scale="original") == 1
    assert frankel_change("E", "E", scale="original") == "e_maintained"


def test_seed_table3_reproduces_35_improved_or_e_maintained():
    """Counting sub-grade steps as grades reproduces SEED's 35/55 (29 improved + 6 E->E); 4 aggravated."""
    counts = {c: 0 for c in ("improved", "e_maintained", "unchanged", "aggravated")}
    for pre, row in PAPER_TABLE3.items():
        for post, n in zip(MODIFIED, row, strict=True):
            counts[frankel_change(pre, post)] += n
    assert sum(counts.values()) == 55
    assert counts == {"improved": 29, "e_maintained": 6, "unchanged": 16, "aggravated": 4}
    assert counts["improved"] + counts["e_maintained"] == 35


grades = st.sampled_from(MODIFIED)


@settings(deadline=None)  # no timing assertions in the suite
@given(grades, grades)
def test_property_change_consistent_with_steps(pre, post):
    steps = frankel_steps(pre, post)
    assert steps == MODIFIED.index(post) - MODIFIED.index(pre)
    change = frankel_change(pre, post)
    assert (change == "improved") == (steps > 0)
    assert (change == "aggravated") == (steps < 0)
    assert (change == "e_maintained") == (pre == post == "E")
    assert frankel_steps(post, pre) == -steps
