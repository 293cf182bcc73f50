"""axe-core, the accessibility checker, run in a Playwright page of the browser tests.

It comes from the npm registry: ``npm install --no-save axe-core@4`` in the project puts it in
``node_modules/`` (ignored by git), or ``AXE_CORE_JS`` names an ``axe.min.js`` elsewhere. A test
that needs it is skipped, saying so, when neither is there. It is evaluated through the
DevTools protocol, so the console's Content-Security-Policy stays as in production.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import pytest

from bot.settings import PROJECT_ROOT

DEFAULT = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
# The rules for WCAG 2.1 A and AA, and axe's best practices.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@functools.cache
def _source() -> str | None:
    path = Path(os.environ.get("AXE_CORE_JS", DEFAULT))
    return path.read_text(encoding="utf-8") if path.exists() else None


def violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now: id, impact, nodes' targets."""
    source = _source()
    if source is None:
        pytest.skip("axe-core missing: npm install --no-save axe-core@4 (or set AXE_CORE_JS)")
    page.evaluate(source)
    found = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
        ".violations.map(v => ({id: v.id, impact: v.impact, "
        "targets: v.nodes.map(n => n.target.join(' '))}))",
        TAGS,
    )
    return list(found)
