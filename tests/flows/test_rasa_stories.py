"""Rasa's own story tests (`rasa test core`) against the trained model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import model_path
from bot.settings import PROJECT_ROOT


def test_rasa_test_stories_pass(tmp_path: Path) -> None:
    model = model_path()
    if not model.exists():
        pytest.fail(f"{model} is missing: `make test` trains it before running the suite")
    rasa = Path(sys.executable).parent / "rasa"
    result = subprocess.run(
        [
            str(rasa), "test", "core",
            "--stories", "tests/stories",
            "--model", str(model),
            "--out", str(tmp_path),
            "--fail-on-prediction-errors",
        ],
        cwd=PROJECT_ROOT,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
        capture_output=True,
        text=True,
    )  # fmt: skip
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else result.stdout[-3000:]
    assert result.returncode == 0, details
    report = json.loads((tmp_path / "story_report.json").read_text())
    assert report["weighted avg"]["f1-score"] == 1.0
