"""The one list of rules, and selector resolution (codes, prefixes, names).

Everything that enumerates rules (the engine, ``ailint rules``, rule pages,
selection, pragma validation) reads ``ALL_RULES``; a rule class that is not
listed here does not exist, and a test checks every ``Rule`` subclass is.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from ailint.rules.ail0xx_meta import InvalidPragma, SyntaxErrorRule, UnusedSuppression
from ailint.rules.ail1xx_input import UnvalidatedInput
from ailint.rules.ail1xx_output import UnvalidatedOutput
from ailint.rules.ail2xx_confidence import NoConfidenceGate
from ailint.rules.ail3xx_observability import UnloggedCall, UnstructuredLog
from ailint.rules.ail4xx_errors import MissingTimeout, SwallowedError, UnhandledError
from ailint.rules.ail5xx_authority import AuthorityExceeded, UndeclaredAuthority
from ailint.rules.ail6xx_security import OutputToExec
from ailint.rules.ail7xx_measurement import UnmeasuredCall
from ailint.rules.ail8xx_capability import (
    CapabilityKpiUnrecorded,
    CapabilityModeDrift,
    CapabilityOutputDrift,
    CapabilityThresholdDrift,
    UndeclaredCapability,
)
from ailint.rules.base import CallRule, Rule

ALL_RULES: tuple[type[Rule], ...] = (
    SyntaxErrorRule,
    InvalidPragma,
    UnusedSuppression,
    UnvalidatedOutput,
    UnvalidatedInput,
    NoConfidenceGate,
    UnloggedCall,
    UnstructuredLog,
    UnhandledError,
    SwallowedError,
    MissingTimeout,
    UndeclaredAuthority,
    AuthorityExceeded,
    OutputToExec,
    UnmeasuredCall,
    CapabilityOutputDrift,
    CapabilityThresholdDrift,
    CapabilityModeDrift,
    CapabilityKpiUnrecorded,
    UndeclaredCapability,
)

BY_CODE: dict[str, type[Rule]] = {rule.code: rule for rule in ALL_RULES}
BY_NAME: dict[str, type[Rule]] = {rule.name: rule for rule in ALL_RULES}
ALL_CODES: tuple[str, ...] = tuple(sorted(BY_CODE))
DEFAULT_CODES: frozenset[str] = frozenset(r.code for r in ALL_RULES if r.enabled_by_default)

_PREFIX = re.compile(r"^AIL\d{0,3}$")


class UnknownSelector(ValueError):
    """A selector that names no rule; carries a suggestion when one is close."""

    def __init__(self, selector: str) -> None:
        self.selector = selector
        candidates = [*ALL_CODES, *BY_NAME]
        close = difflib.get_close_matches(
            selector.upper() if selector[:3].lower() == "ail" else selector, candidates, n=1
        )
        self.suggestion = close[0] if close else None
        super().__init__(selector)


def resolve_selector(selector: str) -> frozenset[str]:
    """The rule codes a selector stands for: ``AIL401``, ``AIL4``, ``AIL`` or ``unhandled-error``."""
    text = selector.strip()
    if text.upper() == "ALL":
        return frozenset(ALL_CODES)
    if text in BY_NAME:
        return frozenset({BY_NAME[text].code})
    upper = text.upper()
    if _PREFIX.match(upper):
        codes = frozenset(code for code in ALL_CODES if code.startswith(upper))
        if codes:
            return codes
    raise UnknownSelector(selector)


def resolve_selectors(selectors: Iterable[str]) -> frozenset[str]:
    """Union of several selectors; raises ``UnknownSelector`` for the first bad one."""
    codes: set[str] = set()
    for selector in selectors:
        codes |= resolve_selector(selector)
    return frozenset(codes)


def call_rules(enabled: Iterable[str]) -> list[CallRule]:
    """Instances of the enabled call rules, in code order."""
    wanted = set(enabled)
    return [rule() for rule in ALL_RULES if issubclass(rule, CallRule) and rule.code in wanted]
