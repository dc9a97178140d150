"""The public API of spinemet.cohort: what __all__ promises exists, and nothing else is exported."""

from __future__ import annotations

import spinemet.cohort as cohort
from spinemet.cohort.schema import COLUMNS

EXPECTED = {
    "COLUMNS", "COLUMN_BY_NAME", "FORMATS", "FORMAT_VERSION", "Cohort", "CohortValidationError", "Column",
    "Problem", "ValidationReport", "add_score_columns", "coerce_frame", "deidentify", "detect_format",
    "load_demo", "read_cohort", "synth", "validate_file", "validate_frame", "write_cohort",
}  # fmt: skip


def test_all_is_the_contract():
    assert set(cohort.__all__) == EXPECTED
    for name in cohort.__all__:
        assert getattr(cohort, name) is not None, name


def test_load_demo_is_re_exported_from_demo():
    from spinemet.cohort import demo

    assert cohort.load_demo is demo.load_demo


def test_problem_and_error():
    p = cohort.Problem(
        5, "kps", "75", "10-100 in steps of 10", "kps: got '75'; allowed: 10-100 in steps of 10"
    )
    assert str(p) == "error: row 5: kps: got '75'; allowed: 10-100 in steps of 10"
    err = cohort.CohortValidationError([p])
    assert isinstance(err, ValueError) and "row 5" in str(err)


def test_allowed_text_is_generated_from_the_table():
    allowed = {c.name: c.allowed for c in COLUMNS}
    assert allowed["sex"] == "one of: M, F"
    assert allowed["age"] == "integer 0-120, or 90+"
    assert allowed["kps"] == "10-100 in steps of 10"
    assert allowed["barthel_pre"] == "0-100 in steps of 5"
    assert allowed["operative_time_min"] == "integer > 0"
    assert allowed["vas_pre"] == "number 0-10"
    assert allowed["patient_id"] == "text, unique in the file, required"
    assert allowed["barthel_mobility_post"] == "one of: 0, 5, 10, 15"


def test_schema_covers_the_format():
    names = {c.name for c in COLUMNS}
    core = {c.name for c in COLUMNS if c.core}
    assert len(core) == 38
    for n in ("family_care", "en_bloc_candidate", "analgesic_or_rt_responsive", "reduced_will_to_live",
              "pedicles_confirmable", "intractable_pain", "katagiri_lab", "bilirubin_mg_dl",
              "barthel_stairs", "barthel_stairs_pre", "barthel_stairs_post", "frankel_scale"):  # fmt: skip
        assert n in names and n not in core


def test_docs_list_every_column_with_its_allowed_values():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "cohort-format.md").read_text(encoding="utf-8")
    for c in COLUMNS:
        assert f"| `{c.name}` |" in text, c.name
        assert c.allowed.replace("|", "\\|") in text, c.name


def test_functions_named_like_their_module_stay_functions():
    """``synth`` and ``deidentify`` are imported lazily: importing their submodules first must not make
    ``from spinemet.cohort import synth`` return the module."""
    import importlib
    import subprocess
    import sys

    importlib.import_module("spinemet.cohort.synth")
    importlib.import_module("spinemet.cohort.deidentify")
    assert callable(cohort.synth) and cohort.synth.__name__ == "synth"
    assert callable(cohort.deidentify) and cohort.deidentify.__name__ == "deidentify"
    code = (
        "import spinemet.cohort.synth, spinemet.cohort.deidentify\n"
        "from spinemet.cohort import synth, deidentify\n"
        "print(type(synth).__name__, type(deidentify).__name__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["function", "function"]


def test_importing_the_package_imports_no_pandas():
    """The one-patient path imports ``spinemet.cohort.schema``; the package itself loads nothing heavy."""
    import subprocess
    import sys

    code = "import sys, spinemet.cohort.schema; print('pandas' in sys.modules, 'numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
