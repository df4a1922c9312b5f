"""The web: the public site (the consultation and its public repository) and the staff desk.

Server-rendered pages (Starlette, Jinja2 with autoescaping), htmx where a page gains from it, no
JavaScript build. Every action calls the same use case in ``handlers/`` as the command line and the bot.
"""
