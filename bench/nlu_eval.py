"""Held-out NLU evaluation, per language: `python bench/nlu_eval.py [model.tar.gz]`.

Prints, for each language of tests/nlu/: macro-F1 of the top intent, the share of messages that
fall back to "I'm not sure" suggestions, and the share answered confidently with a wrong topic
(the error that matters most: a person gets an answer to a question they did not ask). Also
prints the model load time. Not part of the test suite.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from pathlib import Path

import yaml
from sklearn.metrics import f1_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.cli import model_path  # noqa: E402
from bot.constants import FALLBACK_INTENT, LANGUAGES  # noqa: E402


def examples(language: str) -> list[tuple[str, str]]:
    document = yaml.safe_load((ROOT / "tests" / "nlu" / f"{language}.yml").read_text("utf-8"))
    pairs = []
    for block in document["nlu"]:
        for line in block["examples"].splitlines():
            if line.strip().startswith("- "):
                pairs.append((line.strip()[2:].strip(), block["intent"]))
    return pairs


async def evaluate(model: Path) -> None:
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
    everything: list[tuple[str, list[tuple[str, float]]]] = []
    for language in LANGUAGES:
        truth, top, shown = [], [], []
        for text, intent in examples(language):
            parsed = await agent.parse_message(text)
            ranking = [
                (r["name"], r["confidence"])
                for r in parsed["intent_ranking"]
                if r["name"] != FALLBACK_INTENT
            ]
            everything.append((intent, ranking))
            truth.append(intent)
            top.append(ranking[0][0] if ranking else FALLBACK_INTENT)
            shown.append(parsed["intent"]["name"])
        n = len(truth)
        f1 = f1_score(truth, top, average="macro", labels=sorted(set(truth)))
        accuracy = sum(t == p for t, p in zip(truth, top, strict=True)) / n
        fallback = sum(s == FALLBACK_INTENT for s in shown) / n
        wrong = sum(s not in (t, FALLBACK_INTENT) for t, s in zip(truth, shown, strict=True)) / n
        print(f"{language:5} {n:4} {f1:9.3f} {accuracy:9.3f} {fallback:9.3f} {wrong:10.3f}")
    sweep(everything)


def sweep(results: list[tuple[str, list[tuple[str, float]]]]) -> None:
    """Fallback and confident-wrong rates for other FallbackClassifier settings."""
    print("\nthreshold ambiguity  fallback wrong+sure  (all languages)")
    for threshold in (0.3, 0.4, 0.5, 0.6, 0.7):
        for ambiguity in (0.05, 0.1, 0.2):
            fallback = wrong = 0
            for truth, ranking in results:
                first = ranking[0][1] if ranking else 0.0
                second = ranking[1][1] if len(ranking) > 1 else 0.0
                if first < threshold or first - second < ambiguity:
                    fallback += 1
                elif ranking[0][0] != truth:
                    wrong += 1
            n = len(results)
            print(f"{threshold:9.2f} {ambiguity:9.2f} {fallback / n:9.3f} {wrong / n:10.3f}")


if __name__ == "__main__":
    asyncio.run(evaluate(Path(sys.argv[1]) if len(sys.argv) > 1 else model_path()))
