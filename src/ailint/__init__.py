"""ailint: a static-analysis linter for code that calls AI models.

This module stays import-light on purpose: ``ailint --version`` reads
``__version__`` from here and must not pull in LibCST.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
