"""``python -m ailint``: the same entry point as the ``ailint`` console script."""

from ailint.cli import main

if __name__ == "__main__":  # pragma: no cover - exercised through subprocess tests
    main()
