"""``ailint server``: a Language Server for editors, from the same engine and cache as the CLI.

It needs pygls and lsprotocol (``pip install 'ailint[lsp]'``); nothing else
of ailint imports this package's modules.
"""

from __future__ import annotations

import sys

INSTALL_HINT = "ailint: error: `ailint server` needs the lsp extra: pip install 'ailint[lsp]'"


def run() -> int:
    """Serve over stdio until the client ends the session; 2, with one line on stderr, without pygls."""
    try:
        import lsprotocol  # noqa: F401
        import pygls  # noqa: F401
    except ImportError:
        print(INSTALL_HINT, file=sys.stderr)
        return 2
    from ailint.server.lsp import serve

    serve()
    return 0
