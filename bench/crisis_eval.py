"""Crisis detection on the held-out sets: `python bench/crisis_eval.py [model.tar.gz]`.

Prints per language the recall (crisis messages that get crisis help), the share of those that
get their own kind's help first, and the false alarms on near misses, for the phrase lists alone,
the detector (phrase lists, then the crisis classifier), the model's `emergency` intent alone,
and all as the gateway uses them (any is enough); then recall per kind, and with `--verbose`
every miss and false alarm; and the detector's time per message, which the gateway adds to
every typed message. The suite holds the detector to the floors
(tests/crisis/test_evaluation.py).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.cli import model_path  # noqa: E402
from bot.constants import EMERGENCY_MIN_CONFIDENCE, LANGUAGES  # noqa: E402
from bot.crisis.detector import CrisisDetector  # noqa: E402
from bot.crisis.evaluation import evaluate, load_set  # noqa: E402
from bot.crisis.kinds import KINDS  # noqa: E402

EMERGENCY = "emergency"


async def model_kinds(model: Path) -> dict[str, tuple[str, ...]]:
    """What the model says of every held-out message: ("general",) when it predicts emergency
    surely enough for action_emergency to give crisis help."""
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    agent = Agent.load(str(model))
    said: dict[str, tuple[str, ...]] = {}
    for language in LANGUAGES:
        evaluation = load_set(language)
        for text in [t for t, _ in evaluation.crisis] + list(evaluation.near_misses):
            parsed = await agent.parse_message(text)
            intent = parsed["intent"]
            sure = intent["name"] == EMERGENCY and intent["confidence"] >= EMERGENCY_MIN_CONFIDENCE
            said[text] = ("general",) if sure else ()
    return said


def cost_per_message(detector: CrisisDetector, rounds: int = 5) -> float:
    """CPU time of one detection, averaged over every held-out message, in microseconds: what
    the gateway adds to each typed message. The best of a few rounds, in process time, so that
    other work on a shared machine does not count."""
    texts = []
    for language in LANGUAGES:
        evaluation = load_set(language)
        texts += [t for t, _ in evaluation.crisis] + list(evaluation.near_misses)
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for text in texts:
            detector.detect(text)
        best = min(best, time.process_time() - started)
    return best / len(texts) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model", nargs="?", type=Path, default=None)
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--no-model", action="store_true", help="without the Rasa model")
    args = parser.parse_args()
    detector = CrisisDetector.from_files()

    def kinds_of(reader: CrisisDetector) -> Callable[[str], tuple[str, ...]]:
        def kinds(text: str) -> tuple[str, ...]:
            detection = reader.detect(text)
            return detection.kinds if detection else ()

        return kinds

    detectors = {
        "phrases": kinds_of(CrisisDetector(detector.phrases)),
        "detector": kinds_of(detector),
    }
    if not args.no_model:
        model = args.model or model_path()
        if not model.exists():
            sys.exit(f"{model} does not exist: run `make train` first")
        said = asyncio.run(model_kinds(model))
        detectors["model"] = lambda text: said[text]
        detectors["all"] = lambda text: detectors["detector"](text) or said[text]
    cost = cost_per_message(detector)
    print(f"{len(detector.phrases)} phrases; {cost:.0f} µs of CPU a message")
    print(
        f"{'signal':8} {'lang':5} {'crisis':>6} {'recall':>7} {'kind ok':>7} "
        f"{'near':>5} {'false':>6}"
    )
    for name, detect in detectors.items():
        for language in LANGUAGES:
            s = evaluate(load_set(language), detect)
            print(
                f"{name:8} {language:5} {s.crisis_total:6} {s.recall:7.3f} "
                f"{s.kind_accuracy:7.3f} {s.near_total:5} {s.false_alarm_rate:6.3f}"
            )
    shown = "all" if "all" in detectors else "detector"
    detect = detectors[shown]
    print(f"\nrecall per kind ({shown})")
    print(f"{'kind':12} " + " ".join(f"{lang:>6}" for lang in LANGUAGES))
    results = {language: evaluate(load_set(language), detect) for language in LANGUAGES}
    for kind in KINDS:
        cells = []
        for language in LANGUAGES:
            found, total = results[language].by_kind.get(kind.id, [0, 0])
            cells.append(f"{found:>2}/{total:<3}")
        print(f"{kind.id:12} " + " ".join(cells))
    if args.verbose:
        for language, s in results.items():
            for line in s.missed:
                print(f"MISSED {language} {line}")
            for line in s.alarms:
                print(f"ALARM  {language} {line}")


if __name__ == "__main__":
    main()
