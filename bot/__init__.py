"""The process: settings, composition root, runners, outbox sender, CLI."""
