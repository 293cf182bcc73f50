"""The fake Bot API parses HTML and MarkdownV2 (and legacy Markdown) as Telegram does: the text
after parsing, or an error naming what would not parse."""

from __future__ import annotations

import pytest

from tests.fakes.formatting import FormattingError, plain_text, telegram_length


def test_lengths_are_counted_in_utf16_code_units() -> None:
    assert telegram_length("abc") == 3
    assert telegram_length("عمالة") == 5
    assert telegram_length("👋") == 2


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("<b>gras</b> et <i>italique</i>", "gras et italique"),
        ('<a href="https://t.me/x?a=1&amp;b=2">lien</a>', "lien"),
        ("1 &lt; 2 &amp;&amp; 3 &gt; 2 &quot;ok&quot; &#233;&#x41;", '1 < 2 && 3 > 2 "ok" éA'),
        ('<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>', "st"),
        ('<pre><code class="language-python">x = 1</code></pre>', "x = 1"),
        ("<blockquote expandable>citation</blockquote>", "citation"),
        ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍"),
    ],
)
def test_html_that_parses(text: str, plain: str) -> None:
    assert plain_text(text, "HTML") == plain


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("<b>gras", "<b> at offset 0 is never closed"),
        ("<b><i>x</b></i>", "end tag </b> at offset 7 does not match; expected </i>"),
        ("</b>", "end tag </b> at offset 0 does not match; expected no end tag"),
        ("<div>x</div>", "unsupported tag <div>"),
        ("1 < 2", "unescaped '<' at offset 2"),
        ("Tom & Jerry", "unescaped '&' at offset 4"),
        ("&nbsp;", "unsupported entity &nbsp;"),
        ("<a>x</a>", "<a> at offset 0 needs the attribute 'href'"),
        ('<span class="red">x</span>', 'must be <span class="tg-spoiler">'),
        ('<b style="x">x</b>', "unsupported attribute 'style' of <b>"),
    ],
)
def test_html_that_does_not_parse(text: str, error: str) -> None:
    with pytest.raises(FormattingError, match=error.replace("(", r"\(")):
        plain_text(text, "HTML")


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        (r"*gras* _italique_ __souligné__ ~barré~ ||caché||", "gras italique souligné barré caché"),
        (r"*gras _italique gras_ gras*", "gras italique gras gras"),
        (r"Prix\: 10\.5 \- \(environ\)\!", "Prix: 10.5 - (environ)!"),
        (r"[le site](https://example.org/a_(b\))", "le site"),
        (r"![👍](tg://emoji?id=5368324170671202286)", "👍"),
        ("`code \\` échappé`", "code ` échappé"),
        ("```python\nprint(1)\n```", "print(1)\n"),
        (">citation\n>suite\nfin", "citation\nsuite\nfin"),
        ("**>replié\n>encore||\nfin", "replié\nencore\nfin"),
    ],
)
def test_markdown_v2_that_parses(text: str, plain: str) -> None:
    assert plain_text(text, "MarkdownV2") == plain


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("Fin.", "character '.' at offset 3 is reserved"),
        ("a-b", "character '-' at offset 1 is reserved"),
        ("*gras", "can't find end of bold entity opened at offset 0"),
        ("*a _b* c_", "bold entity closed at offset 5 across another one"),
        ("`code", "can't find end of code entity"),
        ("[texte]", "text link at offset 0 needs its \\(url\\)"),
        ("a | b", "character '|' at offset 2 is reserved"),
        ("x\\é", "escapes nothing Telegram can escape"),
        ("![x](https://t.me)", "custom emoji at offset 0 needs tg://emoji"),
    ],
)
def test_markdown_v2_that_does_not_parse(text: str, error: str) -> None:
    with pytest.raises(FormattingError, match=error):
        plain_text(text, "MarkdownV2")


def test_legacy_markdown() -> None:
    assert plain_text(r"*gras* _it_ `code` [lien](https://t.me) \_", "Markdown") == (
        "gras it code lien _"
    )
    with pytest.raises(FormattingError, match="entity starting with '_'"):
        plain_text("snake_case", "Markdown")


def test_parse_modes_are_read_without_case_and_unknown_ones_refused() -> None:
    assert plain_text("<b>x</b>", "html") == "x"
    with pytest.raises(FormattingError, match="unsupported parse_mode 'bbcode'"):
        plain_text("[b]x[/b]", "bbcode")
