"""AIL6xx: security of model output. It never reaches code execution, shells or raw SQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

from ailint.diagnostics import Severity
from ailint.rules.base import CallRule, Concern, Finding, RuleContext

if TYPE_CHECKING:
    from ailint.analysis.calls import CallSite


class OutputToExec(CallRule):
    """## What it does
    Follows a generation's output, whatever the call's authority mode, to
    `eval`/`exec`/`compile`, a shell (`os.system`, `subprocess` with
    `shell=True`, or a command whose program or whole argument string comes
    from the output), `pickle.loads` and other deserialisers, or SQL text
    built from it (an f-string, concatenation or `.format` passed to
    `execute`, or the text given to a framework SQL runner such as
    LangChain's `SQLDatabase.run`). A fixed program given the output as one plain argument, and a
    parameterised query, are not reported here (they are still action sinks
    for AIL502). Reported at the sink.

    ## Why is this bad?
    Model output is attacker-controllable: prompt injection in any document
    the model reads can choose what it says. Executing it is remote code
    execution; interpolating it into SQL is SQL injection.

    ## Example
    ```python
    import subprocess

    from openai import OpenAI

    client = OpenAI()


    def run_suggestion(task):  # ailint: authority=act
        command = client.chat.completions.create(model="gpt-4o", messages=[]).choices[0].message.content
        subprocess.run(command, shell=True)
    ```

    ## Use instead
    ```python
    import subprocess

    from openai import OpenAI

    client = OpenAI()
    ALLOWED = {"status": ["git", "status"], "log": ["git", "log", "-5"]}


    def run_suggestion(task):  # ailint: authority=act
        choice = client.chat.completions.create(model="gpt-4o", messages=[]).choices[0].message.content
        subprocess.run(ALLOWED.get(choice.strip(), ["true"]))
    ```

    ## Options
    None.
    """

    code: ClassVar[str] = "AIL601"
    name: ClassVar[str] = "output-to-exec"
    severity: ClassVar[Severity] = Severity.ERROR
    concern: ClassVar[Concern] = Concern.SECURITY
    summary: ClassVar[str] = "A model's output reaches code execution, a shell, deserialisation or SQL text."
    message: ClassVar[str] = "{call} output (line {line}) reaches {what}"
    check_name: ClassVar[str] = "exec"
    operations: ClassVar[frozenset[str]] = frozenset({"generate"})

    def check(self, site: CallSite, ctx: RuleContext) -> Iterator[Finding]:
        from ailint.analysis.concerns import exec_sinks

        for sink, what in exec_sinks(site, ctx.project):
            yield self.finding(sink, site, call=site.label, line=site.file.line(site.node), what=what)
