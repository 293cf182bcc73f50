"""Centre posters: the QR code decodes to the centre's deep link in every language, the files
are a PNG and an A4 PDF, Arabic is shaped and right-to-left, and nothing leaves the page."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import arabic_reshaper
import pytest
import zxingcpp
from PIL import Image, ImageDraw

from bot import posters
from bot.centres import Centre, CentreDirectory, format_contacts
from bot.constants import LANGUAGES
from bot.i18n import translate
from bot.posters import (
    DPI,
    INVITATION,
    MARGIN,
    PAGE_SIZE,
    PRIVACY,
    QR_SIZE_MIN,
    TITLE,
    deep_link,
    paragraph_rtl,
    poster_texts,
    qr_side,
    render_poster,
    shape_line,
    text_width,
    wrap,
    write_poster,
)

BOT = "returnee_test_bot"
ALL_LANGUAGES = ["fr", "ar", "es", "en"]
# Arabic Presentation Forms-B: the joined (initial, medial, final, isolated) letter shapes.
PRESENTATION_FORMS = range(0xFE70, 0xFF00)
ARABIC_BLOCK = range(0x0600, 0x0700)


def decode_qr(image: Image.Image) -> list[zxingcpp.Barcode]:
    return [
        barcode
        for barcode in zxingcpp.read_barcodes(image)
        if barcode.format == zxingcpp.BarcodeFormat.QRCode
    ]


def margins_are_blank(image: Image.Image) -> bool:
    """True when the page's margins hold nothing but white: no text ran off the layout."""
    width, height = image.size
    strips = [
        (0, 0, width, MARGIN - 10),
        (0, height - MARGIN + 10, width, height),
        (0, 0, MARGIN - 10, height),
        (width - MARGIN + 10, 0, width, height),
    ]
    return all(image.crop(box).convert("L").getextrema() == (255, 255) for box in strips)


def centre_for(centres: CentreDirectory, language: str) -> Centre:
    """A shipped centre whose default language is ``language``, else the first one."""
    return next((c for c in centres if c.default_language == language), next(iter(centres)))


@pytest.fixture(scope="module")
def multilingual(centres: CentreDirectory) -> tuple[Centre, Image.Image]:
    centre = centre_for(centres, "ar")
    return centre, render_poster(centre, ALL_LANGUAGES, BOT)


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_poster_qr_code_decodes_to_the_deep_link(centres: CentreDirectory, language: str) -> None:
    centre = centre_for(centres, language)
    image = render_poster(centre, [language], BOT)

    assert image.size == PAGE_SIZE == (1240, 1754)
    assert image.mode == "RGB"
    found = decode_qr(image)
    assert [b.text for b in found] == [deep_link(BOT, centre.code)]
    assert found[0].text == f"https://t.me/{BOT}?start={centre.code}"
    # Big enough to scan from a printed page (the decoder's corners sit inside the quiet zone).
    corners = found[0].position
    assert corners.top_right.x - corners.top_left.x > QR_SIZE_MIN * 0.6
    assert margins_are_blank(image)


def test_multilingual_sheet_decodes(multilingual: tuple[Centre, Image.Image]) -> None:
    centre, image = multilingual
    assert image.size == PAGE_SIZE
    assert [b.text for b in decode_qr(image)] == [deep_link(BOT, centre.code)]
    assert margins_are_blank(image)


def test_write_poster_writes_png_and_a4_pdf(centres: CentreDirectory, tmp_path: Path) -> None:
    centre = centre_for(centres, "ar")
    png, pdf = write_poster(centre, ALL_LANGUAGES, BOT, tmp_path / "out")

    assert png == tmp_path / "out" / f"{centre.code}-multi.png"
    assert pdf == tmp_path / "out" / f"{centre.code}-multi.pdf"
    with Image.open(png) as image:
        assert image.format == "PNG"
        assert image.size == PAGE_SIZE
        assert [b.text for b in decode_qr(image)] == [deep_link(BOT, centre.code)]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type /Page\b(?!s)", data)) == 1
    box = re.search(rb"/MediaBox \[ *0 +0 +([\d.]+) +([\d.]+) *\]", data)
    assert box, "no MediaBox in the PDF"
    width_pt, height_pt = float(box.group(1)), float(box.group(2))
    assert width_pt == pytest.approx(595.28, abs=1)  # A4: 210 x 297 mm in points
    assert height_pt == pytest.approx(841.89, abs=1)
    assert PAGE_SIZE[0] / DPI * 72 == pytest.approx(width_pt, abs=0.5)


def test_single_language_file_names(centres: CentreDirectory, tmp_path: Path) -> None:
    centre = centre_for(centres, "fr")
    png, pdf = write_poster(centre, ["es"], BOT, tmp_path)
    assert (png.name, pdf.name) == (f"{centre.code}-es.png", f"{centre.code}-es.pdf")
    assert png.exists() and pdf.exists()


@pytest.mark.parametrize("language", LANGUAGES)
def test_poster_texts_come_from_the_catalogues(language: str) -> None:
    assert poster_texts(language) == (
        translate(language, TITLE),
        translate(language, INVITATION),
        translate(language, PRIVACY),
    )


