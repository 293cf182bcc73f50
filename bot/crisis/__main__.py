"""``python -m bot.crisis "message"``: which crisis kinds a message raises, and by which phrase.

For reviewers adding phrases: it reads the lists as the assistant does (and stops on any error
in them), then prints each message's normalised words and what matched.
"""

from __future__ import annotations

import sys

from bot.crisis.detector import CrisisDetector
from bot.crisis.normalise import words


def main(argv: list[str]) -> int:
    detector = CrisisDetector.from_files()
    print(f"{len(detector.phrases)} phrases loaded")
    for text in argv:
        folded = words(text)
        detection = detector.detect(text)
        print(f"\n{text}\n  words: {' '.join(folded)}")
        if detection is None:
            print("  no crisis")
            continue
        print(f"  kinds: {', '.join(detection.kinds)}")
        if detection.probability is not None:
            print(f"  by the classifier, {detection.probability:.0%} sure")
        for match in detection.matches:
            phrase = match.phrase
            print(f"  {phrase.language} {phrase.role}: {phrase.source!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
