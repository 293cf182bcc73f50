"""Settings: everything optional, and bad values stop start-up naming the variable."""

from __future__ import annotations

import pytest

from bot.settings import ConfigError, load_settings


def test_embedded_default_needs_no_variable() -> None:
    settings = load_settings({})

    assert settings.mode == "console"
    assert settings.default_locale == "fr"
    assert settings.database_url.startswith("sqlite:///")
    assert settings.database_url.endswith("var/bot.db")


def test_token_selects_polling_and_webhook_url_selects_webhook() -> None:
    assert load_settings({"TELEGRAM_BOT_TOKEN": "1:a"}).mode == "polling"
    webhook = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": "1:a",
            "TELEGRAM_WEBHOOK_URL": "https://example.org/telegram",
            "TELEGRAM_WEBHOOK_SECRET": "s3cret_-",
        }
    )
    assert webhook.mode == "webhook"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DEFAULT_LOCALE": "de"}, "DEFAULT_LOCALE"),
        ({"GATEWAY_PORT": "eighty"}, "GATEWAY_PORT"),
        ({"TELEGRAM_WEBHOOK_URL": "https://x.org/t"}, "TELEGRAM_WEBHOOK_SECRET"),
        (
            {"TELEGRAM_WEBHOOK_URL": "https://x.org/t", "TELEGRAM_WEBHOOK_SECRET": "a b"},
            "TELEGRAM_WEBHOOK_SECRET",
        ),
        ({"TELEGRAM_WEBHOOK_SECRET": "clé-secrète"}, "TELEGRAM_WEBHOOK_SECRET"),
        ({"TELEGRAM_WEBHOOK_SECRET": "سر٣"}, "TELEGRAM_WEBHOOK_SECRET"),
        ({"TELEGRAM_WEBHOOK_SECRET": "a" * 257}, "TELEGRAM_WEBHOOK_SECRET"),
        ({"ATTACHMENT_MAX_MB": "21"}, "ATTACHMENT_MAX_MB"),
        ({"ATTACHMENT_MAX_MB": "0"}, "ATTACHMENT_MAX_MB"),
        ({"ATTACHMENT_MAX_MB": "ten"}, "ATTACHMENT_MAX_MB"),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        load_settings(env)


@pytest.mark.parametrize("secret", ["a", "A-z_09", "x" * 256])
def test_webhook_secrets_telegram_takes_are_taken(secret: str) -> None:
    assert load_settings({"TELEGRAM_WEBHOOK_SECRET": secret}).webhook_secret == secret


def test_a_refused_webhook_secret_is_explained_without_being_shown() -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings({"TELEGRAM_WEBHOOK_SECRET": "clé-secrète"})

    assert str(refused.value) == (
        "TELEGRAM_WEBHOOK_SECRET has 11 characters; Telegram takes 1-256 characters, "
        "each one of A-Z, a-z, 0-9, _ and -"
    )


def test_the_attachment_cap_is_ten_megabytes_unless_set() -> None:
    assert load_settings({}).attachment_max_bytes == 10 * 1024 * 1024
    assert load_settings({"ATTACHMENT_MAX_MB": "20"}).attachment_max_bytes == 20 * 1024 * 1024
