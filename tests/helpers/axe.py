"""axe-core, the accessibility checker, run in a Playwright page.

axe-core comes from the npm registry (``npm install axe-core``), never from the internet during
a test: its ``axe.min.js`` is looked for at ``AXE_CORE_JS``, in the project's ``node_modules``
and in npm's global folder. Tests that need it are skipped, saying so, when it is missing. The
console's Content-Security-Policy allows no injected script: the page's context must be opened
with ``bypass_csp=True``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import cache
from pathlib import Path

from bot.settings import PROJECT_ROOT

AXE_JS = Path("axe-core") / "axe.min.js"


@cache
def axe_script() -> Path | None:
    """Where axe.min.js is, or None."""
    places = [Path(os.environ["AXE_CORE_JS"])] if os.environ.get("AXE_CORE_JS") else []
    places.append(PROJECT_ROOT / "node_modules" / AXE_JS)
    npm = shutil.which("npm")
    if npm:
        found = subprocess.run([npm, "root", "-g"], capture_output=True, text=True, timeout=30)
        if found.returncode == 0 and found.stdout.strip():
            places.append(Path(found.stdout.strip()) / AXE_JS)
    return next((place for place in places if place.is_file()), None)


def violations(page) -> list[dict]:
    """axe's violations on the page as it is now (WCAG 2.1 A and AA and best practices), each
    with its rule id and the elements at fault."""
    script = axe_script()
    assert script is not None, "axe-core not found: npm install axe-core"
    page.add_script_tag(path=str(script))
    return page.evaluate(
        """async () => {
            const result = await axe.run(document, {
                runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
            });
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(" ")),
            }));
        }"""
    )
