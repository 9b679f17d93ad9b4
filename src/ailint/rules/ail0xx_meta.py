"""AIL0xx: rules about the file itself rather than a model call."""

from __future__ import annotations

from typing import ClassVar

from ailint.diagnostics import Severity
from ailint.rules.base import Concern, FileRule


class SyntaxErrorRule(FileRule):
    """## What it does
    Reports a file that cannot be parsed, at the line and column of the error.
    In a Jupyter notebook, that is a code cell's error (reported in its cell),
    or JSON that is not a notebook (reported where the JSON goes wrong).

    ## Why is this bad?
    ailint cannot check what it cannot read: every model call in the file goes
    unchecked. The file is reported instead of crashing the run, and every
    other file is still checked.

    ## Example
    ```python
    response = client.chat.completions.create(
    ```

    ## Use instead
    ```python
    response = client.chat.completions.create(model="gpt-4o", messages=messages)
    ```

    ## Options
    None.
    """

    code: ClassVar[str] = "AIL001"
    name: ClassVar[str] = "syntax-error"
    severity: ClassVar[Severity] = Severity.ERROR
    concern: ClassVar[Concern] = Concern.META
    summary: ClassVar[str] = "The file cannot be parsed."
    message: ClassVar[str] = "cannot parse file: {error}"


class InvalidPragma(FileRule):
    """## What it does
    Reports an `# ailint:` comment that is malformed, and a suppression comment
    (`# noqa: ...`, `# ailint: ignore[...]`) or authority pragma that names an
    unknown rule code or authority mode. The message lists what is valid.

    ## Why is this bad?
    A pragma that ailint cannot read does nothing: a misspelt suppression
    leaves the diagnostic in place, and a misspelt authority mode leaves the
    call undeclared. Saying so is better than silently ignoring it.

    ## Example
    ```python
    reply = client.chat.completions.create(model=m, messages=msgs)  # ailint: ignore[AIL999]
    ```

    ## Use instead
    ```python
    reply = client.chat.completions.create(model=m, messages=msgs)  # ailint: ignore[AIL401]
    ```

    ## Options
    None.
    """

    code: ClassVar[str] = "AIL002"
    name: ClassVar[str] = "invalid-pragma"
    severity: ClassVar[Severity] = Severity.ERROR
    concern: ClassVar[Concern] = Concern.META
    summary: ClassVar[str] = "An `# ailint:` or `# noqa:` comment is malformed or names something unknown."
    message: ClassVar[str] = "{problem}"


class UnusedSuppression(FileRule):
    """## What it does
    Reports a suppression comment (`# noqa: AILxxx` or `# ailint: ignore[...]`)
    that names a code which silenced nothing in this run: no diagnostic with
    that code was reported on the comment's line, or the code is not enabled,
    or `per-file-ignores` switches it off for the file. It points at the
    comment and lists the codes that did nothing.

    This rule is not in the default selection, like Ruff's `RUF100`. A
    selector that names it turns it on: its code or name, or a prefix such as
    `AIL0` or `AIL` (`--select AIL`, or `select = ["AIL"]` in configuration).

    ## Why is this bad?
    A suppression outlives the problem it hid. Once the call is fixed (or
    moved to another line) the comment silences nothing, yet a reader still
    takes it as a statement that the call is unsafe, and it will hide the
    next real finding on that line.

    ## Example
    ```python
    import openai

    client = openai.OpenAI()

    try:
        reply = client.chat.completions.create(model="gpt-4o", messages=[])  # noqa: AIL401
    except openai.APIError:
        reply = None
    ```

    ## Use instead
    ```python
    import openai

    client = openai.OpenAI()

    try:
        reply = client.chat.completions.create(model="gpt-4o", messages=[])
    except openai.APIError:
        reply = None
    ```

    ## Options
    None. Codes that are not enabled in the run count as unused, so enable the
    rules you suppress when you enable this one.
    """

    code: ClassVar[str] = "AIL003"
    name: ClassVar[str] = "unused-suppression"
    severity: ClassVar[Severity] = Severity.WARNING
    concern: ClassVar[Concern] = Concern.META
    summary: ClassVar[str] = "A `# noqa:` or `# ailint: ignore[...]` comment silences nothing."
    message: ClassVar[str] = "unused suppression: {details}"
    enabled_by_default: ClassVar[bool] = False
