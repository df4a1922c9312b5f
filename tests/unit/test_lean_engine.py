"""What the engine's cheaper per-update work must keep (issue 13, "A leaner engine")."""

from __future__ import annotations

import json
from dataclasses import asdict

from handlers.messages import Address, Choice, Outgoing, Reference


def test_a_message_is_stored_as_the_json_of_all_its_fields() -> None:
    full = Outgoing(
        to=Address("telegram", "42"),
        text="¿Con qué eje temático?",
        choices=((Choice("axis:1", "Movilidad", "Mov."), Choice("axis:2", "Agua")), (Choice("axis:3", "Aire"),)),
        reply_to="7",
        thread="9",
        new_thread="UIO-0042",
        replaces="8",
        answered="Sí",
        about=Reference("card", 42, 7),
        language="es",
        subject="tu propuesta",
    )
    plain = Outgoing(to=Address("whatsapp", "593"), text="hola")
    for message in (full, plain):
        assert message.to_json() == json.dumps(asdict(message), ensure_ascii=False)
        assert Outgoing.from_json(message.to_json()) == message
