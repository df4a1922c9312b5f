"""Telegram: both runners (aiogram, python-telegram-bot), the update converter and the one sender."""
