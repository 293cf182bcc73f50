"""Counted words shared by several messages: "5 minutes", "30 jours", "29 questions courtes".

Each is a plural message (``ngettext``): the catalogues give every form the language needs, six
in Arabic, and ``translate_count`` picks the one for the number.
"""

from __future__ import annotations

from bot.i18n import ngettext

MINUTES = ngettext("{n} minute", "{n} minutes")
DAYS = ngettext("{n} jour", "{n} jours")
SHORT_QUESTIONS = ngettext("{n} question courte", "{n} questions courtes")
