"""Support-desk automation: triage, summaries and reply drafts."""
