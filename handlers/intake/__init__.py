"""The intake conversation: its table of steps, the questions, the review, onboarding and commands."""
