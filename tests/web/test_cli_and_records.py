"""``spinemet user add|list``, the first-start admin, and the derived survival of registry.records."""

from __future__ import annotations

import datetime as dt

from typer.testing import CliRunner

from spinemet.cli.main import app
from spinemet.registry.accounts import ensure_first_admin, sign_in
from spinemet.registry.followup import FollowUpRecord
from spinemet.registry.records import DAYS_PER_MONTH, derive_survival


def test_user_add_reads_the_password_from_stdin_and_list_shows_roles(db_factory) -> None:
    url = db_factory.url("sqlite")
    runner = CliRunner()
    added = runner.invoke(app, ["user", "add", "alice", "--role", "editor", "--site", "A", "--site", "B",
                                "--db", url], input="a long enough passphrase\n")  # fmt: skip
    assert added.exit_code == 0, added.output
    weak = runner.invoke(app, ["user", "add", "bob", "--role", "viewer", "--db", url], input="short\n")
    assert weak.exit_code == 1
    assert "at least 12 characters" in weak.output and "short\n" not in weak.output.split("error")[-1]
    listed = runner.invoke(app, ["user", "list", "--db", url])
    assert listed.output.splitlines() == ["alice\teditor\tactive\tA, B"]


def test_first_admin_is_created_once_with_a_working_one_time_password(db_factory) -> None:
    engine = db_factory.engine("sqlite")
    with engine.begin() as conn:
        first = ensure_first_admin(conn)
        assert first is not None and first[0] == "admin" and len(first[1]) >= 16
        assert ensure_first_admin(conn) is None
        account = sign_in(conn, "admin", first[1])
    assert account is not None and account.role == "admin" and account.sites is None


def _visit(i: int, day: str | None, status: str, months: float | None = None) -> FollowUpRecord:
    return FollowUpRecord(i, "P", dt.date.fromisoformat(day) if day else None, months, status, None)


def test_survival_from_the_latest_visit_or_the_death() -> None:
    surgery = "2020-01-01"
    assert derive_survival(surgery, []) is None
    alive = derive_survival(surgery, [_visit(1, "2020-04-01", "alive"), _visit(2, "2020-07-01", "alive")])
    assert alive == {"survival_months": round(182 / DAYS_PER_MONTH, 2), "dead": 0,
                     "from": "latest follow-up", "follow_up_id": 2}  # fmt: skip
    dead = derive_survival(surgery, [_visit(1, "2020-04-01", "alive"), _visit(2, "2020-05-11", "dead")])
    assert (
        dead is not None and dead["dead"] == 1 and dead["survival_months"] == round(131 / DAYS_PER_MONTH, 2)
    )
    by_months = derive_survival(None, [_visit(1, None, "alive", months=7.5)])
    assert by_months is not None and by_months["survival_months"] == 7.5
    assert derive_survival(None, [_visit(1, "2020-04-01", "alive")]) is None  # no surgery date, no months
