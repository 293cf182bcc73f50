"""Chromium (Playwright) fixtures for the console's browser tests, and axe-core checks.

Tests that check accessibility use ``tests.helpers.axe`` (axe-core from the npm registry, which
``make test`` installs); nothing is fetched while tests run. The fixtures are registered by
conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.fernet import MultiFernet
from sqlalchemy.orm import sessionmaker
from starlette.applications import Starlette
from starlette.routing import Mount

from bot.centres import CentreDirectory
from bot.console.app import build_console
from tests.console.helpers import Account
from tests.helpers.axe import violations
from tests.helpers.serving import serving

try:
    from playwright import sync_api
    from playwright.sync_api import Page, expect
except ImportError:  # pragma: no cover - the dev requirements install it
    sync_api = Page = expect = None

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000
# A phone-sized screen (iPhone 12-15), with the meta viewport honoured as on a real phone.
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@dataclass(frozen=True)
class Server:
    url: str  # the console's root, e.g. "http://127.0.0.1:41234/console"


@pytest.fixture(scope="module")
def browser() -> Iterator:
    if sync_api is None:
        pytest.skip("pip install playwright")
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium not installed: apt-get install chromium")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def server(sessions: sessionmaker, box: MultiFernet, centres: CentreDirectory) -> Iterator[Server]:
    """uvicorn serving the console on a free port, in a thread, for one test."""
    console = build_console(sessions, box, "browser-test-secret", centres, https_only=True)
    web = Starlette(routes=[Mount("/console", app=console)])
    with serving(web, http="h11") as port:
        yield Server(f"http://127.0.0.1:{port}/console")


@pytest.fixture
def new_page(browser) -> Iterator:
    """Opens pages, each in its own context (own cookies); records the browser's errors."""
    contexts = []
    errors: list[str] = []

    def open_page(**options):
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        # A script error or a resource blocked by the Content-Security-Policy shows up here.
        page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
        page.on("console", lambda message: console_error(message, errors))
        page.on("response", lambda response: failed_response(response, errors))
        return page

    open_page.errors = errors  # type: ignore[attr-defined]
    yield open_page
    for context in contexts:
        context.close()


def console_error(message, errors: list[str]) -> None:
    # Chromium's own /favicon.ico request fails (the console has none): failed_response
    # records the page's failed requests with their URL instead.
    if message.type == "error" and not message.text.startswith("Failed to load resource"):
        errors.append(f"console: {message.text}")


def failed_response(response, errors: list[str]) -> None:
    if response.status >= 400:
        errors.append(f"{response.status} {response.request.method} {response.url}")


def log_in(page, server: Server, account: Account, code: str | None = None) -> None:
    """From the queue URL: redirected to the login form, which is filled in and sent; with the
    account's current code it waits for the queue, with another ``code`` it does not."""
    page.goto(f"{server.url}/")
    expect(page).to_have_url(f"{server.url}/login")
    page.fill("#username", account.username)
    page.fill("#password", account.password)
    page.fill("#code", code or account.fresh_code())
    page.get_by_role("button", name="Se connecter").click()
    if code is None:
        page.wait_for_url(f"{server.url}/")


def assert_fits_a_phone(page, width: int = PHONE["viewport"]["width"]) -> None:
    """No horizontal scrolling. With mobile emulation, Chromium zooms a page that overflows
    out to fit, and ``innerWidth`` grows with it: so it is checked against the phone's width too.
    """
    sizes = page.evaluate(
        """() => ({
            scrollWidth: document.documentElement.scrollWidth,
            clientWidth: document.documentElement.clientWidth,
            innerWidth: window.innerWidth,
        })"""
    )
    assert sizes["innerWidth"] == width, sizes
    assert sizes["scrollWidth"] <= sizes["clientWidth"] <= sizes["innerWidth"], sizes


def axe_violations(page) -> list[str]:
    """What axe-core finds wrong on the page (``tests.helpers.axe``), one line per rule."""
    return [f"{v['id']}: {', '.join(v['targets'])}" for v in violations(page)]
