"""Which passwords the console refuses: too short or too long, too few different characters,
a keyboard or alphabet run, the username, or a common password with digits and symbols added.

No strength library is pinned, so these are the checks that catch what people actually choose
when asked for "12 characters": "aaaaaaaaaaaa", "123456789012", "Password2024!", "azertyuiop12".
The list holds the bases of the most common passwords in the project's four languages; a
password is refused when, stripped of digits and symbols and lower-cased, it is one of them
(or one of them repeated).
"""

from __future__ import annotations

import re

MIN_LENGTH = 12
# Longer input is refused before hashing: argon2 on megabytes of "password" is a cheap DoS.
MAX_LENGTH = 1024
MIN_DISTINCT = 5
# Keyboard rows and alphabets, each twice over so that a run that wraps round is one too.
_RUNS = tuple(
    run * 2
    for run in (
        "abcdefghijklmnopqrstuvwxyz",
        "0123456789",
        "qwertyuiopasdfghjklzxcvbnm",
        "azertyuiopqsdfghjklmwxcvbn",
        "qwertzuiopasdfghjklyxcvbnm",
        "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
    )
)
COMMON_BASES = frozenset(
    """
    password passw0rd pass motdepasse mdp contrasena contraseña clave secret secreto
    qwerty azerty qwertz asdf zxcv abc abcd abcdef iloveyou jetaime teamo ahebak
    welcome bienvenue bienvenido marhaba letmein admin administrator administrateur root
    user utilisateur usuario login connexion changeme default test guest invite
    monkey dragon football soccer baseball master shadow sunshine princess starwars
    superman batman trustno bonjour soleil chocolat doudou loulou marseille paris
    hola amor mexico madrid barcelona allah bismillah maroc dakar tunis rabat senegal
    caseworker conseiller console returnee assistant
    """.split()
)


def _letters(password: str) -> str:
    return re.sub(r"[\W\d_]+", "", password).lower()


def _unit(text: str) -> str:
    """The shortest piece that ``text`` repeats ("abab" -> "ab"), or ``text`` itself."""
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return text[:size]
    return text


def _is_run(password: str) -> bool:
    folded = password.lower()
    return any(folded in run or folded in run[::-1] for run in _RUNS)


# Why a password is refused, by reason code (the console shows each in the reader's language).
REASONS = {
    "too_short": f"the password must have at least {MIN_LENGTH} characters",
    "too_long": f"the password must have at most {MAX_LENGTH} characters",
    "too_few_distinct": f"the password must have at least {MIN_DISTINCT} different characters",
    "run": "the password must not be a run of keys or letters",
    "username": "the password must not contain the username",
    "common": "the password is too common: choose a passphrase of several unrelated words",
}


def weak_reason(password: str, username: str = "") -> str | None:
    """The code (a key of ``REASONS``) of why the password is refused, or None."""
    if len(password) < MIN_LENGTH:
        return "too_short"
    if len(password) > MAX_LENGTH:
        return "too_long"
    if len(set(password.lower())) < MIN_DISTINCT:
        return "too_few_distinct"
    if _is_run(password) or _is_run(_unit(password.lower())):
        return "run"
    if username and username.lower() in password.lower():
        return "username"
    base = _unit(_letters(password))
    if not base or base in COMMON_BASES or _is_run(base):
        return "common"
    return None


def weakness(password: str, username: str = "") -> str | None:
    """Why the password is refused, or None when it is acceptable."""
    reason = weak_reason(password, username)
    return REASONS[reason] if reason else None
