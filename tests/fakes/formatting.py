"""Telegram's text formatting (``parse_mode``), as the fake Bot API checks it.

Telegram refuses a text whose markup does not parse ("Bad Request: can't parse entities"), and
measures a text's length after parsing: ``<b>hi</b>`` is 2 characters. ``plain_text`` gives
that text, or raises ``FormattingError`` naming what is wrong, for the three modes of
https://core.telegram.org/bots/api#formatting-options: HTML, MarkdownV2 and the legacy
Markdown.
"""

from __future__ import annotations

import html
import re

__all__ = ["FormattingError", "plain_text", "telegram_length"]


class FormattingError(ValueError):
    """Markup Telegram cannot parse; the message says where and why."""


def telegram_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji beyond the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def plain_text(text: str, parse_mode: str) -> str:
    """``text`` once its ``parse_mode`` markup is parsed away; raises ``FormattingError``."""
    mode = parse_mode.lower()
    if mode == "html":
        return _parse_html(text)
    if mode == "markdownv2":
        return _MarkdownV2(text).parse()
    if mode == "markdown":
        return _parse_legacy_markdown(text)
    raise FormattingError(
        f"unsupported parse_mode {parse_mode!r}; use HTML, MarkdownV2 or Markdown"
    )


# --- HTML --------------------------------------------------------------------------------------

