"""Test doubles for external services (e.g. a fake Telegram Bot API server)."""
