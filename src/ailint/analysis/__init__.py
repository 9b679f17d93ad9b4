"""Analysis: what the code says. Finds model call sites and the facts rules judge.

Nothing in this package knows a rule code; rules consult it through
``CallSite`` and the fact helpers.
"""