def drawn_lines(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Spy on the poster's drawing: the logical (unshaped) lines it draws, in order."""
    logical: dict[str, str] = {}
    drawn: list[str] = []
    real_shape, real_text = posters.shape_line, ImageDraw.ImageDraw.text

    def shape(text: str, rtl: bool = True) -> str:
        shaped = real_shape(text, rtl)
        logical[shaped] = text
        return shaped

    def text(self: ImageDraw.ImageDraw, xy, shaped: str, *args, **kwargs) -> None:
        drawn.append(logical[shaped])
        real_text(self, xy, shaped, *args, **kwargs)

    monkeypatch.setattr(posters, "shape_line", shape)
    monkeypatch.setattr(ImageDraw.ImageDraw, "text", text)
    return drawn


def test_render_draws_the_translated_texts_and_contacts(
    centres: CentreDirectory, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn = drawn_lines(monkeypatch)
    centre = centre_for(centres, "ar")
    render_poster(centre, ["ar", "fr"], BOT)
    text = " ".join(" ".join(drawn).split())

    for language in ("ar", "fr"):
        for message in poster_texts(language):
            assert " ".join(message.split()) in text
    for line in format_contacts(centre, "ar").splitlines():
        assert " ".join(line.split()) in text
    assert deep_link(BOT, centre.code) in text


def test_arabic_is_shaped_into_presentation_forms_and_reversed() -> None:
    logical = "مرحبا بكم"
    shaped = shape_line(logical)

    assert any(ord(char) in PRESENTATION_FORMS for char in shaped)
    assert not any(ord(char) in ARABIC_BLOCK for char in shaped)
    assert shaped == arabic_reshaper.reshape(logical)[::-1]  # visual order: right to left


def test_arabic_line_keeps_numbers_and_latin_in_reading_order() -> None:
    shaped = shape_line("الهاتف: +212 500 00 00 02")
    assert shaped.startswith("+212 500 00 00 02 :")
    assert shaped.endswith(arabic_reshaper.reshape("الهاتف")[::-1])
    shaped = shape_line("العنوان: 7 avenue de l'Exemple, Agdal, Rabat")
    assert shaped.startswith("7 avenue de l'Exemple, Agdal, Rabat :")


def test_brackets_are_mirrored_in_arabic() -> None:
    word = arabic_reshaper.reshape("مرحبا")[::-1]
    assert shape_line("(مرحبا)") == f"({word})"


def test_latin_paragraph_on_an_arabic_poster_stays_left_to_right() -> None:
    assert paragraph_rtl("Centre de ressources Exemple (fictif)", default=True) is False
    assert paragraph_rtl("العنوان: 7 avenue", default=False) is True
    assert paragraph_rtl("+212 500", default=True) is True
    assert shape_line("Vous êtes rentré ?", rtl=False) == "Vous êtes rentré ?"


def test_every_drawn_character_has_a_glyph(centres: CentreDirectory) -> None:
    ttlib = pytest.importorskip("fontTools.ttLib")
    regular = ttlib.TTFont(posters._font_dir() / "DejaVuSans.ttf").getBestCmap()
    bold = ttlib.TTFont(posters._font_dir() / "DejaVuSans-Bold.ttf").getBestCmap()
    texts = [text for language in LANGUAGES for text in poster_texts(language)]
    texts += [format_contacts(centre, language) for centre in centres for language in LANGUAGES]
    texts.append("الله لا إلى")  # reshaper ligatures must stay within the font
    for text in texts:
        for line in text.splitlines():
            shaped = shape_line(line, paragraph_rtl(line, default=True))
            missing = {c for c in shaped if ord(c) not in regular or ord(c) not in bold}
            assert not missing, f"no glyph for {sorted(missing)} in {line!r}"


def test_wrap_fits_the_width_and_keeps_every_word() -> None:
    face = posters.font(36)
    for language in LANGUAGES:
        rtl = language == "ar"
        text = poster_texts(language)[1] + " " + "https://t.me/" + "x" * 120
        lines = wrap(text, face, 500, rtl)
        assert len(lines) > 2
        assert all(text_width(line, face, rtl) <= 500 for line in lines)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert wrap("Vous êtes rentré au pays ?", posters.font(64, bold=True), 900, False)[-1] != "?"


def test_long_contact_details_shrink_instead_of_overflowing(centres: CentreDirectory) -> None:
    centre = dataclasses.replace(
        centre_for(centres, "fr"),
        name="Centre de ressources " * 8,
        address="Immeuble de l'Exemple, " * 12,
    )
    image = render_poster(centre, ALL_LANGUAGES, BOT)
    assert margins_are_blank(image)
    assert [b.text for b in decode_qr(image)] == [deep_link(BOT, centre.code)]


def test_qr_code_is_large_with_the_longest_code() -> None:
    link = deep_link("a" * 32, "x" * 64)
    assert qr_side(link, QR_SIZE_MIN) >= QR_SIZE_MIN * 0.9


@pytest.mark.parametrize("code", ["", "rabat demo", "rabat/demo", "é", "x" * 65, "rabat\n"])
def test_bad_centre_code_is_refused(centres: CentreDirectory, code: str) -> None:
    with pytest.raises(ValueError, match="centre code"):
        deep_link(BOT, code)
    centre = dataclasses.replace(next(iter(centres)), code=code)
    with pytest.raises(ValueError, match="centre code"):
        render_poster(centre, ["fr"], BOT)


def test_bad_bot_username_and_language_are_refused(centres: CentreDirectory) -> None:
    with pytest.raises(ValueError, match="bot username"):
        deep_link("@returnee_bot", "dakar-demo")
    with pytest.raises(ValueError, match="languages"):
        render_poster(next(iter(centres)), ["de"], BOT)
    with pytest.raises(ValueError, match="languages"):
        render_poster(next(iter(centres)), [], BOT)
