"""Numbers, phone numbers, commands, URLs and Latin names keep their order in Arabic replies.

The check runs the Unicode bidi algorithm (python-bidi) on the rendered replies and looks for
the number and the command, as typed, in the visual string. python-bidi predates isolates, so
each isolate is replaced by the matching embedding (LRI...PDI by LRE...PDF), which lays out a
run inside a line the same way.
"""

from __future__ import annotations

from datetime import time

import pytest
from bidi.algorithm import get_display

from bot.centres import OpeningHours, format_hours
from bot.gateway.replies import Reply, merged
from bot.i18n.bidi import FSI, LRI, PDI, RLI, isolate_ltr, open_isolates, without_isolates
from bot.nlg.render import Renderer
from bot.telegram_limits import MAX_MESSAGE_LENGTH, length, split_text

_LRE, _RLE, _PDF = "\u202a", "\u202b", "\u202c"
_AS_EMBEDDINGS = str.maketrans({LRI: _LRE, FSI: _LRE, RLI: _RLE, PDI: _PDF})
RABAT_PHONE = "+212 500 00 00 02"


def visual(text: str) -> list[str]:
    """Each line of ``text`` as a right-to-left paragraph is displayed, left to right."""
    return [get_display(line.translate(_AS_EMBEDDINGS), base_dir="R") for line in text.split("\n")]


def displayed(text: str) -> str:
    return "\n".join(visual(text))


def sent(text: str, buttons: tuple[tuple[str, str], ...] = ()) -> list[Reply]:
    """The messages a turn's Arabic reply becomes, as the gateway queues them."""
    return merged([Reply(text, buttons, rtl=True)])


# The bidi algorithm on rendered Arabic replies ---------------------------------------------------


def test_a_phone_number_reads_in_order_in_an_arabic_reply(renderer: Renderer) -> None:
    text = renderer.render("utter_info_contact_centre", "ar", "rabat-demo").text
    assert RABAT_PHONE in text

    (message,) = sent(text)

    assert RABAT_PHONE in displayed(message.text)


@pytest.mark.parametrize("response", ["utter_info_privacy", "utter_my_data"])
def test_forget_reads_in_order_in_an_arabic_reply(renderer: Renderer, response: str) -> None:
    text = renderer.render(response, "ar", "rabat-demo").text
    assert "/forget" in text

    shown = displayed("\n\n".join(m.text for m in sent(text)))

    assert "/forget" in shown
    assert "forget/" not in shown


def test_every_arabic_response_keeps_its_commands_and_numbers(renderer: Renderer) -> None:
    commands = ("/forget", "/stop", "/mydata", "/language", "/start", "/assessment")
    checked = 0
    for name in sorted(renderer.response_names):
        text = renderer.render(name, "ar", "rabat-demo").text
        shown = displayed("\n\n".join(m.text for m in sent(text)))
        for command in commands:
            if command in text:
                assert command in shown, (name, command)
                checked += 1
        if RABAT_PHONE in text:
            assert RABAT_PHONE in shown, name
            checked += 1
    assert checked >= 3


@pytest.mark.parametrize(
    ("arabic", "kept"),
    [
        ("الهاتف: +212 500 00 00 02", "+212 500 00 00 02"),
        ("اكتب /forget لحذف كل شيء.", "/forget"),
        ("تحذفها باستخدام /forget؛ وإلا فإنها تُحذف", "/forget"),
        ("الرابط: https://t.me/returnee_bot?start=rabat-demo للمركز", "t.me/returnee_bot?start="),
        ("مركز Centre de ressources Exemple Rabat (fictif) يفتح", "Centre de ressources Exemple"),
        ("من 09:00–17:00 كل يوم", "09:00–17:00"),
        ("التقييم 4.5 من 5", "4.5"),
        ("اتصل بـ 0522-123-456 الآن", "0522-123-456"),
    ],
)
def test_runs_read_in_order_once_isolated(arabic: str, kept: str) -> None:
    (message,) = sent(arabic)

    assert kept in displayed(message.text)


def test_the_check_would_see_the_bug_without_isolates() -> None:
    # Without the isolates, the algorithm gives what the issue saw: the check is not vacuous.
    assert "02 00 00 500 212+" in displayed("الهاتف: +212 500 00 00 02")
    assert "forget/" in displayed("اكتب /forget لحذف كل شيء.")


