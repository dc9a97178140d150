"""Storing cohort frames: insert, re-import updates only changed fields, audit rows, atomicity."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select

from spinemet.registry import store as store_module
from spinemet.registry.audit import WriteContext, audit_frame
from spinemet.registry.backup import table_counts
from spinemet.registry.errors import RegistryError
from spinemet.registry.models import Patient
from spinemet.registry.query import load_frame
from spinemet.registry.store import store_frame
from tests.registry.conftest import make_cohort

CTX = WriteContext(username="alice", source_file="cohort.csv", source_sha256="ab" * 32)


def _stored(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return load_frame(conn)


def test_insert_then_read_back_equal(engine) -> None:
    frame = make_cohort(7)
    with engine.begin() as conn:
        result = store_frame(conn, frame, CTX)
    assert (result.inserted, result.updated, result.unchanged) == (7, 0, 0)
    back = _stored(engine)
    pd.testing.assert_frame_equal(back[frame.columns], frame, check_like=False)
    assert back["age"].dtype == np.float64
    assert back["surgery_date"].dtype == "datetime64[ns]"
    assert back["sex"].map(type).eq(str).all()


def test_insert_audit_rows_name_source_and_values(engine) -> None:
    frame = make_cohort(2)
    with engine.begin() as conn:
        store_frame(conn, frame, CTX)
        trail = audit_frame(conn)
    assert list(trail["action"]) == ["insert", "insert"]
    assert list(trail["record_id"]) == ["P00000", "P00001"]
    assert set(trail["username"]) == {"alice"}
    assert set(trail["source_file"]) == {"cohort.csv"}
    assert set(trail["source_sha256"]) == {"ab" * 32}
    first = json.loads(trail["new_value"].iloc[0])
    assert first["kps"] == str(int(frame["kps"].iloc[0]))
    assert first["surgery_date"] == frame["surgery_date"].iloc[0].date().isoformat()
    assert first["site"] == "A"
    assert trail["old_value"].isna().all()


def test_reimport_updates_only_changed_fields_without_duplicates(engine) -> None:
    frame = make_cohort(4)
    with engine.begin() as conn:
        store_frame(conn, frame, CTX)
    changed = frame.copy()
    old_kps = changed.loc[1, "kps"]
    changed.loc[1, "kps"] = 10.0 if old_kps != 10.0 else 20.0
    changed.loc[2, "complications"] = np.nan  # was set: cleared
    changed.loc[3, "site"] = "Z"
    ctx2 = WriteContext(username="bob", source_file="cohort_v2.csv", source_sha256="cd" * 32)
    with engine.begin() as conn:
        result = store_frame(conn, changed, ctx2)
    assert (result.inserted, result.updated, result.unchanged) == (0, 3, 1)
    assert result.values_changed == 3
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Patient)).scalar() == 4
        trail = audit_frame(conn)
    updates = trail[trail["action"] == "update"]
    got = {(r.record_id, r.field, r.old_value, r.new_value, r.username) for r in updates.itertuples()}
    assert got == {
        ("P00001", "kps", str(int(old_kps)), str(int(changed.loc[1, "kps"])), "bob"),
        ("P00002", "complications", "surgical_site_infection;other", None, "bob"),
        ("P00003", "site", "A", "Z", "bob"),
    }
    assert set(updates["source_file"]) == {"cohort_v2.csv"}
    pd.testing.assert_frame_equal(_stored(engine)[changed.columns], changed)


def test_reimport_identical_file_writes_nothing(engine) -> None:
    frame = make_cohort(3)
    with engine.begin() as conn:
        store_frame(conn, frame, CTX)
    with engine.connect() as conn:
        before = table_counts(conn)
    with engine.begin() as conn:
        result = store_frame(conn, frame, CTX)
    assert result.unchanged == 3 and result.audit_rows == 0
    with engine.connect() as conn:
        assert table_counts(conn) == before


def test_columns_absent_from_file_are_kept(engine) -> None:
    frame = make_cohort(3)
    with engine.begin() as conn:
        store_frame(conn, frame, CTX)
    partial = frame[["patient_id", "kps"]].copy()
    partial["kps"] = 100.0
    with engine.begin() as conn:
        store_frame(conn, partial, CTX)
    back = _stored(engine)
    assert list(back["kps"]) == [100.0] * 3
    pd.testing.assert_series_equal(back["age"], frame["age"])


def test_duplicate_patient_id_refused(engine) -> None:
    frame = pd.concat([make_cohort(2), make_cohort(1)], ignore_index=True)
    with pytest.raises(Exception, match="twice"), engine.begin() as conn:
        store_frame(conn, frame, CTX)
    with engine.connect() as conn:
        assert sum(table_counts(conn).values()) == 0


def test_failure_mid_transaction_leaves_database_as_it_was(engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail after 2 of 5 chunks were written: nothing of the second import remains."""
    with engine.begin() as conn:
        store_frame(conn, make_cohort(3, prefix="OLD"), CTX)
    with engine.connect() as conn:
        before_counts = table_counts(conn)
        before_audit = audit_frame(conn)
    before_frame = _stored(engine)
    monkeypatch.setattr(store_module, "CHUNK", 10)
    frame = make_cohort(50, seed=3)
    calls: list[int] = []

    def boom(done: int, total: int) -> None:
        calls.append(done)
        if done >= 20:
            raise RuntimeError("simulated crash")

    with pytest.raises(RuntimeError, match="simulated crash"), engine.begin() as conn:
        store_frame(conn, frame, CTX, progress=boom)
    assert calls == [10, 20]
    with engine.connect() as conn:
        assert table_counts(conn) == before_counts
        pd.testing.assert_frame_equal(audit_frame(conn), before_audit)
        assert conn.execute(select(func.count()).select_from(Patient)).scalar() == before_counts["patient"]
    pd.testing.assert_frame_equal(_stored(engine), before_frame)


