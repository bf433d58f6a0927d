"""The public board page in a real headless browser (Debian's chromium, driven by selenium):
served by the bot's HTTP server and written as a static file, it loads, shows the right rows,
switches category with its links, fits a phone's width, and leaves a screenshot in
test-artifacts/."""
from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import aiohttp
import pytest

from arenabot.app import build_core
from arenabot.config import settings_from_dict
from arenabot.features.publishing import page
from arenabot.ops.http import OpsEndpoint
from arenabot.ops.metrics import Metrics
from arenabot.ops.readiness import Readiness
from arenabot.ops.runtime import public_pages
from tests.support.published import EVIL, SCOPE, publish_two_boards

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
CHROMEDRIVER = shutil.which("chromedriver")
PHONE = (390, 844)


def _need_browser() -> None:
    missing = [name for name, path in (("chromium", CHROMIUM), ("chromedriver", CHROMEDRIVER)) if not path]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium (pip install -e '.[test]')")
    if missing:
        reason = f"{', '.join(missing)} not installed (Debian: apt-get install -y chromium chromium-driver)"
        if os.environ.get("CI"):
            pytest.fail(f"CI needs the browser: {reason}")  # .ci/run installs it; never skip there
        pytest.skip(reason)


def _driver(width: int, height: int):
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM  # type: ignore[assignment]
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", f"--window-size={width},{height}"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)


def _shown(driver) -> tuple[str, list[str]]:
    """The one board on screen: its id and the model names in its table, in order."""
    from selenium.webdriver.common.by import By

    sections = [s for s in driver.find_elements(By.CSS_SELECTOR, "section.board") if s.is_displayed()]
    assert len(sections) == 1, [s.get_attribute("id") for s in sections]
    names = [cell.text for cell in sections[0].find_elements(By.CSS_SELECTOR, "tbody td.model")]
    return sections[0].get_attribute("id"), names


def _browse(url: str, shot: str) -> dict[str, object]:
    from selenium.webdriver.common.by import By

    driver = _driver(*PHONE)
    try:
        driver.get(url)
        seen: dict[str, object] = {"title": driver.title, "first": _shown(driver)}
        seen["fits"] = driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
        driver.find_element(By.LINK_TEXT, "Coding").click()
        seen["coding"] = _shown(driver)
        ARTIFACTS.mkdir(exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / shot))
        driver.find_element(By.LINK_TEXT, "Overall").click()
        seen["back"] = _shown(driver)
        return seen
    finally:
        driver.quit()


def _check(seen: dict[str, object]) -> None:
    first_id, first_rows = seen["first"]  # type: ignore[misc]
    assert first_id == "overall-anonymous"
    assert first_rows[0] == "beta" and sorted(first_rows) == sorted(["alpha", "beta", "gamma", EVIL])  # the name shown as text, not markup
    assert seen["coding"] == ("coding-anonymous", ["gamma", "alpha"])
    assert seen["back"][0] == "overall-anonymous"  # type: ignore[index]
    assert seen["fits"] is True  # readable on a phone: no sideways scrolling


async def test_the_served_page_in_a_headless_browser(sqlite_url):
    _need_browser()
    await publish_two_boards(sqlite_url)
    settings = settings_from_dict({"database": {"url": sqlite_url}, "ops": {"public_board": True, "http_port": 0}})
    async with build_core(settings) as service:
        endpoint = OpsEndpoint(service.store, Metrics(), Readiness(), lambda: False, public_pages(settings, service))
        port = await endpoint.start("127.0.0.1", 0)
        try:
            seen = await asyncio.to_thread(_browse, f"http://127.0.0.1:{port}/boards/{SCOPE.key}", "board-served.png")
        finally:
            await endpoint.stop()
    _check(seen)
    assert (ARTIFACTS / "board-served.png").read_bytes()[:4] == b"\x89PNG"


async def test_the_static_file_in_a_headless_browser(sqlite_url, tmp_path):
    _need_browser()
    await publish_two_boards(sqlite_url)
    settings = settings_from_dict({"database": {"url": sqlite_url}})
    async with build_core(settings) as service:
        html = page.render("Arena leaderboards", await service.publishing.page_boards(SCOPE.key), service.now())
    target = tmp_path / "board.html"
    target.write_text(html, encoding="utf-8")
    _check(await asyncio.to_thread(_browse, target.as_uri(), "board-static.png"))


async def test_pages_are_served_only_when_enabled_and_only_for_publishing_scopes(sqlite_url):
    await publish_two_boards(sqlite_url)
    on = settings_from_dict({"database": {"url": sqlite_url}, "ops": {"public_board": True, "http_port": 0}})
    off = settings_from_dict({"database": {"url": sqlite_url}, "ops": {"http_port": 0}})
    async with build_core(on) as service:
        for settings, expected in ((on, 200), (off, 404)):
            endpoint = OpsEndpoint(service.store, Metrics(), Readiness(), lambda: False, public_pages(settings, service))
            port = await endpoint.start("127.0.0.1", 0)
            try:
                async with aiohttp.ClientSession() as http:
                    base = f"http://127.0.0.1:{port}/boards"
                    async with http.get(f"{base}/{SCOPE.key}") as response:
                        assert response.status == expected
                        if expected == 200:
                            assert "default-src 'none'" in response.headers["Content-Security-Policy"]
                    if expected == 200:
                        async with http.get(base) as response:
                            assert SCOPE.key in await response.text()
                        async with http.get(f"{base}/discord:999") as response:  # never published: not shown
                            assert response.status == 404
                        async with http.get(f"{base}/{SCOPE.key}/anonymous/coding") as response:
                            assert 'class="board default" id="coding-anonymous"' in await response.text()
                        async with http.get(f"{base}/{SCOPE.key}/anonymous/cooking") as response:
                            assert response.status == 404
            finally:
                await endpoint.stop()
