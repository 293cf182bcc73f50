"""The official Telegram Bot API specification, as the rules the fake Bot API checks every call
against.

The specification is the machine-readable ``bot_api_spec.json`` beside the project
(``../shared/telegram/``, or ``BOT_API_SPEC``), read here and never copied into the project.
Every rule comes from it:

- method names, parameter names, required parameters and their types, into every object a
  parameter holds (``InlineKeyboardMarkup``, ``BotCommand``, a ``BotCommandScope`` subtype...);
- the limits its descriptions state: "1-4096 characters after entities parsing", "1-64 bytes",
  "0-200 characters", "Can contain only lowercase English letters, digits and underscores",
  "A JSON-serialized list of 1-100 identifiers", "Values between 1-100 are accepted"...;
- "Exactly one of the fields other than ... must be used" (an inline button's kind);
- a text "after entities parsing" is parsed with its ``parse_mode`` first, and must parse
  (``tests.fakes.formatting``).

Characters are counted as Telegram counts entity offsets, in UTF-16 code units.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from bot.settings import PROJECT_ROOT
from tests.fakes.formatting import FormattingError, plain_text, telegram_length

__all__ = ["SPEC_FILE", "Specification", "specification"]

SPEC_FILE = Path(
    os.environ.get("BOT_API_SPEC")
    or PROJECT_ROOT.parent / "shared" / "telegram" / "bot_api_spec.json"
)
_ARRAY = "Array of "
_PRIMITIVES = {
    "String": lambda v: isinstance(v, str),
    "Integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "Float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "Boolean": lambda v: isinstance(v, bool),
    # A file posted as multipart/form-data (the fake reads it as a dict with its content).
    "InputFile": lambda v: isinstance(v, dict) and "content" in v,
}
# Limits as the descriptions state them.
_CHARACTERS = re.compile(r"(\d+)-(\d+) characters([^.;]*?after entit(?:y|ies) parsing)?")
_BYTES = re.compile(r"(\d+)-(\d+) [Bb]ytes")
_ITEMS = re.compile(r"(?:list of|include) (\d+)-(\d+)\b")
_AT_MOST_ITEMS = re.compile(r"[Aa]t most (\d+) [a-z ]+ can be specified")
_VALUES = re.compile(r"[Vv]alues between (\d+)-(\d+)|, (\d+)-(\d+)(?:\.|$)")
_CHARSETS = (
    (
        re.compile(r"[Cc]an contain only lowercase English letters, digits and underscores"),
        re.compile(r"[a-z0-9_]*"),
        "only a-z, 0-9 and _",
    ),
    (
        re.compile(r"only (?:characters )?A-Z, a-z, 0-9, _ and - are allowed", re.I),
        re.compile(r"[A-Za-z0-9_-]*"),
        "only A-Z, a-z, 0-9, _ and -",
    ),
)
_EXACTLY_ONE = re.compile(r"Exactly one of the fields other than (.+?) must be used")
_MUST_BE = re.compile(r"must be (\w+)\s*$")


@dataclass(frozen=True)
class Limit:
    low: int
    high: int
    unit: str  # "characters", "bytes", "items" or "" (a number's value)
    parsed: bool = False  # characters counted after entities parsing

    def describe(self) -> str:
        after = " after entities parsing" if self.parsed else ""
        return f"{self.low}-{self.high} {self.unit}{after}".replace("  ", " ").strip()


@dataclass(frozen=True)
class Field:
    name: str
    types: tuple[str, ...]
    required: bool
    limit: Limit | None
    charset: tuple[re.Pattern[str], str] | None
    discriminator: str | None  # "must be chat": the value a subtype's field holds

    @classmethod
    def read(cls, raw: dict[str, Any]) -> Field:
        types = tuple(raw["types"])
        description = raw.get("description", "")
        return cls(
            name=raw["name"],
            types=types,
            required=bool(raw.get("required")),
            limit=_limit(types, description),
            charset=next(
                ((pattern, rule) for said, pattern, rule in _CHARSETS if said.search(description)),
                None,
            ),
            discriminator=_discriminator(description) if types == ("String",) else None,
        )


def _limit(types: tuple[str, ...], description: str) -> Limit | None:
    if types == ("String",):
        if match := _CHARACTERS.search(description):
            return Limit(int(match[1]), int(match[2]), "characters", bool(match[3]))
        if match := _BYTES.search(description):
            return Limit(int(match[1]), int(match[2]), "bytes")
    if all(t.startswith(_ARRAY) for t in types):
        if match := _ITEMS.search(description):
            return Limit(int(match[1]), int(match[2]), "items")
        if match := _AT_MOST_ITEMS.search(description):
            return Limit(0, int(match[1]), "items")
    if types == ("Integer",) and (match := _VALUES.search(description)):
        low, high = (match[1], match[2]) if match[1] else (match[3], match[4])
        return Limit(int(low), int(high), "")
    return None


def _discriminator(description: str) -> str | None:
    match = _MUST_BE.search(description.strip().rstrip("."))
    return match[1] if match else None


@dataclass(frozen=True)
class Shape:
    """A method's parameters or an object's fields."""

    name: str
    fields: dict[str, Field]
    subtypes: tuple[str, ...] = ()
    exactly_one_besides: frozenset[str] | None = None

    @classmethod
    def read(cls, raw: dict[str, Any]) -> Shape:
        description = " ".join(raw.get("description", []))
        exactly_one = _EXACTLY_ONE.search(description)
        besides = None
        if exactly_one:
            besides = frozenset(re.findall(r"\w+", exactly_one[1])) - {"and"}
        return cls(
            raw["name"],
            {f["name"]: Field.read(f) for f in raw.get("fields", [])},
            tuple(raw.get("subtypes", ())),
            besides,
        )


class Specification:
    """The rules of one version of the Bot API; ``check_call`` lists a call's violations."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.version = data["version"]
        self.methods = {name.lower(): Shape.read(raw) for name, raw in data["methods"].items()}
        self.types = {name: Shape.read(raw) for name, raw in data["types"].items()}

    def method(self, name: str) -> Shape | None:
        """Telegram reads method names without case."""
        return self.methods.get(name.lower())

    def field_types(self, method: str, parameter: str) -> tuple[str, ...] | None:
        """The types a parameter may have, None for an unknown method or parameter."""
        shape = self.method(method)
        field = shape.fields.get(parameter) if shape else None
        return field.types if field else None

    def check_call(self, method: str, params: dict[str, Any]) -> list[str]:
        """Every rule the call breaks, each as "<where>: <what the specification says>"."""
        shape = self.method(method)
        if shape is None:
            return [f"{method}: no such method in the Bot API specification"]
        return list(self._check_fields(shape, params, shape.name))

    # The walk -----------------------------------------------------------------------------

    def _check_fields(self, shape: Shape, values: dict[str, Any], where: str) -> Iterator[str]:
        for name in values:
            if name not in shape.fields:
                yield f"{where}: unknown parameter {name!r}"
        for field in shape.fields.values():
            if field.required and values.get(field.name) is None:
                yield f"{where}.{field.name}: required, missing"
        for name, value in values.items():
            field = shape.fields.get(name)
            if field is None or value is None:
                continue
            if field.discriminator is not None and value != field.discriminator:
                yield f"{where}.{name}: must be {field.discriminator!r}, got {value!r}"
                continue
            yield from self._check_value(field.types, value, f"{where}.{name}")
            if isinstance(value, str):
                yield from self._check_text(field, shape, values, value, f"{where}.{name}")
            elif field.limit is not None:
                yield from _check_number_or_items(field.limit, value, f"{where}.{name}")
        if shape.exactly_one_besides is not None:
            kinds = sorted(n for n in values if n not in shape.exactly_one_besides)
            if len(kinds) != 1:
                others = ", ".join(sorted(set(shape.fields) - shape.exactly_one_besides))
                yield f"{where}: exactly one of {others} must be used, got {kinds or 'none'}"

    def _check_value(self, types: tuple[str, ...], value: Any, where: str) -> Iterator[str]:
        """The value must be one of ``types``. An object that is none of them is checked against
        the one it claims to be (its ``type`` field), else the one it is shaped like, else the
        one it breaks fewest rules of."""
        attempts = {t: list(self._check_type(t, value, where)) for t in types}
        if any(not errors for errors in attempts.values()):
            return
        kin = [t for t in types if self._same_kind(t, value)]
        if not kin:
            yield f"{where}: expected {' or '.join(types)}, got {_json_type(value)}"
            return
        best = next(
            (t for t in kin if self._claims(t, value)),
            next((t for t in kin if self._shaped_like(t, value)), kin[0]),
        )
        yield from attempts[best]

    def _same_kind(self, type_name: str, value: Any) -> bool:
        """Whether the value is an array for an array type, an object for an object type."""
        if type_name.startswith(_ARRAY):
            return isinstance(value, list)
        if type_name in _PRIMITIVES:
            return _PRIMITIVES[type_name](value)
        return isinstance(value, dict)

    def _check_type(self, type_name: str, value: Any, where: str) -> Iterator[str]:
        if type_name.startswith(_ARRAY):
            if not isinstance(value, list):
                yield f"{where}: expected {type_name}, got {_json_type(value)}"
                return
            for index, item in enumerate(value):
                yield from self._check_value((type_name[len(_ARRAY) :],), item, f"{where}[{index}]")
            return
        if type_name in _PRIMITIVES:
            if not _PRIMITIVES[type_name](value):
                yield f"{where}: expected {type_name}, got {_json_type(value)}"
            return
        shape = self.types.get(type_name)
        if shape is None:
            yield f"{where}: type {type_name} is not in the specification"
            return
        if not isinstance(value, dict):
            yield f"{where}: expected a {type_name} object, got {_json_type(value)}"
            return
        if shape.subtypes:
            yield from self._check_value(shape.subtypes, value, where)
            return
        yield from self._check_fields(shape, value, f"{where} ({type_name})")

    def _claims(self, type_name: str, value: Any) -> bool:
        """Whether the object names this type in the fields that tell subtypes apart
        (``{"type": "chat"}`` is a ``BotCommandScopeChat``)."""
        shape = self.types.get(type_name)
        if shape is None or not isinstance(value, dict):
            return False
        if shape.subtypes:
            return any(self._claims(subtype, value) for subtype in shape.subtypes)
        kinds = [f for f in shape.fields.values() if f.required and f.discriminator]
        return bool(kinds) and all(value.get(f.name) == f.discriminator for f in kinds)

    def _shaped_like(self, type_name: str, value: Any) -> bool:
        """Whether the object has the type's required fields and no others."""
        shape = self.types.get(type_name)
        if shape is None or not isinstance(value, dict):
            return False
        if shape.subtypes:
            return any(self._shaped_like(subtype, value) for subtype in shape.subtypes)
        return set(value) <= set(shape.fields) and all(
            f.name in value for f in shape.fields.values() if f.required
        )

    def _check_text(
        self, field: Field, shape: Shape, values: dict[str, Any], text: str, where: str
    ) -> Iterator[str]:
        if field.charset is not None:
            pattern, rule = field.charset
            if not pattern.fullmatch(text):
                yield f"{where}: {rule} allowed, got {text[:40]!r}"
        if field.limit is None:
            return
        limit = field.limit
        if limit.unit == "bytes":
            size = len(text.encode("utf-8"))
            if not limit.low <= size <= limit.high:
                yield f"{where}: {size} bytes in UTF-8; the specification allows {limit.describe()}"
            return
        if limit.parsed:
            mode_name = next(
                (n for n in (f"{field.name}_parse_mode", "parse_mode") if n in shape.fields), None
            )
            mode = values.get(mode_name) if mode_name else None
            if mode:
                try:
                    text = plain_text(text, mode)
                except FormattingError as error:
                    yield f"{where}: can't parse entities ({mode}): {error}"
                    return
        # Telegram trims a text's surrounding blanks: a blank text is an empty one.
        length = telegram_length(text.strip())
        if not limit.low <= length <= limit.high:
            after = " after entities parsing" if limit.parsed else ""
            yield (
                f"{where}: {length} characters (UTF-16 code units){after}; "
                f"the specification allows {limit.describe()}"
            )


def _check_number_or_items(limit: Limit, value: Any, where: str) -> Iterator[str]:
    if limit.unit == "items" and isinstance(value, list):
        if not limit.low <= len(value) <= limit.high:
            yield f"{where}: {len(value)} items; the specification allows {limit.describe()}"
    elif limit.unit == "" and isinstance(value, int) and not limit.low <= value <= limit.high:
        yield f"{where}: {value}; the specification allows values {limit.low}-{limit.high}"


def _json_type(value: Any) -> str:
    return {
        bool: "boolean",
        int: "integer",
        float: "float",
        str: "string",
        list: "array",
        dict: "object",
        type(None): "null",
    }.get(type(value), type(value).__name__)


@cache
def specification() -> Specification:
    """The specification, read once per test session."""
    if not SPEC_FILE.is_file():
        raise FileNotFoundError(
            f"the official Bot API specification is not at {SPEC_FILE}: the fake Bot API checks "
            "every call against it (set BOT_API_SPEC to its path)"
        )
    return Specification(json.loads(SPEC_FILE.read_text(encoding="utf-8")))
