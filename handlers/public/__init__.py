"""The public repository: what was received and what became of it, with nothing about the person."""
