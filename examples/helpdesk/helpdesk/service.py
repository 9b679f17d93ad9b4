"""The request handler that ties triage, summaries and drafts together."""

from helpdesk.search import TicketIndex
from helpdesk.summaries import ReplyDrafter, summarize_thread
from helpdesk.triage import classify, extract_fields

index = TicketIndex()


def handle_ticket(ticket_id: str, thread: list[str]) -> dict:
    index.create(ticket_id)
    index.add(ticket_id, thread[-1])
    summary = summarize_thread(thread)
    return {
        "queue": classify(thread[-1]),
        "fields": extract_fields(thread[-1]),
        "draft": ReplyDrafter().draft(summary),
    }
