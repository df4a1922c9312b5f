"""Moderation: proposal cards, questions to authors and answers back, statuses with reasoned answers."""
