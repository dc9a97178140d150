"""The JSON API contract of issue 8 (TestClient; SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from spinemet.cohort.patient_card import score_patient
from spinemet.registry.audit import audit_frame
from tests.web.conftest import PASSWORD


def test_login_answers_csrf_and_user_and_401_on_bad_password(anonymous) -> None:
    bad = anonymous.post("/api/login", json={"username": "editor_a", "password": "wrong password!"})
    assert bad.status_code == 401
    assert set(bad.json()) == {"error", "detail"}
    good = anonymous.post("/api/login", json={"username": "editor_a", "password": PASSWORD})
    assert good.status_code == 200
    body = good.json()
    assert body["user"] == {"username": "editor_a", "role": "editor", "sites": ["A"]}
    assert len(body["csrf_token"]) >= 32
    cookie = good.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie


def test_score_gives_the_cli_card_plus_ranges(anonymous) -> None:
    values = {"kps": 70, "primary_tumor": "kidney", "frankel_pre": "E", "visceral_mets": "none"}
    answer = anonymous.post("/api/score", json=values)
    assert answer.status_code == 200
    body = answer.json()
    cli = score_patient({k: str(v) for k, v in values.items()})
    assert body["pathway"] == cli["pathway"]
    assert body["scores"] == cli["scores"]
    # 1 (KPS 70) + 3 (kidney) + 2 (E) + 2 (no visceral) = 8 known; two counts add 0-2 each.
    assert body["ranges"]["tokuhashi"]["low"] == 8 and body["ranges"]["tokuhashi"]["high"] == 12
    assert [b["band"] for b in body["ranges"]["tokuhashi"]["bands"]] == ["0-8", "9-11", "12-15"]
    refused = anonymous.post("/api/score", json={"kps": 75})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["column"] == "kps"
    assert refused.json()["errors"][0]["allowed"] == "10-100 in steps of 10"


def test_patient_list_get_create_patch_followup(sign_in, engine) -> None:
    s = sign_in("editor_a")
    listing = s.client.get("/api/patients").json()
    assert listing["total"] == 2
    assert [p["patient_id"] for p in listing["items"]] == ["PA1", "PA2"]
    assert {p["site"] for p in listing["items"]} == {"A"}
    first = listing["items"][0]
    assert first["version"] == 1 and first["tokuhashi"] == 11 and first["tokuhashi_band"] == "9-11"
    assert s.client.get("/api/patients", params={"tokuhashi_band": "9-11"}).json()["total"] == 2
    assert s.client.get("/api/patients", params={"tokuhashi_band": "12-15"}).json()["total"] == 0
    assert s.client.get("/api/patients", params={"surgery_from": "2021-03-02"}).json()["total"] == 0
    assert s.client.get("/api/patients", params={"procedure": "mist", "limit": 1}).json()["total"] == 2

    one = s.client.get("/api/patients/PA1").json()
    assert one["patient_id"] == "PA1" and one["site"] == "A" and one["version"] == 1
    assert one["values"]["kps"] == 70 and one["values"]["surgery_date"] == "2021-03-01"
    # KPS 70 -> 1, 0 extraspinal -> 2, 1 vertebral -> 2, no visceral -> 2, kidney -> 3, D2 -> 1 = 11
    assert one["scores"]["tokuhashi"]["total"] == 11
    assert one["followups"] == []

    created = s.send(
        "POST",
        "/api/patients",
        json={"patient_id": "PA9", "site": "A", "values": {"kps": 60, "sex": "M"}, "reason": "new"},
    )
    assert created.status_code == 201
    assert created.json()["version"] == 1 and created.json()["values"] == {"kps": 60, "sex": "M"}

    invalid = s.send(
        "POST", "/api/patients", json={"patient_id": "PA8", "site": "A", "values": {"kps": 65, "sex": "X"}}
    )
    assert invalid.status_code == 422
    errors = {e["column"]: e for e in invalid.json()["errors"]}
    assert set(errors) == {"kps", "sex"}
    assert errors["sex"]["allowed"] == "one of: M, F" and errors["sex"]["value"] == "X"
    assert s.client.get("/api/patients/PA8").status_code == 404  # nothing saved

    patched = s.send(
        "PATCH",
        "/api/patients/PA1",
        json={"values": {"kps": 80}, "reason": "re-measured"},
        headers={"If-Match": "1"},
    )
    assert patched.status_code == 200 and patched.json()["version"] == 2
    assert patched.json()["scores"]["tokuhashi"]["total"] == 12
    stale = s.send("PATCH", "/api/patients/PA1", json={"values": {"kps": 50}}, headers={"If-Match": "1"})
    assert stale.status_code == 412
    body = stale.json()
    assert body["current"] == 2 and body["expected"] == 1
    assert body["conflicts"] == [{"column": "kps", "yours": "50", "theirs": "80"}]
    assert [(c["user"], c["column"], c["old"], c["new"]) for c in body["changes"]] == [
        ("editor_a", "kps", "70", "80")
    ]
    assert s.client.get("/api/patients/PA1").json()["values"]["kps"] == 80  # not overwritten

    visit = s.send(
        "POST",
        "/api/patients/PA1/followups",
        json={"date": "2021-09-01", "status": "alive", "frankel": "E", "barthel": 90, "vas": 2},
    )
    assert visit.status_code == 201
    assert visit.json()["survival"] == {
        "survival_months": round(184 / 30.4375, 2),
        "dead": 0,
        "from": "latest follow-up",
        "follow_up_id": visit.json()["id"],
    }
    before = s.send("POST", "/api/patients/PA1/followups", json={"date": "2021-01-01", "status": "alive"})
    assert before.status_code == 422 and before.json()["errors"][0]["column"] == "date"
    death = s.send("POST", "/api/patients/PA1/followups", json={"date": "2022-03-01", "status": "dead"})
    assert death.json()["survival"]["dead"] == 1
    after_death = s.send(
        "POST", "/api/patients/PA1/followups", json={"date": "2022-04-01", "status": "alive"}
    )
    assert after_death.status_code == 422
    assert "death" in after_death.json()["errors"][0]["message"]
    bad_barthel = s.send(
        "POST", "/api/patients/PA2/followups", json={"date": "2021-04-01", "status": "alive", "barthel": 83}
    )
    assert bad_barthel.status_code == 422
    assert bad_barthel.json()["errors"][0] == {
        "column": "barthel", "value": "83", "message": "barthel: got '83'; allowed: 0-100 in steps of 5",
        "allowed": "0-100 in steps of 5",
    }  # fmt: skip

    with engine.connect() as conn:
        trail = audit_frame(conn, record_id="PA1")
    assert set(trail["username"]) == {"seed", "editor_a"}
    assert "re-measured" in set(trail["reason"])


def test_other_centre_is_404_like_a_missing_record(sign_in) -> None:
    s = sign_in("editor_a")
    other = s.client.get("/api/patients/PB1")
    missing = s.client.get("/api/patients/NOPE")
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    assert (
        s.send(
            "PATCH", "/api/patients/PB1", json={"values": {"kps": 80}}, headers={"If-Match": "1"}
        ).status_code
        == 404
    )
    assert (
        s.send(
            "POST", "/api/patients/PB1/followups", json={"date": "2021-09-01", "status": "alive"}
        ).status_code
        == 404
    )
    assert (
        s.send("POST", "/api/patients", json={"patient_id": "X1", "site": "B", "values": {}}).status_code
        == 403
    )


def test_report_is_the_cli_report_json_of_visible_patients(sign_in) -> None:
    viewer = sign_in("viewer_a")
    answer = viewer.client.get("/api/report")
    assert answer.status_code == 200
    assert answer.json()["n"] == 2  # centre A only
    admin = sign_in("admin1")
    assert admin.client.get("/api/report").json()["n"] == 3


def test_audit_filters(sign_in) -> None:
    auditor = sign_in("auditor1")
    everything = auditor.client.get("/api/audit").json()
    assert everything["total"] == 3 and {a["record_id"] for a in everything["items"]} == {"PA1", "PA2", "PB1"}
    one = auditor.client.get("/api/audit", params={"patient_id": "PA2"}).json()
    assert [a["record_id"] for a in one["items"]] == ["PA2"]
    assert auditor.client.get("/api/audit", params={"user": "nobody"}).json()["total"] == 0


@pytest.mark.parametrize("deidentified", [True, False])
def test_export_of_visible_centres(sign_in, deidentified: bool) -> None:
    s = sign_in("editor_a")
    text = s.client.get("/api/export", params={"deidentified": deidentified}).text
    lines = text.strip().splitlines()
    assert len(lines) == 3  # header + centre A's two patients
    assert ("PA1" in text) is (not deidentified)
    viewer = sign_in("viewer_a")
    assert viewer.client.get("/api/export", params={"deidentified": False}).status_code == 403


def test_import_dry_run_then_store_and_every_problem_listed(sign_in, engine) -> None:
    s = sign_in("editor_a")
    good = "patient_id,site,kps,sex\nPA1,A,90,F\nPN1,A,60,M\nPN2,A,50,F\n"
    dry = s.send("POST", "/api/import", files={"file": ("cohort.csv", good)}, data={"dry_run": "true"})
    assert dry.status_code == 200
    assert {k: dry.json()[k] for k in ("inserted", "updated", "unchanged", "values_changed", "stored")} == {
        "inserted": 2, "updated": 1, "unchanged": 0, "values_changed": 1, "stored": False,
    }  # fmt: skip
    assert s.client.get("/api/patients").json()["total"] == 2  # nothing stored by the dry run
    done = s.send("POST", "/api/import", files={"file": ("cohort.csv", good)}, data={"dry_run": "false"})
    assert done.json()["stored"] is True and done.json()["inserted"] == 2
    assert s.client.get("/api/patients").json()["total"] == 4
    with engine.connect() as conn:
        trail = audit_frame(conn, record_id="PN1")
    assert list(trail["source_file"]) == ["cohort.csv"] and list(trail["username"]) == ["editor_a"]
    bad = "patient_id,site,kps,sex\nPN3,A,65,F\nPN4,A,60,Q\n"
    refused = s.send("POST", "/api/import", files={"file": ("bad.csv", bad)}, data={"dry_run": "false"})
    assert refused.status_code == 422
    found = [(e["row"], e["column"], e["value"], e["allowed"]) for e in refused.json()["errors"]]
    assert found == [(2, "kps", "65", "10-100 in steps of 10"), (3, "sex", "Q", "one of: M, F")]
    other = s.send("POST", "/api/import", files={"file": ("o.csv", "patient_id,site\nPB1,A\n")})
    assert other.status_code == 422  # PB1 belongs to centre B: not updatable from centre A
    assert "PB1" not in other.text


def test_an_id_with_a_control_character_is_refused_not_a_500(sign_in) -> None:
    s = sign_in("editor_a")
    answer = s.send("POST", "/api/patients", json={"patient_id": "\u0000", "site": "A", "values": {}})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["column"] == "patient_id"
    assert s.client.get("/api/patients/%00").status_code == 404
