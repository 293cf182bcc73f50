"""Held-out NLU evaluation, per language: `python bench/nlu_eval.py [model.tar.gz]`.

Prints, for each language of tests/nlu/: macro-F1 of the top intent, the share of messages that
fall back to "I'm not sure" suggestions, and the share answered confidently with a wrong topic
(the error that matters most: a person gets an answer to a question they did not ask). Also
prints the model load time. With `--write-baseline`, writes the macro-F1 figures to
tests/nlu/baseline.json, which the suite holds every language to (tests/nlu/test_held_out.py).
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.cli import model_path  # noqa: E402
from bot.constants import LANGUAGES  # noqa: E402
from bot.nlu_evaluation import BASELINE, Prediction, evaluate, write_baseline  # noqa: E402


async def run(model: Path, baseline: bool) -> None:
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    # Unconfigured, Rasa's structlog prints its debug lines, held-out messages included.
    configure_structlog(logging.WARNING)
    if not model.exists():
        sys.exit(f"{model} does not exist: run `make train` first")
    started = time.monotonic()
    agent = Agent.load(str(model))
    print(f"model {model.name} loaded in {time.monotonic() - started:.1f} s")
    print(
        f"{'lang':5} {'n':>4} {'macro-F1':>9} {'top-1 acc':>9} {'fallback':>9} {'wrong+sure':>10}"
    )
    every_language = [await evaluate(agent, language) for language in LANGUAGES]
    for s in every_language:
        print(
            f"{s.language:5} {len(s.predictions):4} {s.macro_f1:9.3f} {s.accuracy:9.3f}"
            f" {s.fallback_rate:9.3f} {s.wrong_and_sure_rate:10.3f}"
        )
    sweep([p for s in every_language for p in s.predictions])
    if baseline:
        write_baseline(every_language)
        print(f"\nwrote {BASELINE.relative_to(ROOT)}")


def sweep(predictions: list[Prediction]) -> None:
    """Fallback and confident-wrong rates for other FallbackClassifier settings."""
    print("\nthreshold ambiguity  fallback wrong+sure  (all languages)")
    for threshold in (0.3, 0.4, 0.5, 0.6, 0.7):
        for ambiguity in (0.05, 0.1, 0.2):
            fallback = wrong = 0
            for p in predictions:
                first = p.ranking[0][1] if p.ranking else 0.0
                second = p.ranking[1][1] if len(p.ranking) > 1 else 0.0
                if first < threshold or first - second < ambiguity:
                    fallback += 1
                elif p.top != p.truth:
                    wrong += 1
            n = len(predictions)
            print(f"{threshold:9.2f} {ambiguity:9.2f} {fallback / n:9.3f} {wrong / n:10.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", type=Path, default=None)
    parser.add_argument(
        "--write-baseline", action="store_true", help=f"write the figures to {BASELINE.name}"
    )
    arguments = parser.parse_args()
    asyncio.run(run(arguments.model or model_path(), arguments.write_baseline))
