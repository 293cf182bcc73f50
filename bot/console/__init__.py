"""The terminal chat: the same conversation core as Telegram, typed in a terminal."""
