"""What the web asks the Bot API for: the bot's public link and the photos citizens attached."""

from __future__ import annotations

from bot.telegram.files import TelegramPhotos, bot_link
from tests.e2e.fake_bot_api import BOT_USERNAME, FakeBotApi

JPEG = b"\xff\xd8\xff\xe0-a-photo-of-the-bus-stop"


async def test_the_bot_link_comes_from_its_name(fake: FakeBotApi) -> None:
    assert await bot_link(fake.base_url, fake.token) == f"https://t.me/{BOT_USERNAME}"


async def test_no_link_when_telegram_refuses_or_does_not_answer(fake: FakeBotApi) -> None:
    assert await bot_link(fake.base_url, "999:WRONG-TOKEN") is None
    assert await bot_link("http://127.0.0.1:9", fake.token) is None


async def test_a_photo_is_fetched_by_its_file_id(fake: FakeBotApi) -> None:
    stored = fake.new_file("photo", "parada.jpg", JPEG, "image/jpeg")
    photos = TelegramPhotos(fake.base_url, fake.token)
    assert await photos.fetch(stored.file_id) == JPEG
    assert await photos.fetch("no-such-file") is None
    assert await TelegramPhotos("http://127.0.0.1:9", fake.token).fetch(stored.file_id) is None
