"""``cocrea chat`` tells the conversation the terminal's language, as a phone's app tells Telegram its own."""

from __future__ import annotations

from bot.terminal import terminal_language


def test_the_locale_gives_the_language() -> None:
    assert terminal_language({"LANG": "es_EC.UTF-8"}) == "es"
    assert terminal_language({"LANG": "en_GB.UTF-8", "LC_MESSAGES": "es_EC.UTF-8"}) == "es", "messages win"
    assert terminal_language({"LANG": "es_EC.UTF-8", "LC_ALL": "en_US.UTF-8"}) == "en", "LC_ALL wins over all"


def test_no_locale_or_the_c_locale_says_nothing() -> None:
    assert terminal_language({}) == ""
    assert terminal_language({"LANG": "C.UTF-8"}) == ""
    assert terminal_language({"LC_ALL": "POSIX"}) == ""
