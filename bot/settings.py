"""Settings from the environment (and ``.env``). A wrong one stops the process with one clear line."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from dotenv import dotenv_values

from bot.pacing import Limits

DEFAULT_API_URL = "https://api.telegram.org"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///cocrea.db"
DEFAULT_CONSULTATION = "quito-2024"
_TOKEN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{5,}$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class SettingsError(Exception):
    """One line for the operator, naming the setting."""


@dataclass(frozen=True)
class Settings:
    bot_token: str
    telegram_api_url: str
    database_url: str
    consultation: str
    moderators_chat_id: int | None
    webhook_url: str
    webhook_secret: str
    webhook_host: str
    webhook_port: int
    log_level: str
    send_limits: Limits = field(default_factory=Limits)
    outbox_poll_seconds: float = 2.0
    data_dir: Path = Path("data")

    @property
    def webhook_path(self) -> str:
        return urlparse(self.webhook_url).path or "/"

    def require_token(self) -> str:
        if not self.bot_token:
            raise SettingsError(
                "COCREA_BOT_TOKEN is not set: put the token @BotFather gave you in the environment or in .env "
                "(to try the conversation without Telegram, run `cocrea chat`)."
            )
        if not _TOKEN.match(self.bot_token):
            raise SettingsError("COCREA_BOT_TOKEN does not look like a bot token (expected 123456:ABC-...).")
        return self.bot_token


def load_settings(environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")) -> Settings:
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)

    def get(name: str, default: str = "") -> str:
        return values.get(name, default).strip() or default

    webhook_url = get("COCREA_WEBHOOK_URL")
    settings = Settings(
        bot_token=get("COCREA_BOT_TOKEN"),
        telegram_api_url=_url("COCREA_TELEGRAM_API_URL", get("COCREA_TELEGRAM_API_URL", DEFAULT_API_URL)),
        database_url=_database_url(get("COCREA_DATABASE_URL", DEFAULT_DATABASE_URL)),
        consultation=get("COCREA_CONSULTATION", DEFAULT_CONSULTATION),
        moderators_chat_id=_optional_int("COCREA_MODERATORS_CHAT_ID", get("COCREA_MODERATORS_CHAT_ID")),
        webhook_url=_url("COCREA_WEBHOOK_URL", webhook_url) if webhook_url else "",
        webhook_secret=get("COCREA_WEBHOOK_SECRET"),
        webhook_host=get("COCREA_WEBHOOK_HOST", "0.0.0.0"),
        webhook_port=_port(get("COCREA_WEBHOOK_PORT", "8080")),
        log_level=get("COCREA_LOG_LEVEL", "INFO").upper(),
        data_dir=Path(get("COCREA_DATA_DIR", "data")).expanduser(),
        outbox_poll_seconds=_rate("COCREA_OUTBOX_POLL_SECONDS", get("COCREA_OUTBOX_POLL_SECONDS", "2")),
        send_limits=Limits(
            per_second=_rate("COCREA_SEND_PER_SECOND", get("COCREA_SEND_PER_SECOND", "30")),
            per_chat_per_second=_rate("COCREA_SEND_PER_CHAT_PER_SECOND", get("COCREA_SEND_PER_CHAT_PER_SECOND", "1")),
            chat_burst=int(_rate("COCREA_SEND_CHAT_BURST", get("COCREA_SEND_CHAT_BURST", "3"))),
            per_group_per_minute=_rate(
                "COCREA_SEND_PER_GROUP_PER_MINUTE", get("COCREA_SEND_PER_GROUP_PER_MINUTE", "20")),
        ),
    )
    _check_webhook(settings)
    return settings


def _url(name: str, value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SettingsError(f"{name} must be an http(s) URL, got {value!r}.")
    return value.rstrip("/")


def _database_url(value: str) -> str:
    if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        raise SettingsError(
            "COCREA_DATABASE_URL must start with sqlite+aiosqlite:// or postgresql+asyncpg://, "
            f"got {value.split('://')[0]!r}."
        )
    return value


def _optional_int(name: str, value: str) -> int | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise SettingsError(f"{name} must be a number (a Telegram chat id such as -1001234567890).") from None


def _rate(name: str, value: str) -> float:
    try:
        rate = float(value)
    except ValueError:
        rate = 0.0
    if not rate > 0:
        raise SettingsError(f"{name} must be a positive number, got {value!r}.")
    return rate


def _port(value: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise SettingsError(f"COCREA_WEBHOOK_PORT must be a port number, got {value!r}.")
    return int(value)


def _check_webhook(settings: Settings) -> None:
    if not settings.webhook_url:
        return
    if not settings.webhook_secret:
        raise SettingsError("COCREA_WEBHOOK_SECRET must be set when COCREA_WEBHOOK_URL is (1-256 of A-Z a-z 0-9 _ -).")
    if not _SECRET.match(settings.webhook_secret):
        raise SettingsError("COCREA_WEBHOOK_SECRET may only hold 1-256 of the characters A-Z a-z 0-9 _ -.")
