"""Printable A4 posters that invite returnees to open the bot from a centre's QR code.

A poster carries the QR code of the centre's deep link (``https://t.me/<bot>?start=<centre>``),
the link written out, a title, an invitation and one line on privacy in each chosen language,
and the centre's name and contact details. One language makes a single-language poster; several
make a multilingual sheet with one block per language under a shared QR code.

Texts are French message ids translated at render time, so the posters follow the catalogues.
Arabic is shaped with ``arabic_reshaper`` and put in visual order with ``bidi.algorithm``
(the pure-Python implementation, which also mirrors brackets; the Rust one in ``bidi`` does
not), and is drawn with Pillow's basic layout engine so that Raqm does not reorder it again.
"""

from __future__ import annotations

import functools
import importlib.util
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import arabic_reshaper
import qrcode
from bidi.algorithm import get_display
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_M

from bot.centres import CENTRE_CODE, Centre, format_contacts
from bot.constants import LANGUAGES
from bot.i18n import N_, is_rtl, translate
from bot.i18n.bidi import without_isolates

DPI = 150
PAGE_SIZE = (1240, 1754)  # A4 portrait, 210 x 297 mm at 150 dpi
MARGIN = 90
# QR code sizes in px, quiet zone included (the code itself is about 80 % of it).
QR_SIZE_SINGLE = 760
QR_SIZE_MULTI = 700
QR_SIZE_MIN = 600  # 10 cm on paper, quiet zone included: scannable from arm's length
MIN_SCALE = 0.5

# TRANSLATORS: poster headline, printed large.
TITLE = N_("Vous êtes de retour au pays ?")
# TRANSLATORS: poster text under the headline; keep it short, it is printed on A4.
INVITATION = N_(
    "Posez vos questions sur l'aide à la réintégration, en français, anglais, arabe ou "
    "espagnol. Scannez le code avec votre téléphone pour ouvrir la conversation sur Telegram."
)
# TRANSLATORS: the poster's one line on privacy, printed under the QR code.
PRIVACY = N_(
    "Confidentiel : vos réponses sont chiffrées et ne sont partagées qu'avec votre accord."
)

WHITE = (255, 255, 255)
INK = (33, 33, 33)
ACCENT = (24, 74, 125)
MUTED = (90, 90, 90)
RULE = (200, 200, 200)

# DejaVu Sans has the Arabic presentation forms and the lam-alef ligatures, but not the
# "Allah" ligature (U+FDF2) that arabic_reshaper makes by default.
_RESHAPER = arabic_reshaper.ArabicReshaper(configuration={"arabic ligature allah": False})
# Punctuation that must not start a line ("pays ?" keeps its question mark).
_NO_BREAK_BEFORE = set("?!:;»)]}…،؛؟.,")
_RTL_KINDS = ("R", "AL", "AN")
_LRE, _PDF = "\u202a", "\u202c"
_BOT_USERNAME = re.compile(r"^[A-Za-z0-9_]{1,64}$")


def _font_dir() -> Path:
    """DejaVu fonts as shipped by matplotlib (DejaVu Sans covers Latin and Arabic)."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or spec.origin is None:
        raise RuntimeError("matplotlib is needed for the DejaVu fonts the posters use")
    return Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf"


@functools.cache
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """DejaVu Sans at ``size`` px, with the basic layout engine (text is pre-shaped)."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(_font_dir() / name), size, layout_engine=ImageFont.Layout.BASIC)


def deep_link(bot_username: str, centre_code: str) -> str:
    """The Telegram link that opens the bot with the centre code as ``/start`` payload."""
    if not _BOT_USERNAME.fullmatch(bot_username):
        raise ValueError(f"bot username {bot_username!r} must be letters, digits and _ (no @)")
    if not CENTRE_CODE.fullmatch(centre_code):
        raise ValueError(
            f"centre code {centre_code!r} must be 1-64 characters from A-Z a-z 0-9 _ -"
        )
    return f"https://t.me/{bot_username}?start={centre_code}"


