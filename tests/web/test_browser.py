"""Real-browser tests: Debian's chromium, headless, driven by Playwright for Python (``executable_path``,
nothing downloaded) against a ``spinemet serve`` process on a free loopback port.

One walk through the application: sign in, bedside scoring with live update (and the range while items
are missing), a new patient with a field error then a correct save, a follow-up visit, the
concurrent-edit conflict, the cohort report page, sign out. Screenshots of the main pages are written to
``tests/web/screenshots/`` (ignored by git). Finally: the server's log lines name no patient id.
Skipped when chromium or Playwright is missing, except under CI (then the test fails).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.web.conftest import PASSWORD, seed
from tests.web.server import Server

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).parent / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]  # fmt: skip


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI"):
        pytest.fail("Chromium is required in CI for the browser tests (apt-get install chromium)")
    pytest.skip("Chromium not installed; the browser tests run in CI")


def _playwright() -> object:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail(
                "Playwright for Python is required in CI for the browser tests (pip install playwright)"
            )
        pytest.skip("Playwright for Python not installed")
    return sync_playwright


def test_walk_through_the_registry_in_a_real_browser(engine, backend: str, tmp_path: Path) -> None:
    chromium = _chromium()
    sync_playwright = _playwright()
    from playwright.sync_api import expect

    seed(engine)
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    SHOTS.mkdir(exist_ok=True)
    server = Server(url, tmp_path / "server.log")
    try:
        with sync_playwright() as p:  # type: ignore[operator]
            browser = p.chromium.launch(executable_path=chromium, headless=True, args=ARGS)
            errors: list[str] = []
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("pageerror", lambda e: errors.append(str(e)))
            # script errors only: the 422 and 412 answers shown to the user are expected "failed" loads
            page.on(
                "console",
                lambda m: (
                    errors.append(m.text)
                    if m.type == "error" and not m.text.startswith("Failed to load resource")
                    else None
                ),
            )

            # bedside calculator: no sign-in; live update and the range while items are missing
            page.goto(server.base + "/calculator")
            page.select_option("#f-kps", "70")
            page.select_option("#f-primary_tumor", "kidney")
            page.select_option("#f-frankel_pre", "E")
            page.select_option("#f-visceral_mets", "none")
            # live update: the card follows the fields (1 + 3 + 2 + 2 known; two counts missing)
            expect(page.locator('[data-range="tokuhashi"] h3')).to_have_text(
                "tokuhashi 8–12: band 0-8 or 9-11 or 12-15", timeout=30_000
            )
            page.fill("#f-extraspinal_bone_mets", "0")
            page.fill("#f-vertebral_mets", "1")
            expect(page.locator('[data-score="tokuhashi"] h3')).to_contain_text(
                "tokuhashi_revised: 12, band 12-15", timeout=30_000
            )
            page.screenshot(path=str(SHOTS / f"calculator-{backend}.png"), full_page=False)

            # sign in
            page.goto(server.base + "/login")
            page.fill("#username", "editor_a")
            page.fill("#password", PASSWORD)
            page.screenshot(path=str(SHOTS / f"login-{backend}.png"))
            page.click("button[type=submit]")
            page.wait_for_url(server.base + "/patients")
            page.wait_for_selector("#patient-list tbody tr")
            assert page.locator("#patient-list tbody tr").count() == 2
            page.screenshot(path=str(SHOTS / f"patients-{backend}.png"))

            # a new patient: a field error, then a correct save
            page.click("#new-patient")
            page.fill("#f-patient_id", "PW1")
            page.select_option("#f-site", "A")
            page.fill("#f-age", "200")
            page.select_option("#f-kps", "60")
            page.select_option("#f-primary_tumor", "lung")
            page.fill("#f-surgery_date", "2021-03-01")
            page.click("#save")
            age_error = page.locator('.field[data-field="age"] .error')
            age_error.wait_for()
            assert "allowed" in age_error.inner_text()
            page.screenshot(path=str(SHOTS / f"field-error-{backend}.png"))
            page.fill("#f-age", "64")
            page.click("#save")
            page.wait_for_url(re.compile(r".*/record/[\w-]+$"))
            assert "PW1" not in page.url
            record_url = page.url
            assert page.inner_text("#record-version") == "1"

            # a follow-up visit
            page.fill("#v-date", "2021-09-01")
            page.select_option("#v-status", "alive")
            page.select_option("#v-barthel", "80")
            page.click("#add-visit")
            page.wait_for_selector("#visits tbody tr")
            assert "alive (censored)" in page.inner_text("#survival")
            page.screenshot(path=str(SHOTS / f"record-{backend}.png"), full_page=True)

            # the concurrent-edit conflict: another editor saves first
            other = browser.new_context(viewport={"width": 1400, "height": 1000})
            second = other.new_page()
            second.goto(server.base + "/login")
            second.fill("#username", "admin1")
            second.fill("#password", PASSWORD)
            second.click("button[type=submit]")
            second.wait_for_url(server.base + "/patients")
            second.locator("#patient-list tbody tr", has_text="PW1").click()
            second.wait_for_url(re.compile(r".*/record/[\w-]+$"))
            second.select_option("#f-kps", "80")
            second.click("#save")
            second.wait_for_selector("#save-status:has-text('Saved (version 2)')")
            page.select_option("#f-kps", "40")
            page.click("#save")
            page.wait_for_selector("#conflict:not([hidden])")
            conflict = page.inner_text("#conflict")
            assert "now version 2" in conflict and "admin1 changed kps: 60 → 80" in conflict
            page.screenshot(path=str(SHOTS / f"conflict-{backend}.png"))
            page.goto(record_url)
            assert page.input_value("#f-kps") == "80"  # the other save was not overwritten

            # the cohort report
            page.goto(server.base + "/report")
            frame = page.frame_locator("#report-frame")
            frame.locator("table").first.wait_for(timeout=60_000)
            page.screenshot(path=str(SHOTS / f"report-{backend}.png"), full_page=True)

            # sign out: the session is gone
            page.click("#logout")
            page.wait_for_url(server.base + "/login")
            page.goto(server.base + "/patients")
            assert page.url == server.base + "/login"
            browser.close()
            assert not errors, errors
    finally:
        server.stop()
    log = server.log()
    assert "POST /api/patients 201" in log and "/api/patients/{patient_id}" in log
    assert not re.search(r"\b(PW1|PA1|PA2|PB1)\b", log), "a patient id reached the server log"
