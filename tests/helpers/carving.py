"""What a file carver finds in a SQLite database's files: for the tests that check erasure."""

from __future__ import annotations

from pathlib import Path

# Pieces of a token a carver would look for; short enough to be found in a token split over
# SQLite overflow pages, long enough (24 random bytes) not to be found by chance.
PIECE = 32


def database_files(database_url: str) -> bytes:
    """The database file, its WAL and its shared memory, as raw bytes."""
    database = database_url.removeprefix("sqlite:///")
    suffixes = ("", "-wal", "-shm")
    return b"".join(p.read_bytes() for s in suffixes if (p := Path(f"{database}{s}")).exists())


def carved(raw: bytes, words: list[str], tokens: list[bytes]) -> list[str]:
    """The words, and the pieces of the (encrypted) tokens, found in ``raw``."""
    found = [word for word in words if word.encode() in raw]
    for token in tokens:
        found += [
            f"token piece {token[i : i + PIECE]!r}"
            for i in range(0, len(token) - PIECE, PIECE)
            if token[i : i + PIECE] in raw
        ]
    return found
