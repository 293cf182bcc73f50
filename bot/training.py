"""Running ``rasa train`` quietly: all its output goes to a log file, the terminal gets a line
per stage with the time since the start.

Rasa prints library warnings (SQLAlchemy 2.0, pkg_resources, jax, pyparsing) and hundreds of
progress-bar updates; a person starting the assistant needs to know what is happening and how
far along it is, and where to look when it fails.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path

# What Rasa logs when a stage starts, and how the terminal names it.
STAGES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"Started validating domain and training data"), "checking the training data"),
    # Then Rasa reads and fingerprints the data, silently, for a while.
    (re.compile(r"No story structure conflicts found"), "reading the training data"),
    (re.compile(r"Starting to train component '(\w+)'"), "training {0}"),
    # Rasa's cache (.rasa/cache) keeps what was trained from unchanged data.
    (re.compile(r"Restored component '(\w+)' from cache"), "{0}: unchanged, from the cache"),
)
# Lines of the log shown when training fails: Rasa's error and what led to it.
FAILURE_TAIL = 15


class TrainingFailed(Exception):
    """``rasa train`` exited with an error; the message ends with the log's last lines."""


def stage(line: str) -> str | None:
    """The terminal's name for the stage a line of Rasa's output starts, if it starts one."""
    for pattern, name in STAGES:
        found = pattern.search(line)
        if found:
            return name.format(*found.groups())
    return None


def run_logged(
    command: Sequence[str],
    log_path: Path,
    cwd: Path,
    env: dict[str, str],
    report: Callable[[str], None] = print,
) -> None:
    """Run ``command`` with its output appended to ``log_path``, reporting each stage."""
    started = time.monotonic()
    tail: deque[str] = deque(maxlen=FAILURE_TAIL)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    # Unbuffered: through a pipe Python buffers its output, and the stages would come in bursts.
    env = {**env, "PYTHONUNBUFFERED": "1"}
    with (
        log_path.open("ab") as log,
        subprocess.Popen(
            command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        ) as process,
    ):
        assert process.stdout is not None
        for raw in iter(process.stdout.readline, b""):
            log.write(raw)
            # A progress bar redraws itself after each "\r": a terminal would show the last.
            parts = [part.rstrip() for part in raw.decode(errors="replace").split("\r")]
            shown = [part for part in parts if part]
            if shown:
                tail.append(shown[-1])
            for name in filter(None, map(stage, shown)):
                report(f"  {time.monotonic() - started:4.0f} s  {name}")
        code = process.wait()
    if code != 0:
        last = "\n".join(f"  {line}" for line in tail)
        raise TrainingFailed(f"rasa train exited with {code}; its last lines:\n{last}")