def test_load_frame_filters_and_site(engine) -> None:
    frame = make_cohort(9)
    with engine.begin() as conn:
        store_frame(conn, frame, CTX)
        by_site = load_frame(conn, site="B")
        lung = load_frame(conn, filters={"primary_tumor": "lung"})
        kps = load_frame(conn, filters={"kps": str(int(frame.loc[0, "kps"]))})
        both = load_frame(conn, filters={"site": "A", "sex": "M"})
        date = load_frame(conn, filters={"surgery_date": frame.loc[4, "surgery_date"].date().isoformat()})
    assert list(by_site["patient_id"]) == list(frame.loc[frame["site"] == "B", "patient_id"])
    assert list(lung["patient_id"]) == list(frame.loc[frame["primary_tumor"] == "lung", "patient_id"])
    assert list(kps["patient_id"]) == list(frame.loc[frame["kps"] == frame.loc[0, "kps"], "patient_id"])
    expected = frame[(frame["site"] == "A") & (frame["sex"] == "M")]["patient_id"]
    assert list(both["patient_id"]) == list(expected)
    assert "P00004" in set(date["patient_id"])


def test_filter_values_are_quoted_not_executed(engine) -> None:
    with engine.begin() as conn:
        store_frame(conn, make_cohort(3), CTX)
    with engine.connect() as conn:
        assert load_frame(conn, filters={"primary_tumor": "x' OR '1'='1"}).empty
        assert load_frame(conn, filters={"kps": "nan"}).empty
        assert load_frame(conn, site="A' OR 'x'='x").empty
        assert len(load_frame(conn)) == 3


def test_age_group_token_comes_back_as_object_and_is_not_a_number(engine) -> None:
    """``age`` ``90+`` (HIPAA Safe Harbor group) is kept as the token in ``age_special``, age NULL."""
    ages = pd.Series([67.0, "90+", np.nan], dtype=object)
    frame = pd.DataFrame({"patient_id": ["a", "b", "c"], "age": ages})
    with engine.begin() as conn:
        store_frame(conn, frame, CTX)
        back = load_frame(conn)
        raw = conn.execute(select(Patient.patient_id, Patient.age, Patient.age_special)).all()
        token = load_frame(conn, filters={"age": "90+"})
    assert list(back["age"][:2]) == [67.0, "90+"] and pd.isna(back["age"][2])
    assert sorted(raw) == [("a", 67, None), ("b", None, "90+"), ("c", None, None)]
    assert list(token["patient_id"]) == ["b"]
    # a later real age replaces the token (audited as one field change)
    with engine.begin() as conn:
        result = store_frame(conn, pd.DataFrame({"patient_id": ["b"], "age": [91.0]}), CTX)
        row = conn.execute(select(Patient.age, Patient.age_special).where(Patient.patient_id == "b")).one()
        audit = audit_frame(conn, record_id="b")
    assert (result.values_changed, tuple(row)) == (1, (91, None))
    assert audit.iloc[-1][["field", "old_value", "new_value"]].tolist() == ["age", "90+", "91"]


def test_extra_columns_stored_as_json_and_audited_per_field(engine) -> None:
    """Columns outside the cohort format (import --keep-extra) live in patient.extra (JSON)."""
    frame = pd.DataFrame({"patient_id": ["a", "b"], "trial_arm": ["A", None], "dose": [1.5, 2.0]})
    with engine.begin() as conn:
        store_frame(conn, frame, CTX)
        raw = dict(conn.execute(select(Patient.patient_id, Patient.extra)).all())
        back = load_frame(conn)
        changed = frame.assign(trial_arm=["B", None])
        result = store_frame(conn, changed, CTX)
        audit = audit_frame(conn, record_id="a")
    assert raw == {"a": '{"dose":1.5,"trial_arm":"A"}', "b": '{"dose":2.0}'}
    assert list(back["trial_arm"][:1]) == ["A"] and pd.isna(back["trial_arm"][1])
    assert back["dose"].tolist() == [1.5, 2.0]
    assert json.loads(audit.iloc[0]["new_value"]) == {"dose": "1.5", "trial_arm": "A"}
    assert (result.updated, result.values_changed) == (1, 1)
    assert audit.iloc[-1][["field", "old_value", "new_value"]].tolist() == ["trial_arm", "A", "B"]


