"""The HTML report rendered by headless Chromium: figures show with a real size, no console errors, no
network request, and a screenshot that is not blank.

Uses Chromium's own ``--headless --dump-dom`` (no WebDriver): a probe script is prepended to a copy of the
report; after the load event it writes the rendered sizes of the figures, every error and every fetched
resource into the DOM, which Chromium then prints. Skipped when Chromium is missing, except in CI.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--virtual-time-budget=5000",
]

PROBE = """<script>
window.__errors = [];
window.addEventListener("error", function (e) { window.__errors.push(String(e.message || e)); }, true);
(function () {
  var original = console.error;
  console.error = function () {
    window.__errors.push(Array.prototype.join.call(arguments, " "));
    original.apply(console, arguments);
  };
})();
window.addEventListener("load", function () {
  var sizes = Array.prototype.map.call(document.querySelectorAll("figure svg"), function (s) {
    var r = s.getBoundingClientRect(); return [Math.round(r.width), Math.round(r.height)];
  });
  var resources = performance.getEntriesByType("resource").map(function (r) { return r.name; });
  var overflow = Array.prototype.map.call(document.querySelectorAll(".table-wrap"), function (w) {
    var t = w.querySelector("table");
    return [t.id, Math.ceil(t.getBoundingClientRect().width), w.clientWidth,
            getComputedStyle(w).overflowX];
  });
  var probe = document.createElement("pre");
  probe.id = "__probe";
  probe.textContent = JSON.stringify({sizes: sizes, errors: window.__errors, resources: resources,
                                      tables: document.querySelectorAll("table").length,
                                      overflow: overflow, width: window.innerWidth});
  document.body.appendChild(probe);
});
</script>"""


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI"):
        pytest.fail("Chromium is required in CI for the browser tests (apt-get install chromium)")
    pytest.skip("Chromium not installed (/usr/bin/chromium); the browser test runs in CI")


def _run(args: list[str], tmp: Path) -> subprocess.CompletedProcess[str]:
    profile = tmp / "profile"
    profile.mkdir(exist_ok=True)
    return subprocess.run(
        [_chromium(), *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _probe(html: str, tmp: Path, width: int) -> dict[str, Any]:
    page = tmp / f"probe-{width}.html"
    page.write_text(html.replace("<head>", "<head>\n" + PROBE, 1), encoding="utf-8")
    result = _run([f"--window-size={width},900", "--dump-dom", page.as_uri()], tmp)
    match = re.search(r'<pre id="__probe">(.*?)</pre>', result.stdout, re.S)
    assert match, f"no probe output; chromium said: {result.stderr[-2000:]}"
    import html as htmllib

    return json.loads(htmllib.unescape(match.group(1)))


@pytest.fixture(scope="module")
def probe(demo_out: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _probe(demo_out["html"].read_text(encoding="utf-8"), tmp_path_factory.mktemp("browser"), 1400)


def test_no_table_overflows_at_1400px(probe: dict[str, Any]) -> None:
    assert probe["width"] == 1400
    wide = [(key, w, room) for key, w, room, _ in probe["overflow"] if w > room + 1]
    assert wide == [], "tables wider than their container at 1400 px"


def test_narrow_page_keeps_table1_and_scrolls_the_rest(demo_out: dict[str, Any], tmp_path: Path) -> None:
    """At 420 px Table 1 fits; a table that cannot fit scrolls inside its container (never cut off)."""
    narrow = _probe(demo_out["html"].read_text(encoding="utf-8"), tmp_path, 420)
    sizes = {key: (w, room, ox) for key, w, room, ox in narrow["overflow"]}
    w, room, _ = sizes["table1"]
    assert w <= room + 1
    assert all(ox == "auto" for _w, _room, ox in sizes.values())


def test_figures_have_size(probe: dict[str, Any]) -> None:
    assert len(probe["sizes"]) == 5
    for width, height in probe["sizes"]:
        assert width >= 300 and height >= 200


def test_no_console_errors(probe: dict[str, Any]) -> None:
    assert probe["errors"] == []


def test_no_network_requests(probe: dict[str, Any]) -> None:
    assert probe["resources"] == []


def test_tables_rendered(probe: dict[str, Any], demo_out: dict[str, Any]) -> None:
    # every report table, once; the numbers at risk are in the figures only (not repeated as tables)
    assert probe["tables"] == len(demo_out["data"]["report_tables"])


def test_screenshot_not_blank(demo_out: dict[str, Any], tmp_path: Path) -> None:
    from PIL import Image

    shot = tmp_path / "report.png"
    result = _run(["--window-size=1000,4000", f"--screenshot={shot}", demo_out["html"].as_uri()], tmp_path)
    assert shot.exists(), result.stderr[-2000:]
    with Image.open(shot) as im:
        rgb = im.convert("RGB")
        colours = rgb.getcolors(maxcolors=1_000_000) or []
        assert len(colours) > 50, "screenshot is (nearly) blank"
        # the KM curve's blue (#1f4e79) is drawn in the first screen of figures
        blue = sum(
            n for n, c in colours if abs(c[0] - 0x1F) < 12 and abs(c[1] - 0x4E) < 12 and abs(c[2] - 0x79) < 12
        )
        assert blue > 500
