"""Fingerprints: what a finding is, independently of where it currently sits.

A baseline must keep recognising a finding after someone inserts lines above
it, reformats the call or adds a comment inside it, so a fingerprint never
includes a line or column. It hashes the rule code, the enclosing function's
qualified name and the reported source with its layout normalised (tokens
joined by single spaces, comments dropped). Two identical calls in one
function share a fingerprint; baselines count them rather than collapse them.
"""

from __future__ import annotations

import hashlib
import io
import tokenize

_LAYOUT = frozenset(
    {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
)
_CLOSING = frozenset({")", "]", "}"})


def normalise(source: str) -> str:
    """``source`` as its tokens separated by single spaces, without comments or trailing commas.

    A fragment the tokenizer rejects (an unbalanced piece of a statement) falls
    back to collapsing runs of whitespace.
    """
    try:
        tokens = [
            token.string
            for token in tokenize.generate_tokens(io.StringIO(source).readline)
            if token.type not in _LAYOUT
        ]
    except (tokenize.TokenError, SyntaxError, ValueError):
        return " ".join(source.split())
    # A formatter's "magic" trailing comma is layout too.
    kept = [t for i, t in enumerate(tokens) if not (t == "," and i + 1 < len(tokens) and tokens[i + 1] in _CLOSING)]
    return " ".join(kept)


def fingerprint(code: str, function: str, source: str, *, normalised: bool = False) -> str:
    """A short, stable hash of a finding's code, enclosing function and normalised source.

    ``normalised``: ``source`` went through :func:`normalise` already (once for
    the several findings of one node).
    """
    text = "\0".join((code, function, source if normalised else normalise(source)))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