# Tags Telegram knows, each with the attributes it allows (and those it needs).
_HTML_TAGS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    **{
        tag: (frozenset(), frozenset())
        for tag in ("b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "tg-spoiler")
    },
    "span": (frozenset({"class"}), frozenset({"class"})),
    "a": (frozenset({"href"}), frozenset({"href"})),
    "tg-emoji": (frozenset({"emoji-id"}), frozenset({"emoji-id"})),
    "tg-time": (frozenset({"unix", "format"}), frozenset({"unix"})),
    "code": (frozenset({"class"}), frozenset()),
    "pre": (frozenset(), frozenset()),
    "blockquote": (frozenset({"expandable"}), frozenset()),
}
_HTML_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*?)?)\s*>")
_ATTRIBUTE = re.compile(r"""\s*([a-zA-Z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_ENTITY = re.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+|[a-zA-Z]+);")


def _html_attributes(tag: str, raw: str, offset: int) -> dict[str, str]:
    attributes: dict[str, str] = {}
    position = 0
    while raw[position:].strip():
        match = _ATTRIBUTE.match(raw, position)
        if match is None or match.end() == position:
            raise FormattingError(f"bad attributes of <{tag}> at offset {offset}")
        name = match.group(1).lower()
        value = next((v for v in match.groups()[1:] if v is not None), "")
        attributes[name] = html.unescape(value)
        position = match.end()
    allowed, needed = _HTML_TAGS[tag]
    unknown = sorted(set(attributes) - allowed)
    if unknown:
        raise FormattingError(f"unsupported attribute {unknown[0]!r} of <{tag}> at offset {offset}")
    missing = sorted(needed - set(attributes))
    if missing:
        raise FormattingError(f"<{tag}> at offset {offset} needs the attribute {missing[0]!r}")
    if tag == "span" and attributes["class"] != "tg-spoiler":
        raise FormattingError(f'<span> at offset {offset} must be <span class="tg-spoiler">')
    return attributes


def _html_text(chunk: str, offset: int) -> str:
    """Text between tags: entities decoded; a bare ``<``, ``>`` or ``&`` is an error."""
    for index, char in enumerate(chunk):
        if char in "<>":
            raise FormattingError(
                f"unescaped {char!r} at offset {offset + index}: write &lt; or &gt;"
            )
    out: list[str] = []
    position = 0
    while (amp := chunk.find("&", position)) != -1:
        out.append(chunk[position:amp])
        match = _ENTITY.match(chunk, amp)
        if match is None:
            raise FormattingError(f"unescaped '&' at offset {offset + amp}: write &amp;")
        name = match.group(1)
        if name.startswith("#"):
            code = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
            if not 0 < code <= 0x10FFFF:
                raise FormattingError(f"bad character reference at offset {offset + amp}")
            out.append(chr(code))
        elif name in _HTML_ENTITIES:
            out.append(_HTML_ENTITIES[name])
        else:
            raise FormattingError(
                f"unsupported entity &{name}; at offset {offset + amp}: "
                "only &lt; &gt; &amp; &quot; and numeric ones"
            )
        position = match.end()
    out.append(chunk[position:])
    return "".join(out)


def _parse_html(text: str) -> str:
    out: list[str] = []
    open_tags: list[tuple[str, int]] = []
    position = 0
    for match in _TAG.finditer(text):
        out.append(_html_text(text[position : match.start()], position))
        closing, tag = match.group(1) == "/", match.group(2).lower()
        if tag not in _HTML_TAGS:
            raise FormattingError(f"unsupported tag <{tag}> at offset {match.start()}")
        if closing:
            if not open_tags or open_tags[-1][0] != tag:
                expected = f"</{open_tags[-1][0]}>" if open_tags else "no end tag"
                raise FormattingError(
                    f"end tag </{tag}> at offset {match.start()} does not match; "
                    f"expected {expected}"
                )
            open_tags.pop()
        else:
            _html_attributes(tag, match.group(3), match.start())
            open_tags.append((tag, match.start()))
        position = match.end()
    out.append(_html_text(text[position:], position))
    if open_tags:
        tag, offset = open_tags[-1]
        raise FormattingError(f"<{tag}> at offset {offset} is never closed")
    return "".join(out)


# --- MarkdownV2 --------------------------------------------------------------------------------

_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
# Markers that open and close an entity of the same kind.
_TOGGLES = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough", "||": "spoiler"}


class _MarkdownV2:
    """One pass over the text, entities on a stack; every rule of the formatting options."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.out: list[str] = []
        self.open: list[tuple[str, int]] = []
        self.quote: str | None = None  # "blockquote" or "expandable" while in a quote

    def parse(self) -> str:
        text = self.text
        while self.i < len(text):
            char = text[self.i]
            if self._at_line_start() and self._quote_start():
                continue
            if char == "\n" and self.quote is not None and not text.startswith(">", self.i + 1):
                self.quote = None
            if char == "\\":
                self._escaped()
            elif char == "`":
                self._code()
            elif text.startswith("||", self.i) and self.quote == "expandable" and self._ends_line():
                self.quote = None
                self.i += 2
            elif text.startswith(("__", "||"), self.i):
                self._toggle(text[self.i : self.i + 2])
            elif char in "*_~":
                self._toggle(char)
            elif char == "[":
                self._link(custom_emoji=False)
            elif text.startswith("![", self.i):
                self._link(custom_emoji=True)
            elif char in _RESERVED:
                raise FormattingError(
                    f"character {char!r} at offset {self.i} is reserved and must be escaped "
                    "with the preceding '\\'"
                )
            else:
                self.out.append(char)
                self.i += 1
        if self.open:
            kind, offset = self.open[-1]
            raise FormattingError(f"can't find end of {kind} entity opened at offset {offset}")
        return "".join(self.out)

    def _at_line_start(self) -> bool:
        return self.i == 0 or self.text[self.i - 1] == "\n"

    def _ends_line(self) -> bool:
        end = self.i + 2
        return end == len(self.text) or self.text[end] == "\n"

    def _quote_start(self) -> bool:
        """A ``>`` (or ``**>``, expandable) starting a line opens or continues a quote."""
        if self.text.startswith("**>", self.i):
            self.quote = "expandable"
            self.i += 3
            return True
        if self.text.startswith(">", self.i):
            self.quote = self.quote or "blockquote"
            self.i += 1
            return True
        return False

    def _escaped(self) -> None:
        following = self.text[self.i + 1 : self.i + 2]
        if not following or not 1 <= ord(following) <= 126:
            raise FormattingError(f"'\\' at offset {self.i} escapes nothing Telegram can escape")
        self.out.append(following)
        self.i += 2

    def _toggle(self, marker: str) -> None:
        kind = _TOGGLES.get(marker)
        if kind is None:  # a lone '|'
            raise FormattingError(
                f"character {marker!r} at offset {self.i} is reserved and must be escaped "
                "with the preceding '\\'"
            )
        if self.open and self.open[-1][0] == kind:
            self.open.pop()
        elif any(open_kind == kind for open_kind, _ in self.open):
            raise FormattingError(
                f"{kind} entity closed at offset {self.i} across another one: entities must nest"
            )
        else:
            self.open.append((kind, self.i))
        self.i += len(marker)

    def _code(self) -> None:
        """Inline code or a pre block: only '`' and '\\' are escaped inside."""
        fence = "```" if self.text.startswith("```", self.i) else "`"
        start = self.i
        self.i += len(fence)
        if fence == "```":  # the first line may name the block's language
            newline = self.text.find("\n", self.i)
            first = self.text[self.i : newline] if newline != -1 else ""
            if newline != -1 and re.fullmatch(r"[A-Za-z0-9_+#.-]*", first):
                self.i = newline + 1
        while not self.text.startswith(fence, self.i):
            if self.i >= len(self.text):
                kind = "pre" if fence == "```" else "code"
                raise FormattingError(f"can't find end of {kind} entity opened at offset {start}")
            char = self.text[self.i]
            if char == "\\":
                following = self.text[self.i + 1 : self.i + 2]
                if following not in ("`", "\\"):
                    raise FormattingError(
                        f"'\\' at offset {self.i} inside code must escape '`' or '\\'"
                    )
                self.out.append(following)
                self.i += 2
                continue
            if char == "`":
                raise FormattingError(f"unescaped '`' at offset {self.i} inside a pre entity")
            self.out.append(char)
            self.i += 1
        self.i += len(fence)

    def _link(self, custom_emoji: bool) -> None:
        """``[text](url)`` or ``![emoji](tg://emoji?id=...)``: the text is parsed, the url
        kept out of the text, with only ')' and '\\' escaped in it."""
        start = self.i
        self.i += 2 if custom_emoji else 1
        kind = "custom emoji" if custom_emoji else "text link"
        depth = len(self.open)
        self.open.append((kind, start))
        while not (self.text.startswith("]", self.i) and len(self.open) == depth + 1):
            if self.i >= len(self.text):
                raise FormattingError(f"can't find end of {kind} entity opened at offset {start}")
            before = self.i
            self._one_inline()
            if self.i == before:
                break
        self.open.pop()
        self.i += 1
        if not self.text.startswith("(", self.i):
            raise FormattingError(
                f"{kind} at offset {start} needs its (url) right after ']', at offset {self.i}"
            )
        self.i += 1
        url: list[str] = []
        while not self.text.startswith(")", self.i):
            if self.i >= len(self.text):
                raise FormattingError(f"can't find the end of the url of the {kind} at {start}")
            char = self.text[self.i]
            if char == "\\":
                following = self.text[self.i + 1 : self.i + 2]
                if following not in (")", "\\"):
                    raise FormattingError(
                        f"'\\' at offset {self.i} inside a url must escape ')' or '\\'"
                    )
                url.append(following)
                self.i += 2
                continue
            url.append(char)
            self.i += 1
        self.i += 1
        if custom_emoji and not "".join(url).startswith("tg://emoji?id="):
            raise FormattingError(f"custom emoji at offset {start} needs tg://emoji?id=<id>")

    def _one_inline(self) -> None:
        """One step of ``parse`` inside a link's text (no quotes start there)."""
        char = self.text[self.i]
        if char == "\\":
            self._escaped()
        elif char == "`":
            self._code()
        elif self.text.startswith(("__", "||"), self.i):
            self._toggle(self.text[self.i : self.i + 2])
        elif char in "*_~":
            self._toggle(char)
        elif char in _RESERVED:
            raise FormattingError(
                f"character {char!r} at offset {self.i} is reserved and must be escaped "
                "with the preceding '\\'"
            )
        else:
            self.out.append(char)
            self.i += 1


# --- legacy Markdown ---------------------------------------------------------------------------

_LEGACY = re.compile(
    r"""\\([_*`\[])              # an escaped marker
    | ```(?:[^\n`]*\n)?(.*?)```     # pre, with an optional language line
    | `([^`]*)`                   # code
    | \*([^*]*)\*                 # bold
    | _([^_]*)_                   # italic
    | \[([^\]]*)\]\(([^)]*)\)     # text link""",
    re.S | re.X,
)


def _parse_legacy_markdown(text: str) -> str:
    """Markdown (legacy): *bold*, _italic_, `code`, ```pre```, [text](url); entities do not
    nest, and a marker left open is an error."""
    out: list[str] = []
    position = 0
    for match in _LEGACY.finditer(text):
        out.append(_legacy_plain(text[position : match.start()], position))
        escaped, pre, code, bold, italic, link_text = match.groups()[:6]
        out.append(next(v for v in (escaped, pre, code, bold, italic, link_text) if v is not None))
        position = match.end()
    out.append(_legacy_plain(text[position:], position))
    return "".join(out)


def _legacy_plain(chunk: str, offset: int) -> str:
    for index, char in enumerate(chunk):
        if char in "_*`[":
            raise FormattingError(
                f"can't find end of the entity starting with {char!r} at offset {offset + index}"
            )
    return chunk