def test_reserved_column_and_wrong_type_refused_naming_field_not_value(engine) -> None:
    with (
        pytest.raises(RegistryError, match=r"columns: got 'age_special'; allowed: the cohort-format"),
        engine.begin() as conn,
    ):
        store_frame(conn, pd.DataFrame({"patient_id": ["a"], "age_special": ["90+"]}), CTX)
    with (
        pytest.raises(RegistryError, match=r"^kps: invalid value in frame row 1; allowed: a whole number$"),
        engine.begin() as conn,
    ):
        store_frame(conn, pd.DataFrame({"patient_id": ["a", "b"], "kps": [80.0, 75.5]}), CTX)
    with (
        pytest.raises(RegistryError, match=r"^surgery_date: invalid value in frame row 0; allowed: a date$"),
        engine.begin() as conn,
    ):
        store_frame(conn, pd.DataFrame({"patient_id": ["a"], "surgery_date": ["secret-42"]}), CTX)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Patient)).scalar() == 0


def test_typed_columns_hold_sql_types_for_plain_sql(engine) -> None:
    """Analysts query the table directly: integers, floats, dates and codes in their own columns."""
    frame = make_cohort(3)
    with engine.begin() as conn:
        store_frame(conn, frame, CTX)
        rows = conn.execute(
            select(Patient.kps, Patient.vas_pre, Patient.surgery_date, Patient.sex, Patient.dead).order_by(
                Patient.patient_id
            )
        ).all()
    assert [r[0] for r in rows] == [int(x) for x in frame["kps"]]
    assert all(isinstance(r[0], int) and isinstance(r[4], int) for r in rows)
    assert [r[1] for r in rows] == list(frame["vas_pre"])
    assert [r[2] for r in rows] == [d.date() for d in frame["surgery_date"]]
    assert [r[3] for r in rows] == list(frame["sex"])


def test_insert_audit_record_is_record_json_of_every_stored_value(engine) -> None:
    from spinemet.registry.audit import record_json
    from spinemet.registry.values import FIELD_BY_NAME, format_value

    frame = make_cohort(4)
    frame.loc[1, "sex"] = 'quote " and ü'
    with engine.begin() as conn:
        store_frame(conn, frame, CTX)
        audit = audit_frame(conn)
    for i, (_, row) in enumerate(frame.iterrows()):
        expected = {}
        for column, value in row.items():
            if column == "patient_id" or (not isinstance(value, str) and pd.isna(value)):
                continue
            if column == "site" or FIELD_BY_NAME[column].kind == "text":
                expected[column] = value
            elif FIELD_BY_NAME[column].kind == "date":
                expected[column] = value.date().isoformat()
            else:
                expected[column] = format_value(float(value))
        assert audit.loc[i, "new_value"] == record_json(expected)


def test_iter_frames_streams_equal_pieces(engine) -> None:
    from spinemet.registry.query import iter_frames

    frame = make_cohort(25)
    with engine.begin() as conn:
        store_frame(conn, frame, CTX)
    with engine.connect() as conn:
        pieces = list(iter_frames(conn, chunk=10))
        whole = load_frame(conn)
    assert [len(p) for p in pieces] == [10, 10, 5]
    assert all(list(p.columns) == list(whole.columns) for p in pieces)
    pd.testing.assert_frame_equal(pd.concat(pieces, ignore_index=True), whole)
    pd.testing.assert_frame_equal(whole, frame.reset_index(drop=True)[list(whole.columns)])


def test_count_patients(engine) -> None:
    from spinemet.registry.query import count_patients

    with engine.begin() as conn:
        assert count_patients(conn) == 0
        store_frame(conn, make_cohort(4), CTX)
        assert count_patients(conn) == 4


def test_store_in_batches_equals_one_batch_and_names_frame_rows(
    engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Values are converted a batch at a time (bounded memory); rows in messages stay frame rows and a
    repeated id is found across batches."""
    monkeypatch.setattr(store_module, "BATCH", 7)
    monkeypatch.setattr(store_module, "CHUNK", 3)
    frame = make_cohort(20)
    bad = frame.copy()
    bad["kps"] = bad["kps"].astype("float64")
    bad.loc[15, "kps"] = 75.5
    with pytest.raises(RegistryError, match=r"^kps: invalid value in frame row 15;"), engine.begin() as conn:
        store_frame(conn, bad, CTX)
    twice = frame.copy()
    twice.loc[12, "patient_id"] = twice.loc[2, "patient_id"]
    with (
        pytest.raises(RegistryError, match=r"the same id occurs twice \(frame row 12\)"),
        engine.begin() as conn,
    ):
        store_frame(conn, twice, CTX)
    calls: list[int] = []
    with engine.begin() as conn:
        result = store_frame(conn, frame, CTX, progress=lambda done, total: calls.append(done))
    assert result.inserted == 20 and calls == [3, 6, 7, 10, 13, 14, 17, 20]
    pd.testing.assert_frame_equal(
        _stored(engine), frame.reset_index(drop=True)[list(_stored(engine).columns)]
    )
