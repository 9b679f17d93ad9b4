"""``python -m ailint``: the same entry point as the ``ailint`` console script.

``python -m`` puts the working directory first on ``sys.path``. Run from the
root of the project being linted, a module of that project named like one
ailint imports (``click.py``, ``json.py``) would be imported, and executed,
in its place. That entry is taken off before anything else is imported, as
``python -P`` does.
"""

import os
import sys

if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from ailint.cli import main

if __name__ == "__main__":  # pragma: no cover - exercised through subprocess tests
    main()
