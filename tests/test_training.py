"""Training's terminal output: a line per stage, Rasa's own output in the log file, and on
failure Rasa's last lines. A small script stands in for ``rasa train``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from bot.training import TrainingFailed, run_logged, stage

# What `rasa train` prints, shortened: library warnings, log lines, progress bars.
FAKE_RASA = r"""
import sys
print("/venv/rasa/core/tracker_store.py:1044: MovedIn20Warning: Deprecated API features")
print("  import pkg_resources", file=sys.stderr)
print("2026-12-07 12:55:04 INFO rasa.cli.train  - Started validating domain and training data...")
print("2026-12-07 12:55:20 INFO rasa.engine.training.hooks  - "
      "Starting to train component 'CountVectorsFeaturizer'.")
for done in range(35):
    print(f"\rProcessed rules: {done}/34 [00:00<?, ?it/s]", end="", file=sys.stderr)
print(file=sys.stderr)
print("2026-12-07 12:55:59 INFO rasa.engine.training.hooks  - "
      "Starting to train component 'RulePolicy'.")
sys.exit(int(sys.argv[1]))
"""


def fake_rasa(tmp_path: Path, exit_code: int) -> list[str]:
    script = tmp_path / "fake_rasa.py"
    script.write_text(FAKE_RASA)
    return [sys.executable, str(script), str(exit_code)]


def test_a_line_per_stage_and_everything_else_in_the_log(tmp_path: Path) -> None:
    shown: list[str] = []
    log = tmp_path / "logs" / "train.log"

    run_logged(fake_rasa(tmp_path, 0), log, tmp_path, dict(os.environ), shown.append)

    assert [line.split(" s  ")[1] for line in shown] == [
        "checking the training data",
        "training CountVectorsFeaturizer",
        "training RulePolicy",
    ]
    logged = log.read_text()
    assert "MovedIn20Warning" in logged
    assert "import pkg_resources" in logged
    assert "Processed rules: 34/34" in logged


def test_a_failure_shows_the_last_lines(tmp_path: Path) -> None:
    with pytest.raises(TrainingFailed, match="exited with 3") as failure:
        run_logged(fake_rasa(tmp_path, 3), tmp_path / "train.log", tmp_path, dict(os.environ))
    assert "Starting to train component 'RulePolicy'" in str(failure.value)
    # A progress bar counts once, as it last read.
    assert str(failure.value).count("Processed rules") == 1
    assert "Processed rules: 34/34" in str(failure.value)


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("INFO rasa.engine.training.hooks  - Finished training component 'RulePolicy'.", None),
        ("Processed trackers: 100%|██████████| 34/34", None),
        ("INFO rasa.engine.training.hooks  - Starting to train component 'X1'.", "training X1"),
        ("INFO hooks  - Restored component 'X1' from cache.", "X1: unchanged, from the cache"),
    ],
)
def test_only_the_start_of_a_stage_is_a_stage(line: str, name: str | None) -> None:
    assert stage(line) == name
