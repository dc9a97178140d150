"""``spinemet score --patient ...`` without typer (issue 10): same bytes and exit status as through typer.

``spinemet.cli.main.main`` runs a plain ``score --patient ...`` command line itself (``patient_mode``);
everything else goes to the Typer app. Each case runs in a fresh interpreter twice, once as the console
script runs it and once with the fast path switched off, and stdout, stderr and the exit status must be
identical.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from spinemet.cli.patient_mode import fast_argv

_RUN = """
import sys
import spinemet.cli.patient_mode as pm
if sys.argv[1] == "typer":
    pm.fast_argv = lambda argv: None  # the Typer app parses and runs the command
from spinemet.cli.main import main
main(sys.argv[2:])
"""

README = ["score", "--patient", "kps=70", "primary_tumor=kidney", "frankel_pre=D2", "escc=2"]
FULL = [
    "score", "-p", "kps=60", "-p", "extraspinal_bone_mets=1", "--patient=vertebral_mets=2", "--patient",
    "visceral_mets=none", "primary_tumor=lung", "frankel_pre=C", "main_level=T5", "sins_pain=mechanical",
    "sins_lesion=lytic", "sins_alignment=normal", "sins_collapse=under50", "sins_posterolateral=unilateral",
    "escc=1b", "barthel_pre=45", "frankel_post=D2", "ambulatory=independent", "albumin_g_dl=3.9",
    "surgery_date=2020-01-01", "last_contact_date=2020-06-01", "age=90+", "site=Zürich",
]  # fmt: skip
CASES = [
    README,
    [*README, "--json"],
    ["score", "--json", "--patient", "kps=70", "primary_tumor=lung"],
    FULL,
    [*FULL, "--json"],
    ["score", "--patient", "kps=75"],  # a value not allowed
    ["score", "--patient", "kps=75", "--json"],  # the problems as JSON
    ["score", "--patient", "kpss=70", "frankel_pre=D4"],  # an unknown column; a hint
    ["score", "--patient", "kps=70", "kps=80"],  # given twice
    ["score", "--patient", "kps70", "--json"],  # not key=value
    ["score", "--patient", "=70"],
    ["score", "--patient", "frankel_post=E", "tokuhashi=3"],  # a warning on stderr
    ["score", "--patient", "sins=10", "main_level=T5", "sins_pain=none", "sins_lesion=lytic",
     "sins_alignment=normal", "sins_collapse=none", "sins_posterolateral=none"],  # total vs components
    ["score", "--patient", "patient_id=a\u200bb", "kps=70"],  # an id with an invisible character
    ["score", "--patient", ""],
]  # fmt: skip


def _run(path: str, args: list[str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-c", _RUN, path, *args], capture_output=True, timeout=120)


@pytest.mark.parametrize("args", CASES, ids=lambda a: " ".join(a)[:60])
def test_fast_path_gives_the_bytes_of_the_typer_command(args: list[str]) -> None:
    assert fast_argv(args) is not None  # the case takes the fast path
    fast, typer_run = _run("fast", args), _run("typer", args)
    assert (fast.returncode, fast.stdout, fast.stderr) == (typer_run.returncode, typer_run.stdout,
                                                           typer_run.stderr)  # fmt: skip
    assert fast.returncode in (0, 1)
    assert fast.stdout or fast.stderr


def test_outputs_hold_what_the_card_says() -> None:
    full = json.loads(_run("fast", [*FULL, "--json"]).stdout)
    assert sorted(full["scores"]) == ["barthel_pre", "escc", "modified_bauer", "nesms", "sins", "tokuhashi"]
    assert full["patient"]["survival_months"] == 152 / 30.4375 and full["patient"]["dead"] == 0
    assert full["patient"]["age"] == "90+" and full["patient"]["site"] == "Zürich"
    card = json.loads(_run("fast", [*README, "--json"]).stdout)
    assert card["scores"]["escc"]["extra"]["label"] == "2"
    assert card["patient"] == {"kps": 70, "primary_tumor": "kidney", "frankel_pre": "D2", "escc": "2",
                               "patient_id": "patient"}  # fmt: skip
    bad = _run("fast", ["score", "--patient", "kps=75"])
    assert bad.returncode == 1 and bad.stdout == b""
    assert bad.stderr.decode() == "--patient: error: kps: got '75'; allowed: 10-100 in steps of 10\n"
    problems = json.loads(_run("fast", ["score", "--patient", "kps=75", "--json"]).stdout)
    assert problems["ok"] is False and problems["problems"][0]["column"] == "kps"


@pytest.mark.parametrize(
    "args",
    [
        ["score", "--help"],
        ["score", "--patient", "kps=70", "--help"],
        ["score", "cohort.csv", "-o", "out.csv"],
        ["score", "--patient", "kps=70", "-o", "out.csv"],
        ["score", "--patient", "kps=70", "--keep-extra"],
        ["score", "--patient", "--json"],
        ["score", "--patient"],
        ["score", "-pkps=70"],
        ["score", "--", "--patient", "kps=70"],
        ["score", "kps=70"],
        ["--version"],
        ["validate", "--patient", "kps=70"],
        [],
    ],
)
def test_anything_else_goes_to_typer(args: list[str]) -> None:
    assert fast_argv(args) is None


def test_fast_argv_keeps_the_order_of_the_score_command() -> None:
    """Patient values first, then the other arguments, as ``score`` joins ``--patient`` and ``args``."""
    args = ["score", "a=1", "--patient", "b=2", "--json", "-p", "c=3", "--patient=d=4", "e=5"]
    assert fast_argv(args) == (["b=2", "c=3", "d=4", "a=1", "e=5"], True)


def _fresh_python(code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter (nothing imported yet); it must succeed."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done


def test_a_cold_score_loads_neither_typer_nor_pandas() -> None:
    code = (
        "import sys\n"
        "from spinemet.cli.main import main\n"
        "try:\n"
        "    main(['score', '--patient', 'kps=70', 'primary_tumor=kidney', 'frankel_pre=D2', 'escc=2'])\n"
        "except SystemExit as e:\n"
        "    assert e.code == 0, e.code\n"
        "heavy = ('typer', 'click', 'pydantic', 'pandas', 'numpy')\n"
        "print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
    )
    done = _fresh_python(code)
    assert done.stderr.strip() == "[]"
    assert "Epidural spinal cord compression (Bilsky): grade 2" in done.stdout


def test_the_card_scores_one_patient_without_pandas() -> None:
    """The web calculator's and the CLI's card: pure Python from the values to the verdicts."""
    code = (
        "import sys\n"
        "from spinemet.cohort.patient_card import score_patient\n"
        "card = score_patient({'kps': '60', 'extraspinal_bone_mets': '1', 'vertebral_mets': '2',\n"
        "                      'visceral_mets': 'none', 'primary_tumor': 'lung', 'frankel_pre': 'C'})\n"
        "print(card['scores']['tokuhashi']['total'])\n"
        "print('pandas' in sys.modules, 'numpy' in sys.modules)\n"
    )
    done = _fresh_python(code)
    assert done.stdout.split() == ["6", "False", "False"]


def test_the_console_script_goes_through_main() -> None:
    """``spinemet`` (pyproject [project.scripts]) calls ``spinemet.cli.main:main``, where the fast path is."""
    import tomllib
    from pathlib import Path

    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    scripts = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts == {"spinemet": "spinemet.cli.main:main"}


def test_without_colours_the_card_skips_the_highlighter_and_prints_the_same(monkeypatch, capsys) -> None:
    """Without a colour system rich prints no styles, so the highlighter (skipped then) changes nothing."""
    import rich.console

    from spinemet.cli import patient_mode

    pairs, _json = patient_mode.fast_argv(FULL) or ([], False)
    card = patient_mode.score_patient(dict(p.split("=", 1) for p in pairs))
    patient_mode._print_card(card)
    without = capsys.readouterr().out
    made: list[bool] = []

    class Highlighting(rich.console.Console):
        def __init__(self, *args, **kwargs) -> None:
            kwargs["highlight"] = True
            super().__init__(*args, **kwargs)
            made.append(self.color_system is None)

    monkeypatch.setattr(rich.console, "Console", Highlighting)
    patient_mode._print_card(card)
    assert made and all(made)  # no colours here, highlighting on
    assert capsys.readouterr().out == without
    assert "Revised Tokuhashi score: 6, band 0-8 (< 6 months)" in without
