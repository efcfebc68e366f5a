"""``lake docs``: the static catalog site, rendered and clicked through in headless Chromium
(zone -> table -> lineage graph). Chromium is Debian's package (``make browser`` installs it)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from lake.cli import main

pytestmark = pytest.mark.spark
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CLICKTEST = Path(__file__).parent / "browser" / "clicktest.js"


@pytest.fixture(scope="module")
def site(built, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: ANN001
    out = tmp_path_factory.mktemp("site")
    assert main(["docs", "--home", str(built.home), "--out", str(out)]) == 0
    return out


def test_site_embeds_the_catalog(site: Path) -> None:
    data = json.loads((site / "catalog.json").read_text())
    assert {z["name"] for z in data["zones"]} == {"finance", "customer_success", "executive"}
    assert data["tables"]["finance_ods.expenses"]["health"] == "fresh"
    page = (site / "index.html").read_text()
    assert "finance_analytics.expense_summary" in page and "/*CATALOG*/" not in page


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make browser)")
def test_click_from_zone_to_table_to_lineage_in_chromium(site: Path) -> None:
    page = site / "clicktest.html"
    html = (site / "index.html").read_text()
    page.write_text(html.replace("</body>", f"<script>{CLICKTEST.read_text()}</script></body>"))
    dom = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                          "--virtual-time-budget=5000", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=90, check=True).stdout
    log = dom.split('<pre id="clicktest">', 1)[1].split("</pre>", 1)[0].splitlines()
    assert log[:3] == ["view zones", "view zone #zone/finance", "view table #table/finance_ods.expenses"]
    assert "badge fresh" in log and "pii employee_email" in log
    assert log[5] == "view lineage #lineage/finance_ods.expenses"
    nodes = log[6].removeprefix("nodes ").split(",")
    assert {"finance_staging.expenses", "finance_analytics.expense_summary",
            "executive_analytics.spend_by_department"} <= set(nodes)  # across zones
