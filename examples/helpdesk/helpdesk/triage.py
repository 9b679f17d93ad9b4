"""Classify tickets into queues."""

import json
import logging

import openai
from openai import OpenAI

logger = logging.getLogger(__name__)

QUEUES = {"billing", "bug", "account", "other"}

client = OpenAI(timeout=15)


def classify(ticket_text: str) -> str:
    """Return the queue for a ticket; falls back to 'other' when the model is unavailable."""
    try:
        response = client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[
                {"role": "system", "content": "Answer with one word: billing, bug, account or other."},
                {"role": "user", "content": ticket_text},
            ],
        )
    except openai.APIError as exc:
        logger.warning("triage failed", extra={"error": type(exc).__name__})
        return "other"
    queue = (response.choices[0].message.content or "").strip().lower()
    return queue if queue in QUEUES else "other"


def extract_fields(ticket_text: str) -> dict:
    """Pull the customer id and product out of a ticket."""
    response = client.chat.completions.create(
        model="gpt-4o-mini",
        response_format={"type": "json_object"},
        messages=[{"role": "user", "content": f"Extract customer_id and product as JSON: {ticket_text}"}],
    )
    return json.loads(response.choices[0].message.content)
