"""Settings from the environment (and ``.env``). A wrong one stops the process with one clear line."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path
from types import MappingProxyType
from urllib.parse import urlparse

from dotenv import dotenv_values

from bot.outbox.pacing import TELEGRAM_PACE
from bot.outbox.sending import Pace
from handlers.intake.reminder_policy import ReminderPolicy

DEFAULT_API_URL = "https://api.telegram.org"
DEFAULT_GRAPH_URL = "https://graph.facebook.com/v23.0"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///cocrea.db"
DEFAULT_CONSULTATION = "quito-2024"
_TOKEN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{5,}$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_TEMPLATE = re.compile(
    r"^(?P<language>[a-z]{2,3})=(?P<name>[a-z0-9_]{1,512})(?::(?P<code>[A-Za-z]{2,3}(?:_[A-Za-z]{2})?))?$"
)
_HOURS = re.compile(r"^(\d{1,2})(?::(\d{2}))?-(\d{1,2})(?::(\d{2}))?$")
WHATSAPP_PER_PERSON = (1 / 6, 45)
"""Meta's pair rate: about one message every 6 seconds to one person, bursts of up to 45."""


@dataclass(frozen=True)
class WhatsAppSettings:
    """The WhatsApp Cloud API channel; served when ``token`` is set."""

    token: str = field(default="", repr=False)
    phone_number_id: str = ""
    app_secret: str = field(default="", repr=False)
    """Checks ``X-Hub-Signature-256`` on every webhook."""
    verify_token: str = field(default="", repr=False)
    """What Meta's subscription handshake must send."""
    api_url: str = DEFAULT_GRAPH_URL
    per_second: float = 80.0
    doorbells: Mapping[str, tuple[str, str]] = field(default_factory=lambda: MappingProxyType({}))
    """Conversation language -> (approved template name, Meta language code) of the doorbell."""

    @property
    def enabled(self) -> bool:
        return bool(self.token)

    @property
    def pace(self) -> Pace:
        per_person, burst = WHATSAPP_PER_PERSON
        return Pace(per_second=self.per_second, per_chat_per_second=per_person, chat_burst=burst)


class SettingsError(Exception):
    """One line for the operator, naming the setting."""


@dataclass(frozen=True)
class Settings:
    bot_token: str
    telegram_api_url: str
    database_url: str
    consultation: str
    moderators_chat_id: str | None
    webhook_url: str
    webhook_secret: str
    webhook_host: str
    webhook_port: int
    log_level: str
    web_host: str = "127.0.0.1"
    web_port: int = 8000
    web_base_url: str = "http://127.0.0.1:8000"
    send_limits: Pace = TELEGRAM_PACE
    outbox_poll_seconds: float = 2.0
    data_dir: Path = Path("data")
    whatsapp: WhatsAppSettings = field(default_factory=WhatsAppSettings)
    reminders: ReminderPolicy = field(default_factory=ReminderPolicy)

    @property
    def sqlite_path(self) -> Path | None:
        """The database file, when the database is SQLite."""
        if not self.database_url.startswith("sqlite+aiosqlite:///"):
            return None
        return Path(self.database_url.removeprefix("sqlite+aiosqlite:///")).expanduser().resolve()

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

    def require_channel(self) -> None:
        """``cocrea run`` serves Telegram, WhatsApp or both: at least one must be configured."""
        if not self.bot_token and not self.whatsapp.enabled:
            raise SettingsError(
                "neither COCREA_BOT_TOKEN (Telegram) nor COCREA_WHATSAPP_TOKEN (WhatsApp) is set: set one or both "
                "in the environment or in .env (to try the conversation without a channel, run `cocrea chat`)."
            )
        if self.bot_token:
            self.require_token()
        if self.moderators_chat_id and not self.bot_token:
            raise SettingsError(
                "COCREA_MODERATORS_CHAT_ID is a Telegram group: it needs COCREA_BOT_TOKEN too "
                "(the moderators work on Telegram whatever channel citizens use)."
            )


def load_settings(environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")) -> Settings:
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)

    def get(name: str, default: str = "") -> str:
        return values.get(name, default).strip() or default

    webhook_url = get("COCREA_WEBHOOK_URL")
    web_host = get("COCREA_WEB_HOST", "127.0.0.1")
    web_port = _port(get("COCREA_WEB_PORT", "8000"), "COCREA_WEB_PORT")
    web_base_url = get("COCREA_WEB_BASE_URL")
    settings = Settings(
        bot_token=get("COCREA_BOT_TOKEN"),
        telegram_api_url=_url("COCREA_TELEGRAM_API_URL", get("COCREA_TELEGRAM_API_URL", DEFAULT_API_URL)),
        database_url=_database_url(get("COCREA_DATABASE_URL", DEFAULT_DATABASE_URL)),
        consultation=get("COCREA_CONSULTATION", DEFAULT_CONSULTATION),
        moderators_chat_id=_optional_int("COCREA_MODERATORS_CHAT_ID", get("COCREA_MODERATORS_CHAT_ID")),
        webhook_url=_url("COCREA_WEBHOOK_URL", webhook_url) if webhook_url else "",
        webhook_secret=get("COCREA_WEBHOOK_SECRET"),
        webhook_host=get("COCREA_WEBHOOK_HOST", "0.0.0.0"),
        webhook_port=_port(get("COCREA_WEBHOOK_PORT", "8080"), "COCREA_WEBHOOK_PORT"),
        web_host=web_host,
        web_port=web_port,
        web_base_url=_url("COCREA_WEB_BASE_URL", web_base_url) if web_base_url else _local_url(web_host, web_port),
        log_level=_log_level(get("COCREA_LOG_LEVEL", "INFO")),
        data_dir=Path(get("COCREA_DATA_DIR", "data")).expanduser(),
        outbox_poll_seconds=_rate("COCREA_OUTBOX_POLL_SECONDS", get("COCREA_OUTBOX_POLL_SECONDS", "2")),
        send_limits=Pace(
            per_second=_rate("COCREA_SEND_PER_SECOND", get("COCREA_SEND_PER_SECOND", "30")),
            per_chat_per_second=_rate("COCREA_SEND_PER_CHAT_PER_SECOND", get("COCREA_SEND_PER_CHAT_PER_SECOND", "1")),
            chat_burst=int(_rate("COCREA_SEND_CHAT_BURST", get("COCREA_SEND_CHAT_BURST", "3"))),
            per_group_per_minute=_rate(
                "COCREA_SEND_PER_GROUP_PER_MINUTE", get("COCREA_SEND_PER_GROUP_PER_MINUTE", "20")
            ),
        ),
        whatsapp=_whatsapp(get),
        reminders=_reminders(get("COCREA_REMINDER_AFTER_HOURS", "20"), get("COCREA_REMINDER_HOURS", "8-21")),
    )
    _check_webhook(settings)
    return settings


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _log_level(value: str) -> str:
    level = value.upper()
    if level not in LOG_LEVELS:
        raise SettingsError(f"COCREA_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {value!r}.")
    return level


