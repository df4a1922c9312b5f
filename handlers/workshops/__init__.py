"""In-person workshops: their work tables, the facilitator mode of the chat, the spreadsheet template and
its import, and the plenary summary. Workshop proposals join the chat's in one pool: same codes, exports,
statistics, moderation and reasoned answers."""