# Isolating -------------------------------------------------------------------------------------


def test_runs_are_isolated_and_arabic_is_left_alone() -> None:
    text = "الهاتف: +212 500 00 00 02. اكتب /forget خلال 5 دقائق (1 ملاحظة)."

    assert isolate_ltr(text) == (
        f"الهاتف: {LRI}+212 500 00 00 02{PDI}. اكتب {LRI}/forget{PDI} خلال {LRI}5{PDI} دقائق "
        f"({LRI}1{PDI} ملاحظة)."
    )
    assert isolate_ltr("مرحبا بك") == "مرحبا بك"


def test_isolating_twice_changes_nothing() -> None:
    once = isolate_ltr(f"الهاتف: {LRI}+212 500 00 00 02{PDI} أو +221 30 000 00 01")
    assert isolate_ltr(once) == once
    assert once.count(LRI) == 2


def test_brackets_stay_outside_so_they_mirror_with_the_arabic() -> None:
    assert isolate_ltr("دقائق (5)") == f"دقائق ({LRI}5{PDI})"


def test_left_to_right_replies_are_unchanged() -> None:
    (message,) = merged([Reply("Téléphone : +212 500 00 00 02, /forget", rtl=False)])
    assert message.text == "Téléphone : +212 500 00 00 02, /forget"


def test_button_titles_are_isolated_but_never_their_data() -> None:
    buttons = (("اكتب /forget", "/forget"), ("5 دقائق", "q:12:5"))

    (message,) = sent("اختر", buttons)

    assert [data for _, data in message.buttons] == ["/forget", "q:12:5"]
    assert message.buttons[0][0] == f"اكتب {LRI}/forget{PDI}"
    assert all(PDI not in data for _, data in message.buttons)


def test_replayed_replies_are_not_wrapped_again() -> None:
    (first,) = sent("الهاتف: +212 500 00 00 02")
    (again,) = merged([first])
    assert again.text == first.text


# Telegram's limits, counted in UTF-16 with the isolates ---------------------------------------


def test_a_long_arabic_reply_is_cut_with_every_isolate_closed() -> None:
    line = "اتصل على +212 500 00 00 02 أو اكتب /forget 😀 "
    text = line * 400

    messages = sent(text)

    assert len(messages) > 1
    for message in messages:
        assert length(message.text) <= MAX_MESSAGE_LENGTH
        assert open_isolates(message.text) == ""
        assert message.text.count(LRI) == message.text.count(PDI)
    assert without_isolates("".join(m.text for m in messages)).replace(" ", "") == text.replace(
        " ", ""
    )


def test_a_cut_inside_an_isolate_closes_it_and_opens_it_again() -> None:
    text = f"{LRI}{'1 ' * 60}{PDI}"

    parts = split_text(text, 50)

    assert len(parts) > 1
    for part in parts:
        assert length(part) <= 50
        assert part.startswith(LRI) and part.endswith(PDI)
        assert open_isolates(part) == ""


def test_text_without_isolates_is_cut_as_before() -> None:
    words = " ".join(["mot"] * 3000)
    assert split_text(words, 1000) == split_text(words, 1000)
    assert all(len(p) <= 1000 for p in split_text(words, 1000))


# Lists ----------------------------------------------------------------------------------------


def test_days_are_listed_the_language_s_way() -> None:
    hours = (OpeningHours(("mon", "wed", "fri"), time(9), time(17)),)

    arabic = format_hours(hours, "ar")
    french = format_hours(hours, "fr")

    assert "," not in arabic
    assert "الاثنين" in arabic and "والأربعاء" in arabic
    assert "lun., mer. et ven." in french


def test_a_latin_name_keeps_its_bracket_inside_its_run() -> None:
    name = "Service d'accueil et d'orientation (fictif)"

    # python-bidi's embeddings place a bracket that ends a run less well than isolates do, so
    # this checks the marks themselves.
    assert isolate_ltr(f"الخدمة: {name}.") == f"الخدمة: {LRI}{name}{PDI}."
    assert isolate_ltr("دقائق (5)") == f"دقائق ({LRI}5{PDI})"


def test_a_text_without_arabic_letters_is_left_alone() -> None:
    assert isolate_ltr("Rabat") == "Rabat"
    assert isolate_ltr("Téléphone : +212 500 00 00 02") == "Téléphone : +212 500 00 00 02"
