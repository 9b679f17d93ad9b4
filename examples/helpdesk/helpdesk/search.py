"""Find similar past tickets by embedding."""

import contextlib

from helpdesk.clients import openai_client


class TicketIndex:
    """An in-memory vector index (a stand-in for a real vector store)."""

    def __init__(self) -> None:
        self.vectors: dict[str, list[float]] = {}

    def add(self, ticket_id: str, text: str) -> None:
        with contextlib.suppress(Exception):
            result = openai_client.embeddings.create(model="text-embedding-3-small", input=text)
            self.vectors[ticket_id] = result.data[0].embedding

    def create(self, ticket_id: str) -> None:
        """Not a model call: ailint does not mistake this for one."""
        self.vectors.setdefault(ticket_id, [])
