"""The public API of spinemet.scores: ``__all__`` is guarded, tables are read-only and vectorisable."""

from __future__ import annotations

import importlib
import inspect
from types import MappingProxyType

import pytest

import spinemet.scores as scores
from spinemet.scores import ScoreResult

EXPECTED_FUNCTIONS = {
    "barthel", "barthel_shah_band", "bauer", "bauer_band", "ecog", "ecog_to_kps", "escc", "escc_grade",
    "frankel_change", "frankel_grade", "frankel_steps", "katagiri", "katagiri_band", "katagiri_lab_tier",
    "kps", "kps_to_ecog", "modified_bauer", "modified_bauer_band", "nesms", "region_of_level", "sins",
    "sins_band", "tokuhashi", "tokuhashi_band", "tomita", "tomita_band", "vas", "vertebral_level",
}  # fmt: skip
EXPECTED_CLASSES = {"Component", "FrankelGrade", "ScoreResult"}


def test_all_lists_exactly_the_public_names():
    exported = set(scores.__all__)
    assert len(exported) == len(scores.__all__), "duplicates in __all__"
    functions = {n for n in exported if inspect.isfunction(getattr(scores, n))}
    classes = {n for n in exported if inspect.isclass(getattr(scores, n))}
    assert functions == EXPECTED_FUNCTIONS
    assert classes == EXPECTED_CLASSES
    constants = exported - functions - classes
    assert all(n.isupper() for n in constants), constants


def test_every_public_name_of_every_submodule_is_reexported():
    for module_name in ("barthel", "bauer", "escc", "frankel", "katagiri", "levels", "nesms", "performance",
                        "result", "sins", "tokuhashi", "tomita"):  # fmt: skip
        module = importlib.import_module(f"spinemet.scores.{module_name}")
        for name in module.__all__:
            assert name in scores.__all__, f"{module_name}.{name} missing from spinemet.scores.__all__"
            assert getattr(scores, name) is getattr(module, name)


def test_functions_have_docstrings_and_modules_cite_sources():
    for name in EXPECTED_FUNCTIONS:
        assert inspect.getdoc(getattr(scores, name)), name
    for module_name in ("barthel", "bauer", "escc", "frankel", "katagiri", "nesms", "sins", "tokuhashi",
                        "tomita"):  # fmt: skip
        doc = importlib.import_module(f"spinemet.scores.{module_name}").__doc__
        assert doc and any(str(year) in doc for year in range(1965, 2022)), module_name


@pytest.mark.parametrize(
    "name",
    [n for n in scores.__all__ if isinstance(getattr(scores, n), MappingProxyType | dict)],
)
def test_point_tables_are_read_only(name):
    table = getattr(scores, name)
    assert isinstance(table, MappingProxyType)
    with pytest.raises(TypeError):
        table["new"] = 1  # type: ignore[index]


def test_score_functions_use_cohort_column_names():
    params = {
        "tokuhashi": ["kps", "extraspinal_bone_mets", "vertebral_mets", "visceral_mets", "primary_tumor",
                      "frankel_pre", "total"],
        "sins": ["sins_location", "main_level", "sins_pain", "sins_lesion", "sins_alignment", "sins_collapse",
                 "sins_posterolateral", "total"],
        "tomita": ["tomita_primary_growth", "tomita_visceral", "tomita_bone_mets"],
        "katagiri": ["katagiri_primary_growth", "katagiri_visceral", "ecog", "previous_chemotherapy",
                     "multiple_skeletal_mets", "katagiri_lab", "crp_mg_dl", "ldh_iu_l", "albumin_g_dl",
                     "platelets_per_ul", "calcium_mg_dl", "bilirubin_mg_dl"],
        "barthel": ["items", "total"],
    }  # fmt: skip
    for name, expected in params.items():
        signature = inspect.signature(getattr(scores, name))
        assert list(signature.parameters) == expected, name
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in signature.parameters.values())


def test_results_carry_version_and_citation():
    results: list[ScoreResult] = [
        scores.tokuhashi(total=9),
        scores.sins(total=9),
        scores.escc("1b"),
        scores.barthel(total=50),
        scores.tomita(tomita_primary_growth="slow", tomita_visceral="none", tomita_bone_mets="solitary"),
        scores.modified_bauer(visceral_mets="none", primary_tumor="lung", solitary_skeletal_met="no"),
        scores.nesms(modified_bauer=1, ambulatory="dependent", albumin_normal="no"),
    ]
    for r in results:
        assert r.version and r.citation
        assert r.to_dict()["total"] == r.total


def test_tables_vectorise_tokuhashi():
    """The exported tables give the same totals as the function (how the cohort layer uses them)."""
    rows = [
        dict(kps=40, extraspinal_bone_mets=3, vertebral_mets=2, visceral_mets="unremovable",
             primary_tumor="liver", frankel_pre="D1"),
        dict(kps=100, extraspinal_bone_mets=0, vertebral_mets=1, visceral_mets="none",
             primary_tumor="breast", frankel_pre="E"),
        dict(kps=70, extraspinal_bone_mets=7, vertebral_mets=5, visceral_mets="removable",
             primary_tumor="rectum", frankel_pre="C"),
    ]  # fmt: skip
    for row in rows:
        vectorised = (
            scores.TOKUHASHI_KPS_POINTS[row["kps"]]
            + scores.TOKUHASHI_EXTRASPINAL_POINTS[min(row["extraspinal_bone_mets"], 3)]
            + scores.TOKUHASHI_VERTEBRAL_POINTS[min(row["vertebral_mets"], 3)]
            + scores.TOKUHASHI_VISCERAL_POINTS[row["visceral_mets"]]
            + scores.TOKUHASHI_PRIMARY_POINTS[row["primary_tumor"]]
            + scores.TOKUHASHI_PALSY_POINTS[row["frankel_pre"]]
        )
        assert vectorised == scores.tokuhashi(**row).total
    assert [scores.tokuhashi(**r).total for r in rows] == [3, 15, 7]  # 1+0+0+1+4+1 = 7 for the third row
