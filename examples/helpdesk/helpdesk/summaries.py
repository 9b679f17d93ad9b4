"""Summarise long ticket threads for agents."""

import anthropic

from helpdesk.clients import claude


def summarize_thread(messages: list[str]) -> str:
    """A short summary of a thread, or an empty string when rate limited."""
    try:
        reply = claude.messages.create(
            model="claude-sonnet-4-5",
            max_tokens=400,
            messages=[{"role": "user", "content": "\n\n".join(messages)}],
        )
    except anthropic.RateLimitError:
        return ""
    return reply.content[0].text


class ReplyDrafter:
    """Drafts a reply for an agent to review."""

    def __init__(self, tone: str = "friendly") -> None:
        self.tone = tone
        self.client = anthropic.Anthropic()

    def draft(self, summary: str) -> str:
        message = self.client.messages.create(
            model="claude-sonnet-4-5",
            max_tokens=600,
            system=f"You write {self.tone} support replies.",
            messages=[{"role": "user", "content": summary}],
        )
        return message.content[0].text
