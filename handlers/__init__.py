"""What the bot does with each incoming event, with no Telegram library in sight."""
