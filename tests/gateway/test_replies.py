"""A turn's replies reach Telegram in as few messages as read well."""

from __future__ import annotations

from bot.gateway.replies import MAX_MESSAGE_LENGTH, Reply, merged

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