def _whatsapp(get: Callable[..., str]) -> WhatsAppSettings:
    settings = WhatsAppSettings(
        token=get("COCREA_WHATSAPP_TOKEN"),
        phone_number_id=get("COCREA_WHATSAPP_PHONE_NUMBER_ID"),
        app_secret=get("COCREA_WHATSAPP_APP_SECRET"),
        verify_token=get("COCREA_WHATSAPP_VERIFY_TOKEN"),
        api_url=_url("COCREA_WHATSAPP_API_URL", get("COCREA_WHATSAPP_API_URL", DEFAULT_GRAPH_URL)),
        per_second=_rate("COCREA_WHATSAPP_PER_SECOND", get("COCREA_WHATSAPP_PER_SECOND", "80")),
        doorbells=_doorbells(get("COCREA_WHATSAPP_DOORBELL")),
    )
    if not settings.enabled:
        return settings
    missing = [
        name
        for name, value in (
            ("COCREA_WHATSAPP_PHONE_NUMBER_ID", settings.phone_number_id),
            ("COCREA_WHATSAPP_APP_SECRET", settings.app_secret),
            ("COCREA_WHATSAPP_VERIFY_TOKEN", settings.verify_token),
        )
        if not value
    ]
    if missing:
        raise SettingsError(f"COCREA_WHATSAPP_TOKEN is set but {' and '.join(missing)} is not (see the README).")
    if not settings.phone_number_id.isdigit():
        raise SettingsError("COCREA_WHATSAPP_PHONE_NUMBER_ID must be the number's id from Meta (digits only).")
    return settings


def _doorbells(value: str) -> Mapping[str, tuple[str, str]]:
    """``es=cocrea_aviso,en=cocrea_notice:en_US``: per conversation language, a template and its Meta language."""
    doorbells: dict[str, tuple[str, str]] = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        match = _TEMPLATE.match(item)
        if match is None:
            raise SettingsError(
                f"COCREA_WHATSAPP_DOORBELL: {item!r} is not LANGUAGE=TEMPLATE[:META_LANGUAGE] "
                "(e.g. es=cocrea_aviso,en=cocrea_notice:en_US)."
            )
        doorbells[match["language"]] = (match["name"], match["code"] or match["language"])
    return MappingProxyType(doorbells)


def _reminders(after: str, hours: str) -> ReminderPolicy:
    try:
        silence = float(after)
    except ValueError:
        silence = -1.0
    if not 0 <= silence <= 23:
        raise SettingsError(f"COCREA_REMINDER_AFTER_HOURS must be between 0 (no reminders) and 23, got {after!r}.")
    match = _HOURS.match(hours.replace(" ", ""))
    bounds = [int(n or 0) for n in match.groups()] if match else []
    if not bounds or bounds[0] > 23 or bounds[2] > 23 or bounds[1] > 59 or bounds[3] > 59:
        raise SettingsError(f"COCREA_REMINDER_HOURS must look like 8-21 or 08:30-20:00, got {hours!r}.")
    starts, ends = time(bounds[0], bounds[1]), time(bounds[2], bounds[3])
    if not starts < ends:
        raise SettingsError(f"COCREA_REMINDER_HOURS: the day must start before it ends, got {hours!r}.")
    return ReminderPolicy(after=timedelta(hours=silence), day_starts=starts, day_ends=ends)


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


def _optional_int(name: str, value: str) -> str | None:
    if not value:
        return None
    try:
        return str(int(value))
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


def _port(value: str, name: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise SettingsError(f"{name} must be a port number, got {value!r}.")
    return int(value)


def _local_url(host: str, port: int) -> str:
    """The web's address when COCREA_WEB_BASE_URL is not set: where it listens (localhost for 0.0.0.0)."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    return f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"


def _check_webhook(settings: Settings) -> None:
    if not settings.webhook_url:
        return
    if not settings.webhook_secret:
        raise SettingsError("COCREA_WEBHOOK_SECRET must be set when COCREA_WEBHOOK_URL is (1-256 of A-Z a-z 0-9 _ -).")
    if not _SECRET.match(settings.webhook_secret):
        raise SettingsError("COCREA_WEBHOOK_SECRET may only hold 1-256 of the characters A-Z a-z 0-9 _ -.")
