"""Reporters: one ``render`` per output format, each a pure function of the run."""
