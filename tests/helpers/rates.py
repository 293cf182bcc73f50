"""Measuring a send rate from the moments the messages arrived."""

from __future__ import annotations


def most_in_window(times: list[float], window: float) -> int:
    """The most timestamps that fit in one closed interval of the given length."""
    times = sorted(times)
    most, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] > window:
            start += 1
        most = max(most, end - start + 1)
    return most