def embed_ltr_runs(text: str) -> str:
    """Wrap each left-to-right stretch of a right-to-left line (from its first Latin letter or
    digit to its last, with a leading "+") in LRE/PDF marks, so that it is drawn as one unit:
    "+212 500 00 00 02" rather than "02 00 00 500 212+", "7 avenue …" rather than "avenue … 7".
    """
    kinds = [unicodedata.bidirectional(char) for char in text]
    out, start = [], 0
    for end in [*(i for i, kind in enumerate(kinds) if kind in _RTL_KINDS), len(text)]:
        strong = [i for i in range(start, end) if kinds[i] in ("L", "EN")]
        if strong:
            first, last = strong[0], strong[-1]
            if first > start and text[first - 1] == "+":
                first -= 1
            out.append(text[start:first] + _LRE + text[first : last + 1] + _PDF)
            out.append(text[last + 1 : end + 1])
        else:
            out.append(text[start : end + 1])
        start = end + 1
    return "".join(out)


def shape_line(text: str, rtl: bool = True) -> str:
    """One logical line made ready to draw: Arabic joined into presentation forms, then put
    in visual (left-to-right) order with brackets mirrored. ``rtl`` sets the base direction."""
    # The chat's isolates around numbers: python-bidi predates them and refuses them, and the
    # poster embeds its left-to-right runs itself.
    text = without_isolates(text)
    if rtl:
        text = embed_ltr_runs(text)
    return get_display(_RESHAPER.reshape(text), base_dir="R" if rtl else "L")


def paragraph_rtl(text: str, default: bool) -> bool:
    """Base direction of a paragraph from its first strong character (Unicode bidi rules P2
    and P3), ``default`` when it has none. An untranslated French message or a Latin centre
    name on an Arabic poster thus stays left-to-right, with its punctuation in place."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return False
        if kind in ("R", "AL"):
            return True
    return default


def text_width(text: str, face: ImageFont.FreeTypeFont, rtl: bool) -> float:
    """Drawn width of a logical line, measured on its shaped form."""
    return face.getlength(shape_line(text, rtl))


def _split_long_word(word: str, face: ImageFont.FreeTypeFont, width: float, rtl: bool) -> list[str]:
    pieces, current = [], ""
    for char in word:
        if current and text_width(current + char, face, rtl) > width:
            pieces.append(current)
            current = char
        else:
            current += char
    return [*pieces, current]


def wrap(text: str, face: ImageFont.FreeTypeFont, width: float, rtl: bool) -> list[str]:
    """Break ``text`` into logical lines no wider than ``width``, keeping its own newlines.

    Wrapping happens on the logical text, before shaping; each candidate line is measured
    shaped, as it will be drawn."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        words: list[str] = []
        for word in paragraph.split(" "):
            if words and word and all(char in _NO_BREAK_BEFORE for char in word):
                words[-1] = f"{words[-1]} {word}"
            else:
                words.append(word)
        for word in words:
            candidate = f"{current} {word}" if current else word
            if text_width(candidate, face, rtl) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            *full, current = _split_long_word(word, face, width, rtl)
            lines.extend(full)
        lines.append(current)
    return lines


@dataclass(frozen=True)
class _Text:
    """Text in the language's direction: ``rtl`` right-aligns it and is the base direction
    of paragraphs without a strong character."""

    text: str
    size: int
    rtl: bool
    bold: bool = False
    colour: tuple[int, int, int] = INK
    centred: bool = False
    space_after: int = 0


@dataclass(frozen=True)
class _Code:
    data: str
    size: int
    space_after: int = 0


@dataclass(frozen=True)
class _Rule:
    space_after: int = 0


_Block = _Text | _Code | _Rule


@functools.cache
def _qr_modules(data: str) -> tuple[tuple[bool, ...], ...]:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    code.add_data(data)
    code.make(fit=True)
    return tuple(tuple(row) for row in code.get_matrix())


