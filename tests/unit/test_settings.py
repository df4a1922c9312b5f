"""Operators configure cocrea with environment variables; a wrong one is named in one line."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pytest

from bot.outbox.sending import Pace
from bot.settings import DEFAULT_DATABASE_URL, SettingsError, load_settings

WHATSAPP = {
    "COCREA_WHATSAPP_TOKEN": "EAAG-token",
    "COCREA_WHATSAPP_PHONE_NUMBER_ID": "1234567890",
    "COCREA_WHATSAPP_APP_SECRET": "app-secret",
    "COCREA_WHATSAPP_VERIFY_TOKEN": "verify-me",
}


def test_defaults_need_nothing() -> None:
    settings = load_settings({}, env_file=None)
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.consultation == "quito-2024"
    assert settings.send_limits == Pace(30.0, 1.0, 3, 20.0)
    assert settings.webhook_url == ""


def test_every_setting_is_read() -> None:
    settings = load_settings(
        {
            "COCREA_BOT_TOKEN": "123:abcdef",
            "COCREA_TELEGRAM_API_URL": "http://127.0.0.1:9/",
            "COCREA_DATABASE_URL": "postgresql+asyncpg://u@h/db",
            "COCREA_CONSULTATION": "cuenca-2022",
            "COCREA_MODERATORS_CHAT_ID": "-100123",
            "COCREA_WEBHOOK_URL": "https://bot.example.org/tg",
            "COCREA_WEBHOOK_SECRET": "abc_DEF-1",
            "COCREA_WEBHOOK_HOST": "127.0.0.1",
            "COCREA_WEBHOOK_PORT": "9000",
            "COCREA_SEND_PER_SECOND": "10",
            "COCREA_SEND_PER_CHAT_PER_SECOND": "0.5",
            "COCREA_SEND_CHAT_BURST": "2",
            "COCREA_SEND_PER_GROUP_PER_MINUTE": "12",
            "COCREA_OUTBOX_POLL_SECONDS": "0.5",
        },
        env_file=None,
    )
    assert settings.telegram_api_url == "http://127.0.0.1:9"
    assert settings.moderators_chat_id == "-100123"
    assert (settings.webhook_path, settings.webhook_port) == ("/tg", 9000)
    assert settings.send_limits == Pace(10.0, 0.5, 2, 12.0)
    assert settings.outbox_poll_seconds == 0.5


def test_env_file_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("COCREA_CONSULTATION=riobamba\nCOCREA_MODERATORS_CHAT_ID=-5\n", encoding="utf-8")
    settings = load_settings({"COCREA_MODERATORS_CHAT_ID": "-7"}, env_file=env)
    assert (settings.consultation, settings.moderators_chat_id) == ("riobamba", "-7")


@pytest.mark.parametrize(
    ("environment", "named"),
    [
        ({"COCREA_DATABASE_URL": "mysql://x"}, "COCREA_DATABASE_URL"),
        ({"COCREA_TELEGRAM_API_URL": "ftp://x"}, "COCREA_TELEGRAM_API_URL"),
        ({"COCREA_MODERATORS_CHAT_ID": "moderadores"}, "COCREA_MODERATORS_CHAT_ID"),
        ({"COCREA_WEBHOOK_URL": "https://x.org/hook"}, "COCREA_WEBHOOK_SECRET"),
        ({"COCREA_WEBHOOK_URL": "https://x.org/hook", "COCREA_WEBHOOK_SECRET": "has space"}, "COCREA_WEBHOOK_SECRET"),
        ({"COCREA_WEBHOOK_PORT": "99999"}, "COCREA_WEBHOOK_PORT"),
        ({"COCREA_SEND_PER_SECOND": "-1"}, "COCREA_SEND_PER_SECOND"),
        ({"COCREA_WHATSAPP_TOKEN": "EAAG"}, "COCREA_WHATSAPP_PHONE_NUMBER_ID and COCREA_WHATSAPP_APP_SECRET and"),
        ({**WHATSAPP, "COCREA_WHATSAPP_PHONE_NUMBER_ID": "+593 99"}, "COCREA_WHATSAPP_PHONE_NUMBER_ID"),
        ({**WHATSAPP, "COCREA_WHATSAPP_API_URL": "graph.facebook.com"}, "COCREA_WHATSAPP_API_URL"),
        ({**WHATSAPP, "COCREA_WHATSAPP_PER_SECOND": "0"}, "COCREA_WHATSAPP_PER_SECOND"),
        ({"COCREA_WHATSAPP_DOORBELL": "es:cocrea_aviso"}, "COCREA_WHATSAPP_DOORBELL"),
        ({"COCREA_REMINDER_AFTER_HOURS": "30"}, "COCREA_REMINDER_AFTER_HOURS"),
        ({"COCREA_REMINDER_HOURS": "21-8"}, "COCREA_REMINDER_HOURS"),
        ({"COCREA_REMINDER_HOURS": "8-25"}, "COCREA_REMINDER_HOURS"),
    ],
)
def test_a_wrong_setting_is_named(environment: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        load_settings(environment, env_file=None)


def test_whatsapp_is_configured_by_its_five_settings_and_its_doorbells() -> None:
    settings = load_settings(
        {
            **WHATSAPP,
            "COCREA_WHATSAPP_DOORBELL": "es=cocrea_aviso, en=cocrea_notice:en_US",
            "COCREA_WHATSAPP_PER_SECOND": "250",
        },
        env_file=None,
    )
    whatsapp = settings.whatsapp
    assert whatsapp.enabled and whatsapp.api_url.startswith("https://graph.facebook.com/v")
    assert dict(whatsapp.doorbells) == {"es": ("cocrea_aviso", "es"), "en": ("cocrea_notice", "en_US")}
    assert whatsapp.pace.per_second == 250 and whatsapp.pace.per_chat_per_second == pytest.approx(1 / 6)
    assert "EAAG" not in repr(settings) and "app-secret" not in repr(settings), "secrets stay out of logs"
    assert not load_settings({}, env_file=None).whatsapp.enabled


def test_reminders_are_configured_in_hours() -> None:
    policy = load_settings(
        {"COCREA_REMINDER_AFTER_HOURS": "18", "COCREA_REMINDER_HOURS": "07:30-20"}, env_file=None
    ).reminders
    assert (policy.after, policy.day_starts, policy.day_ends) == (timedelta(hours=18), time(7, 30), time(20))
    assert not load_settings({"COCREA_REMINDER_AFTER_HOURS": "0"}, env_file=None).reminders.enabled


def test_cocrea_run_needs_a_channel_and_names_both() -> None:
    with pytest.raises(SettingsError, match=r"COCREA_BOT_TOKEN .*COCREA_WHATSAPP_TOKEN"):
        load_settings({}, env_file=None).require_channel()
    load_settings(WHATSAPP, env_file=None).require_channel()  # WhatsApp alone is enough
    with pytest.raises(SettingsError, match="COCREA_MODERATORS_CHAT_ID is a Telegram group"):
        load_settings({**WHATSAPP, "COCREA_MODERATORS_CHAT_ID": "-100"}, env_file=None).require_channel()
    with pytest.raises(SettingsError, match="does not look like a bot token"):
        load_settings({**WHATSAPP, "COCREA_BOT_TOKEN": "x"}, env_file=None).require_channel()


def test_the_token_is_required_to_run_and_points_to_chat() -> None:
    with pytest.raises(SettingsError, match=r"COCREA_BOT_TOKEN.*cocrea chat"):
        load_settings({}, env_file=None).require_token()
    with pytest.raises(SettingsError, match="does not look like a bot token"):
        load_settings({"COCREA_BOT_TOKEN": "hello"}, env_file=None).require_token()
