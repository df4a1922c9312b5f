"""Operators configure cocrea with environment variables; a wrong one is named in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.pacing import Limits
from bot.settings import DEFAULT_DATABASE_URL, SettingsError, load_settings


def test_defaults_need_nothing() -> None:
    settings = load_settings({}, env_file=None)
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.consultation == "quito-2024"
    assert settings.send_limits == Limits(30.0, 1.0, 3, 20.0)
    assert settings.webhook_url == ""


def test_every_setting_is_read() -> None:
    settings = load_settings({
        "COCREA_BOT_TOKEN": "123:abcdef", "COCREA_TELEGRAM_API_URL": "http://127.0.0.1:9/",
        "COCREA_DATABASE_URL": "postgresql+asyncpg://u@h/db", "COCREA_CONSULTATION": "cuenca-2022",
        "COCREA_MODERATORS_CHAT_ID": "-100123", "COCREA_WEBHOOK_URL": "https://bot.example.org/tg",
        "COCREA_WEBHOOK_SECRET": "abc_DEF-1", "COCREA_WEBHOOK_HOST": "127.0.0.1", "COCREA_WEBHOOK_PORT": "9000",
        "COCREA_SEND_PER_SECOND": "10", "COCREA_SEND_PER_CHAT_PER_SECOND": "0.5", "COCREA_SEND_CHAT_BURST": "2",
        "COCREA_SEND_PER_GROUP_PER_MINUTE": "12", "COCREA_OUTBOX_POLL_SECONDS": "0.5",
    }, env_file=None)
    assert settings.telegram_api_url == "http://127.0.0.1:9"
    assert settings.moderators_chat_id == -100123
    assert (settings.webhook_path, settings.webhook_port) == ("/tg", 9000)
    assert settings.send_limits == Limits(10.0, 0.5, 2, 12.0)
    assert settings.outbox_poll_seconds == 0.5


def test_env_file_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("COCREA_CONSULTATION=riobamba\nCOCREA_MODERATORS_CHAT_ID=-5\n", encoding="utf-8")
    settings = load_settings({"COCREA_MODERATORS_CHAT_ID": "-7"}, env_file=env)
    assert (settings.consultation, settings.moderators_chat_id) == ("riobamba", -7)


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
    ],
)
def test_a_wrong_setting_is_named(environment: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        load_settings(environment, env_file=None)


def test_the_token_is_required_to_run_and_points_to_chat() -> None:
    with pytest.raises(SettingsError, match=r"COCREA_BOT_TOKEN.*cocrea chat"):
        load_settings({}, env_file=None).require_token()
    with pytest.raises(SettingsError, match="does not look like a bot token"):
        load_settings({"COCREA_BOT_TOKEN": "hello"}, env_file=None).require_token()
