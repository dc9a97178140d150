"""Follow-up contacts are checked before they are stored (library and command line), on both backends."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

import spinemet.cli.registry_cmds  # noqa: F401 - registers the commands
from spinemet.cli.app import app
from spinemet.errors import InvalidInputError
from spinemet.registry.audit import WriteContext, audit_frame
from spinemet.registry.followup import add_follow_up, list_follow_up
from spinemet.registry.store import store_frame
from tests.registry.conftest import make_cohort

CTX = WriteContext(username="bob", reason="clinic letter")
SURGERY = dt.date(2020, 3, 1)


@pytest.fixture
def course(engine: Engine) -> Engine:
    """P00000: operated 2020-03-01, dead at 6 months; P00001: operated 2020-03-01, censored alive at 12."""
    frame = make_cohort(3)
    frame["surgery_date"] = pd.Timestamp(SURGERY)
    frame.loc[0, ["survival_months", "dead"]] = [6.0, 1.0]
    frame.loc[1, ["survival_months", "dead"]] = [12.0, 0.0]
    with engine.begin() as conn:
        store_frame(conn, frame, WriteContext(username="alice", reason="load"))
    return engine


def _add(engine: Engine, patient: str, **kw) -> int:
    with engine.begin() as conn:
        return add_follow_up(conn, patient, kw.pop("ctx", CTX), **kw)


@pytest.mark.parametrize(
    ("kw", "field", "allowed"),
    [
        ({"months": float("inf")}, "months", "a finite number of months after surgery, 0-1200"),
        ({"months": float("nan")}, "months", "a finite number"),
        ({"months": -1.0}, "months", "a finite number of months after surgery, 0-1200"),
        ({"months": 1201.0}, "months", "a finite number of months after surgery, 0-1200"),
        ({"date": dt.date(1899, 12, 31)}, "date", "a date from 1900-01-01 to 2200-12-31"),
        ({"date": dt.date(2201, 1, 1)}, "date", "a date from 1900-01-01 to 2200-12-31"),
        ({"date": dt.date(2020, 2, 29)}, "date", "a date on or after the patient's surgery date"),
    ],
)
def test_out_of_range_times_refused(course: Engine, kw: dict, field: str, allowed: str) -> None:
    with pytest.raises(InvalidInputError, match="allowed: " + allowed.replace("(", r"\(")) as caught:
        _add(course, "P00001", status="alive", **kw)
    assert caught.value.field == field
    with course.connect() as conn:
        assert list_follow_up(conn) == []  # nothing stored, nothing audited
        assert not (audit_frame(conn)["table_name"] == "follow_up").any()


def test_alive_after_a_recorded_death_refused(course: Engine) -> None:
    # the cohort records P00000's death at 6 months
    with pytest.raises(InvalidInputError, match=r"status: got 'alive'; allowed: dead \(a death is recorded"):
        _add(course, "P00000", status="alive", months=7.0)
    with pytest.raises(InvalidInputError, match="a death is recorded"):
        _add(course, "P00000", status="alive", date=dt.date(2021, 1, 1))  # 10 months after surgery
    assert _add(course, "P00000", status="alive", months=5.0)  # before the death: fine
    # a death recorded as a follow-up contact
    _add(course, "P00002", status="dead", date=dt.date(2021, 5, 1))
    with pytest.raises(InvalidInputError, match="a death is recorded"):
        _add(course, "P00002", status="alive", date=dt.date(2021, 5, 2))
    assert _add(course, "P00002", status="alive", date=dt.date(2021, 4, 30))


def test_death_before_a_recorded_alive_contact_refused(course: Engine) -> None:
    _add(course, "P00001", status="alive", date=dt.date(2022, 1, 1))
    with pytest.raises(InvalidInputError, match="recorded alive after this date"):
        _add(course, "P00001", status="dead", date=dt.date(2021, 12, 1))
    with pytest.raises(InvalidInputError, match="recorded alive after this date"):
        _add(course, "P00001", status="dead", months=3.0)
    assert _add(course, "P00001", status="dead", date=dt.date(2022, 2, 1))


@pytest.mark.parametrize("reason", ["", "   ", "\t\n"])
def test_blank_reason_refused(reason: str) -> None:
    with pytest.raises(InvalidInputError, match=r"reason: got .*; allowed: a non-blank reason"):
        WriteContext(username="bob", reason=reason)
    with pytest.raises(InvalidInputError, match="username"):
        WriteContext(username="  ", reason="r")
    assert WriteContext(username="bob", reason=reason, source_file="c.csv").reason == "import of c.csv"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--months", "inf"], "months: got inf; allowed: a finite number"),
        (["--months", "nan"], "months: got nan"),
        (["--date", "1800-01-01"], "date: got '1800-01-01'; allowed: a date from 1900-01-01"),
        (["--date", "2999-01-01"], "date: got '2999-01-01'"),
        (["--months", "3", "--reason", ""], "reason: got ''; allowed: a non-blank reason"),
        (["--months", "3", "--reason", "   "], "allowed: a non-blank reason"),
    ],
)
def test_cli_followup_refusals(course: Engine, args: list[str], message: str) -> None:
    url = course.url.render_as_string(hide_password=False)
    base = ["followup", "add", "P00001", "--status", "alive", "--db", url]
    if "--reason" not in args:
        base += ["--reason", "clinic"]
    result = CliRunner().invoke(app, base + args)
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit)  # no traceback
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_audit_patient_includes_follow_up_rows(course: Engine) -> None:
    fid = _add(course, "P00001", status="alive", months=2.0)
    _add(course, "P00002", status="alive", months=2.0)
    url = course.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(app, ["audit", "--patient", "P00001", "--db", url, "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {r["record_id"] for r in rows} == {"P00001", f"P00001/{fid}"}
    assert [r["table_name"] for r in rows][-1] == "follow_up"
    with course.connect() as conn:  # LIKE wildcards in the id are literal
        assert audit_frame(conn, record_id="P0000_").empty
        assert audit_frame(conn, record_id="P%").empty
