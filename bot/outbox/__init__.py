"""The durable outbox: its sender, the pace it keeps, and what a channel may answer."""
