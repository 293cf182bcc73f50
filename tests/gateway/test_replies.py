"""A turn's replies reach Telegram in as few messages as read well."""

from __future__ import annotations

import pytest

from bot.gateway.replies import Reply, checked, merged
from bot.telegram_limits import MAX_MESSAGE_LENGTH, UnsendableMessage

MENU = (("Santé", "/info_health"),)


def test_replies_without_buttons_join_the_next_one() -> None:
    replies = [Reply("Langue changée."), Reply("Que voulez-vous savoir ?", MENU)]

    assert merged(replies) == [Reply("Langue changée.\n\nQue voulez-vous savoir ?", MENU)]


def test_buttons_stay_under_their_own_text() -> None:
    replies = [Reply("Question 1", MENU), Reply("Autre chose")]

    assert merged(replies) == replies


def test_directions_are_not_mixed_in_one_message() -> None:
    replies = [Reply("تم تغيير اللغة", rtl=True), Reply("Menu")]

    assert merged(replies) == replies


def test_a_red_flag_stays_a_message_of_its_own() -> None:
    replies = [Reply("Appelez le 17", alone=True), Reply("24/29 · Question", MENU)]

    assert merged(replies) == replies


def test_no_message_goes_over_telegrams_limit() -> None:
    long = "x" * (MAX_MESSAGE_LENGTH - 10)
    replies = [Reply(long), Reply("0123456789"), Reply("fin")]

    result = merged(replies)

    assert [r.text for r in result] == [long, "0123456789\n\nfin"]
    assert all(len(r.text) <= MAX_MESSAGE_LENGTH for r in result)


def test_nothing_is_lost() -> None:
    assert merged([]) == []
    assert merged([Reply("seul")]) == [Reply("seul")]


def test_a_reply_too_long_for_one_message_goes_as_several_in_order() -> None:
    cards = [f"Service {n}\n" + "Conditions : " + "y" * 1500 for n in range(4)]
    replies = [Reply("\n\n".join(cards), MENU, rtl=True), Reply("Autre chose ?")]

    result = merged(replies)

    assert [r.text for r in result] == [
        "\n\n".join(cards[:2]),
        "\n\n".join(cards[2:]),
        "Autre chose ?",
    ]
    assert [r.buttons for r in result] == [(), MENU, ()]
    assert all(r.rtl for r in result[:2])


def test_the_parts_of_a_long_reply_join_what_comes_next_when_it_fits() -> None:
    long = "x" * 3000 + "\n\n" + "y" * 3000
    result = merged([Reply(long), Reply("Menu", MENU)])

    assert [r.text for r in result] == ["x" * 3000, "y" * 3000 + "\n\nMenu"]
    assert result[-1].buttons == MENU


def test_replies_telegram_would_refuse_are_stopped_before_the_outbox() -> None:
    assert checked(Reply("Où ?", (("Dakar", "s:info_health:0123456789"),)))
    with pytest.raises(UnsendableMessage, match="button data of 80 bytes"):
        checked(Reply("Où ?", (("Salé", "s:info_health:" + "ع" * 33),)))