def qr_side(data: str, size: int) -> int:
    """Side in px of the QR code ``qr_image`` draws for ``data`` within ``size`` px."""
    modules = len(_qr_modules(data))
    return modules * max(1, size // modules)


def qr_image(data: str, size: int) -> Image.Image:
    """QR code of ``data`` (error correction M, 4-module quiet zone), with whole-pixel modules,
    as large as fits in ``size`` px."""
    matrix = _qr_modules(data)
    modules = len(matrix)
    image = Image.new("L", (modules, modules), 255)
    image.putdata([0 if dark else 255 for row in matrix for dark in row])
    side = qr_side(data, size)
    return image.resize((side, side), Image.Resampling.NEAREST)


def _line_height(size: int) -> int:
    return round(size * 1.3)


def _scaled(size: int, scale: float) -> int:
    return max(10, round(size * scale))


def _height(block: _Block, width: int, scale: float) -> int:
    if isinstance(block, _Code):
        return qr_side(block.data, block.size) + block.space_after
    if isinstance(block, _Rule):
        return 2 + round(block.space_after * scale)
    size = _scaled(block.size, scale)
    lines = _lines(block, font(size, block.bold), width)
    return len(lines) * _line_height(size) + round(block.space_after * scale)


def _lines(block: _Text, face: ImageFont.FreeTypeFont, width: float) -> list[tuple[str, bool]]:
    """Wrapped logical lines of ``block``, each with its paragraph's base direction."""
    lines = []
    for paragraph in block.text.split("\n"):
        rtl = paragraph_rtl(paragraph, block.rtl)
        lines.extend((line, rtl) for line in wrap(paragraph, face, width, rtl))
    return lines


def _x(block: _Text, length: float, width: int) -> float:
    """Left edge of a line: centred, right-aligned for right-to-left languages, else left."""
    if block.centred:
        return (width - length) / 2
    return width - MARGIN - length if block.rtl else MARGIN


def _draw(draw: ImageDraw.ImageDraw, page: Image.Image, block: _Block, y: int, scale: float) -> int:
    """Draw ``block`` with its top at ``y``; return the y below it."""
    width, _ = page.size
    left, right = MARGIN, width - MARGIN
    if isinstance(block, _Code):
        code = qr_image(block.data, block.size)
        page.paste(code, ((width - code.width) // 2, y))
        return y + code.height + block.space_after
    if isinstance(block, _Rule):
        draw.line([(left, y), (right, y)], fill=RULE, width=2)
        return y + 2 + round(block.space_after * scale)
    size = _scaled(block.size, scale)
    face = font(size, block.bold)
    for line, rtl in _lines(block, face, right - left):
        shaped = shape_line(line, rtl)
        length = face.getlength(shaped)
        draw.text((_x(block, length, width), y), shaped, font=face, fill=block.colour)
        y += _line_height(size)
    return y + round(block.space_after * scale)


def _sizes(language: str, *sizes: int) -> tuple[int, ...]:
    """Text sizes for ``language``: DejaVu's Arabic looks smaller than its Latin, so 10 % up."""
    return tuple(round(size * 1.1) for size in sizes) if is_rtl(language) else sizes


def poster_texts(language: str) -> tuple[str, str, str]:
    """Title, invitation and privacy line of the poster in ``language``, from the catalogues."""
    return (
        translate(language, TITLE),
        translate(language, INVITATION),
        translate(language, PRIVACY),
    )


def _language_blocks(language: str, multilingual: bool) -> list[_Block]:
    rtl = is_rtl(language)
    sizes = _sizes(language, 40, 24, 20) if multilingual else _sizes(language, 64, 36, 28)
    title, invitation, privacy = poster_texts(language)
    return [
        _Text(title, sizes[0], rtl, bold=True, colour=ACCENT, space_after=12),
        _Text(invitation, sizes[1], rtl, space_after=10),
        _Text(privacy, sizes[2], rtl, colour=MUTED),
    ]


def _layout(
    centre: Centre, languages: Sequence[str], bot_username: str
) -> tuple[list[_Block], list[_Block]]:
    """The poster's blocks: a body laid out from the top, a footer (contacts) at the bottom."""
    link = deep_link(bot_username, centre.code)
    link_block = _Text(link, 22, rtl=False, colour=MUTED, centred=True, space_after=40)
    if len(languages) == 1:
        title, invitation, privacy = _language_blocks(languages[0], multilingual=False)
        body: list[_Block] = [
            title,
            replace(invitation, space_after=40),
            _Code(link, QR_SIZE_SINGLE, space_after=8),
            link_block,
            privacy,
        ]
    else:
        body = [_Code(link, QR_SIZE_MULTI, space_after=8), link_block]
        for index, language in enumerate(languages):
            if index:
                body.append(_Rule(space_after=24))
            *blocks, privacy = _language_blocks(language, multilingual=True)
            body.extend([*blocks, replace(privacy, space_after=24)])
    contacts_language = languages[0]
    rtl = is_rtl(contacts_language)
    name, _, details = format_contacts(centre, contacts_language).partition("\n")
    name_size, details_size = _sizes(contacts_language, 28, 24)
    footer: list[_Block] = [
        _Rule(space_after=24),
        _Text(name, name_size, rtl, bold=True, space_after=6),
        _Text(details, details_size, rtl),
    ]
    return body, footer


def _check_languages(languages: Sequence[str]) -> list[str]:
    unknown = [language for language in languages if language not in LANGUAGES]
    if not languages or unknown:
        raise ValueError(f"languages must be among {', '.join(LANGUAGES)}; got {list(languages)}")
    return list(dict.fromkeys(languages))


def render_poster(centre: Centre, languages: Sequence[str], bot_username: str) -> Image.Image:
    """A4 portrait page (150 dpi, RGB) for ``centre``: one language, or a multilingual sheet.

    Contact details are given in the first language. Text shrinks (down to half size) when a
    long translation would not fit; the QR code never goes below ``QR_SIZE_MIN`` px."""
    languages = _check_languages(languages)
    body, footer = _layout(centre, languages, bot_username)
    width, height = PAGE_SIZE
    available = height - 2 * MARGIN
    text_width_px = width - 2 * MARGIN
    scale = 1.0
    while True:
        used = sum(_height(b, text_width_px, scale) for b in body + footer)
        if used <= available or scale <= MIN_SCALE:
            break
        scale = round(scale - 0.05, 2)
        body = [
            replace(b, size=max(QR_SIZE_MIN, round(b.size * 0.97))) if isinstance(b, _Code) else b
            for b in body
        ]
    if used > available:
        raise ValueError(f"poster text for {centre.code} does not fit on one A4 page")
    page = Image.new("RGB", PAGE_SIZE, WHITE)
    draw = ImageDraw.Draw(page)
    footer_height = sum(_height(b, text_width_px, scale) for b in footer)
    # The body sits in the middle of the room the footer leaves, the footer at the bottom.
    y = MARGIN + (available - used) // 2
    for block in body:
        y = _draw(draw, page, block, y, scale)
    y = height - MARGIN - footer_height
    for block in footer:
        y = _draw(draw, page, block, y, scale)
    return page


def poster_name(centre: Centre, languages: Sequence[str]) -> str:
    """File stem: ``<centre>-<language>`` or ``<centre>-multi``."""
    return f"{centre.code}-{languages[0] if len(languages) == 1 else 'multi'}"


def write_poster(
    centre: Centre, languages: Sequence[str], bot_username: str, directory: Path
) -> tuple[Path, Path]:
    """Render the poster and write it as PNG and as a one-page A4 PDF; return both paths."""
    languages = _check_languages(languages)
    page = render_poster(centre, languages, bot_username)
    directory.mkdir(parents=True, exist_ok=True)
    stem = poster_name(centre, languages)
    png, pdf = directory / f"{stem}.png", directory / f"{stem}.pdf"
    page.save(png, "PNG", dpi=(DPI, DPI), optimize=True)
    # The PDF embeds the page as JPEG; high quality without chroma subsampling keeps the QR
    # modules and small text crisp.
    page.save(pdf, "PDF", resolution=DPI, quality=95, subsampling=0, title=stem)
    return png, pdf
