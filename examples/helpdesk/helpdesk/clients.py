"""Model clients shared by the service."""

import anthropic
from openai import OpenAI

openai_client = OpenAI(timeout=20, max_retries=2)
claude = anthropic.Anthropic(timeout=30)
