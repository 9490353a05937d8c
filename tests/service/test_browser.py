"""The page in a real browser: Playwright driving Debian's Chromium against a real uvicorn.

Screenshots land in ``test-screenshots/`` (or $META_AGENT_SCREENSHOT_DIR) for a person to look
at. Skipped, with the reason, where Chromium or Playwright is missing; under CI=true that is a
failure.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.service.conftest import USE_CASE_1

ROOT = Path(__file__).resolve().parents[2]


def _chromium() -> str:
    found = os.environ.get("META_AGENT_CHROMIUM") or shutil.which("chromium")
    problem = None
    if found is None:
        problem = "Debian's chromium is not installed (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "playwright is not installed (pip install -e '.[test]')"
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(problem + "; CI=true requires the browser test.")
        pytest.skip(problem)
    assert found is not None
    return found


def test_ask_approve_and_watch_use_case_1_in_chromium(live_server: tuple[str, str]) -> None:
    chromium = _chromium()
    from playwright.sync_api import expect, sync_playwright

    base, token = live_server
    shots = Path(os.environ.get("META_AGENT_SCREENSHOT_DIR", ROOT / "test-screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(base + "/")
            page.fill("input[name=token]", token)
            page.click("button[type=submit]")
            expect(page.locator("header .who")).to_have_text("erin")
            page.fill("#request", USE_CASE_1)
            page.click("#ask button[type=submit]")
            approve = page.get_by_role("button", name="Approve and run")
            expect(approve).to_be_visible(timeout=30_000)
            expect(page.locator(".plan li").first).to_contain_text("fetch_portfolio_metrics")
            page.screenshot(path=str(shots / "1-planned.png"), full_page=True)

            approve.click()
            expect(page.locator("#run-status .status")).to_have_text("succeeded", timeout=60_000)
            expect(page.locator("table.results thead")).to_contain_text("dscr")
            assert page.locator("table.results tbody tr").count() > 0
            expect(page.locator("#log")).to_contain_text("finished: succeeded")
            progress = page.locator("#progress")
            expect(progress).to_have_attribute("value", progress.get_attribute("max") or "")
            assert int(progress.get_attribute("max") or 0) > 1  # the script's steps, all done
            expect(page.locator(".artifacts a", has_text="dscr_by_property.csv")).to_be_visible()
            page.screenshot(path=str(shots / "2-results.png"), full_page=True)

            expect(page.locator("#history")).to_contain_text("Calculate DSCR")
            page.fill("#filters input[name=q]", "no such request")
            page.click("#filters button[type=submit]")
            expect(page.locator("#history")).to_contain_text("No runs yet.")
            page.screenshot(path=str(shots / "3-history.png"), full_page=True)
        finally:
            browser.close()


def test_the_charts_of_a_run_show_on_the_page_in_chromium(live_server: tuple[str, str]) -> None:
    """Use case 2's chart, fetched by the browser through the artifact endpoint (its cookie)."""
    chromium = _chromium()
    from playwright.sync_api import expect, sync_playwright

    base, token = live_server
    shots = Path(os.environ.get("META_AGENT_SCREENSHOT_DIR", ROOT / "test-screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(base + "/")
            page.fill("input[name=token]", token)
            page.click("button[type=submit]")
            page.fill("#request", "Compare Orlando Fashion Square performance against 5 similar")
            page.click("#ask button[type=submit]")
            page.get_by_role("button", name="Approve and run").click(timeout=30_000)
            expect(page.locator("#run-status .status")).to_have_text("succeeded", timeout=60_000)
            chart = page.locator(".charts img")
            expect(chart).to_have_count(1)
            expect(chart).to_have_attribute("alt", "comparison.png")
            chart.scroll_into_view_if_needed()
            page.wait_for_function(
                "() => { const i = document.querySelector('.charts img');"
                " return i && i.complete && i.naturalWidth > 0; }",
                timeout=30_000,
            )
            width = chart.evaluate("image => image.naturalWidth")
            assert width > 300  # a real PNG arrived, not a broken-image icon
            chart.screenshot(path=str(shots / "4-chart.png"))
            page.screenshot(path=str(shots / "4-results-with-chart.png"), full_page=True)

            # Signed out, the same address gives nothing: the chart is served to its owner only.
            source = chart.get_attribute("src") or ""
            page.context.clear_cookies()
            assert page.request.get(base + source).status == 401
        finally:
            browser.close()
