"""WhatsApp through Meta's Cloud API: the webhook, its converter, the renderer and sender, the runner."""
