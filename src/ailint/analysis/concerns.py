"""What the code around a call site does about each concern.

Each function answers one reviewer's question about a call site, reading the
function the call sits in (``Body``) and the call's output (``Output``), and
the practices data (validators, loggers, tracers, sinks...). For wrapper call
sites, what the wrapper already does inside counts (SPEC section 2): the
questions of the output are asked along the chain from the caller down to the
direct call.

These are facts, not verdicts: rules decide what to report.
"""

from __future__ import annotations

import fnmatch
import re
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from ailint.analysis.body import Body, keywords, last_part
from ailint.analysis.calls import CallSite, FileAnalysis, FunctionRecord
from ailint.analysis.dataflow import Output
from ailint.analysis.project import Project
from ailint.analysis.scope import dotted_name, string_value
from ailint.analysis.tree import children, walk
from ailint.discovery import is_test_path
from ailint.knowledge import practices
from ailint.settings import AUTHORITY_MODES, Settings

if TYPE_CHECKING:
    from ailint.analysis.consumption import Taint

_RELATIONAL = (cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual)
_MEMBERSHIP = (cst.In, cst.NotIn)
_STOP_CHECK = re.compile(r"^(finish_reason|stop_reason|refusal)$")


def chain(site: CallSite) -> Iterator[CallSite]:
    """The site, then the call inside the wrapper it calls, and so on down to the direct call."""
    current: CallSite | None = site
    seen: set[int] = set()
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.wrapper.inner if current.wrapper is not None else None


def _matches(names: list[str], exact: frozenset[str] | set[str], suffixes: frozenset[str] = frozenset()) -> bool:
    return any(n in exact for n in names) or any(last_part(n) in suffixes for n in names)


def _identifiers(expr: cst.CSTNode) -> Iterator[str]:
    """Names, attribute names and string subscript keys mentioned in an expression."""
    stack: list[cst.CSTNode] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            yield node.value
        elif isinstance(node, cst.SimpleString):
            value = string_value(node)
            if value:
                yield value
        if not isinstance(node, (cst.Lambda, cst.FunctionDef)):
            stack.extend(children(node))


# -- output contract -----------------------------------------------------------


def _project_model(project: Project, canonical: str | None) -> bool:
    """Whether ``canonical`` names a project class derived from a validating model (pydantic)."""
    if not canonical or "(" in canonical:
        return False
    models = practices().names("validation", "models")
    return any(base in models for base in project.bases(canonical))


_TEXT_TYPES = frozenset({"str", "builtins.str", "typing.Optional[str]", "Optional[str]", "typing.Any", "Any"})


def _field_annotations(project: Project, canonical: str) -> dict[str, str]:
    """The annotated fields of a project class and its project bases (``name: str``), as written."""
    found: dict[str, str] = {}
    for base in project.bases(canonical):
        module = base.rpartition(".")[0]
        file = project.files.get(module)
        if file is None:
            continue
        for scope in file.classes:
            if scope.canonical != base:
                continue
            for attr, bindings in scope.attrs.items():
                for binding in bindings:
                    if binding.kind == "annotation" and binding.expr is not None and attr not in found:
                        found[attr] = _annotation_text(binding.expr)
            for attr, bindings in scope.bindings.items():  # ``text = Column(Text)`` in the class body
                if attr not in found and any(b.expr is not None and _text_column(b.expr) for b in bindings):
                    found[attr] = "str"
    return found


def _text_column(expr: cst.CSTNode) -> bool:
    """An ORM column of text (``Column(Text)``, ``mapped_column(String(200))``)."""
    if not (isinstance(expr, cst.Call) and last_part(dotted_name(expr.func)) in ("Column", "mapped_column")):
        return False
    first = expr.args[0].value if expr.args and expr.args[0].keyword is None else None
    if isinstance(first, cst.Call):
        first = first.func
    return first is not None and last_part(dotted_name(first)) in _TEXT_COLUMNS


_TEXT_COLUMNS = frozenset({"String", "Text", "Unicode", "UnicodeText", "VARCHAR", "TEXT", "CHAR"})


def _annotation_text(expr: cst.BaseExpression) -> str:
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.BitOr):
        parts = {_annotation_text(expr.left), _annotation_text(expr.right)} - {"None"}
        return parts.pop() if len(parts) == 1 else "?"
    if isinstance(expr, cst.Subscript) and dotted_name(expr.value) in ("Optional", "typing.Optional"):
        element = expr.slice[0].slice if expr.slice else None
        return _annotation_text(element.value) if isinstance(element, cst.Index) else "?"
    return dotted_name(expr) or "?"


def text_envelope(project: Project, model: str | None, call: cst.Call, output: Output | Taint) -> bool:
    """Whether a project model only wraps the raw output in text fields (``Reply(text=content)``).

    Such a model validates nothing about the output: any text is a valid ``str``.
    Unpacking a parsed dict into it (``Answer(**json.loads(text))``) does validate.
    """
    return _carried_only_in(project, model, call, output, _TEXT_TYPES)


def holder(project: Project, model: str | None, call: cst.Call, output: Output | Taint) -> bool:
    """Whether a project model only holds the output in fields typed ``Any`` (``ToolResult(result=reply)``): a
    holder that stores the value as it is, without relying on its form."""
    return _carried_only_in(project, model, call, output, _ANY_TYPES)


def _carried_only_in(
    project: Project, model: str | None, call: cst.Call, output: Output | Taint, types: frozenset[str]
) -> bool:
    """Whether ``call`` (building ``model``) passes the output only by keyword, into fields annotated ``types``."""
    if model is None:
        return False
    fields = _field_annotations(project, model)
    carried = [arg for arg in call.args if output.derives(arg.value)]
    if not carried or any(arg.star or arg.keyword is None for arg in carried):
        return False
    return all(fields.get(arg.keyword.value, "?") in types for arg in carried if arg.keyword is not None)


_ANY_TYPES = frozenset({"typing.Any", "Any", "object", "builtins.object"})


def _format_passed_through(site: CallSite) -> bool:
    """A ``response_format=`` that is a parameter of the function, not a schema (``response_format=None``).

    Only a request made structured by its format keyword is questioned: ``.parse(...)``,
    ``response_model=`` and structured runnables validate whatever they are given.
    A parameter annotated as a class (``type[T]``, ``type[BaseModel]``) names a schema.
    """
    if site.kind != "direct" or site.spec.structured or site.record is None:
        return False
    given = keywords(site.node)
    if practices().names("validation", "structured-keywords") & given.keys():
        return False
    for key in practices().names("validation", "format-keywords") & given.keys():
        value = given[key]
        if not isinstance(value, cst.Name):
            return False
        if value.value in site.scope.untyped:
            continue  # an unannotated parameter
        bindings = site.scope.bindings.get(value.value, [])
        if not bindings or any(b.kind != "annotation" or b.expr is None for b in bindings):
            return False  # a local value, or not a parameter
        text = _annotation_text(bindings[0].expr).lower()  # type: ignore[arg-type]
        if text == "?" or "type" in text or "model" in text:
            return False  # ``type[BaseModel]``, a class: a schema
    return True


def _plain_dspy(site: CallSite, project: Project) -> bool:
    """A DSPy predictor whose signature's output fields are all plain text (``"question -> answer"``,
    ``answer: str = dspy.OutputField()``): DSPy parses the reply into strings, which checks nothing."""
    if site.kind != "direct" or site.provider.name != "dspy" or site.callee is None:
        return False
    made = [origin for origin in _origins(site.callee, site.file, site.scope, project) if origin is not None]
    verdicts = [_plain_signature(origin, site, project) for origin in made]
    return bool(verdicts) and all(verdicts)


def _plain_signature(origin: cst.Call, site: CallSite, project: Project) -> bool:
    if not origin.args:
        return False
    signature = origin.args[0].value
    text = string_value(signature)
    if text is not None:
        outputs = text.split("->", 1)[1] if "->" in text else ""
        types = [part.partition(":")[2].strip() for part in outputs.split(",") if part.strip()]
        return bool(types) and all(kind in ("", "str") for kind in types)
    canonical = site.file.resolver.resolve(signature, site.scope)
    if not canonical or "(" in canonical:
        return False
    located = project._class_file(canonical, load=True)
    if located is None:
        return False
    analysis, head = located
    scope = next((c for c in analysis.classes if c.canonical == head), None)
    if scope is None:
        return False
    output_fields = [
        name
        for name, bindings in scope.bindings.items()
        if any(
            b.kind == "expr" and isinstance(b.expr, cst.Call) and last_part(dotted_name(b.expr.func)) == "OutputField"
            for b in bindings
        )
    ]
    fields = {
        name: _annotation_text(b.expr)
        for name, bindings in scope.attrs.items()
        for b in bindings
        if b.kind == "annotation" and b.expr is not None
    }
    return bool(output_fields) and all(fields.get(name, "str") in _TEXT_TYPES for name in output_fields)


def validated(site: CallSite, project: Project, settings: Settings) -> bool:
    """Whether the output is checked against a schema or an allowed set before use (or not used)."""
    data = practices()
    functions = data.names("validation", "functions") | set(settings.validators)
    methods = data.names("validation", "methods")
    for current in chain(site):
        if current.structured and not _format_passed_through(current) and not _plain_dspy(current, project):
            return True
        body = project.body(current.file, current.record)
        if current is site and body.unused(site.node):
            return True
        output = project.output(current)
        for call in body.calls:
            if call is current.node or not any(output.derives(arg.value) for arg in call.args):
                continue
            names = body.names(call)
            if _matches(names, functions, methods):
                return True
            model = body.callee(call)[0]
            if _project_model(project, model) and not text_envelope(project, model, call, output):
                return True
            if _checked_inside(project, model, call, output.derives, functions, methods):
                return True
        for comparison in body.comparisons:
            if any(isinstance(t.operator, _MEMBERSHIP) for t in comparison.comparisons) and output.derives(
                comparison.left
            ):
                return True
    return False


def _checked_inside(
    project: Project,
    canonical: str | None,
    call: cst.Call,
    derives: Callable[[cst.CSTNode], bool],
    functions: frozenset[str] | set[str],
    methods: frozenset[str],
    depth: int = 0,
) -> bool:
    """Whether the project function ``call`` gives the output to validates it (a parser that checks a verdict
    against an allowed set, or builds a model from it), a few calls deep."""
    from ailint.analysis.consumption import Taint, given_parameters

    entry = project.functions.get(canonical or "")
    if entry is None or depth > 2:
        return False
    file, record = entry
    params = given_parameters(record, call, derives)
    if not params:
        return False
    taint = Taint(record, None, params)
    body = project.body(file, record)
    for inner in body.calls:
        if not any(taint.derives(arg.value) for arg in inner.args):
            continue
        if _matches(body.names(inner), functions, methods):
            return True
        model = body.callee(inner)[0]
        if _project_model(project, model) and not text_envelope(project, model, inner, taint):
            return True
        if _checked_inside(project, model, inner, taint.derives, functions, methods, depth + 1):
            return True
    return any(
        any(isinstance(t.operator, _MEMBERSHIP) for t in comparison.comparisons) and taint.derives(comparison.left)
        for comparison in body.comparisons
    )


def gated(site: CallSite, project: Project, settings: Settings) -> bool:
    """Whether a confidence-like value derived from the output is compared with a threshold."""
    pattern = re.compile(settings.confidence_pattern, re.IGNORECASE)
    gates = set(settings.gates)
    for current in chain(site):
        body = project.body(current.file, current.record)
        if current is site and body.unused(site.node):
            return True
        output = project.output(current)
        for comparison in body.comparisons:
            operands = [comparison.left, *(t.comparator for t in comparison.comparisons)]
            mentioned = [i for operand in operands if output.derives(operand) for i in _identifiers(operand)]
            if any(_STOP_CHECK.search(i) for i in mentioned):
                return True  # ``finish_reason == "stop"``, a refusal checked
            if not any(isinstance(t.operator, _RELATIONAL) for t in comparison.comparisons):
                continue
            if any(pattern.search(i) for i in mentioned):
                return True
        for call in body.calls:
            if _matches(body.names(call), gates) and any(output.derives(a.value) for a in call.args):
                return True
    return False


# -- observability -------------------------------------------------------------


def is_log_call(call: cst.Call, body: Body, settings: Settings) -> bool:
    """A call to a logger: stdlib logging, structlog, loguru, or a configured function.

    A receiver the code does not resolve to a logging library, but whose name
    says it is a logger (``self.logger.info``), counts too: loggers are often
    made by project factories.
    """
    data = practices()
    canonical, text = body.callee(call)
    if (canonical and canonical in settings.loggers) or (text and text in settings.loggers):
        return True
    methods = data.names("logging", "methods")
    if canonical and canonical.split(".", 1)[0] in data.names("logging", "modules"):
        return last_part(canonical) in methods
    if text and "." in text:
        receiver, _, method = text.rpartition(".")
        return method in methods and data.word("logging", "receiver-word") in receiver.lower()
    func = call.func
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Call) and func.attr.value in methods:
        made_by = body.callee(func.value)  # ``get_logger().info(...)``, ``logging.getLogger(__name__).info(...)``
        word = data.word("logging", "receiver-word")
        return any(word in last_part(name).lower() for name in made_by if name)
    return False


def log_calls(site: CallSite, project: Project, settings: Settings) -> list[cst.Call]:
    body = project.body(site.file, site.record)
    return [call for call in body.calls if is_log_call(call, body, settings)]


def _module_instrumented(file: FileAnalysis, project: Project) -> bool:
    data = practices()
    instrumentors = data.names("tracing", "instrumentors")
    suffix = data.word("tracing", "instrumentor-suffix")
    module = project.body(file, None)
    for call in module.calls:
        for name in module.names(call):
            if name in instrumentors or name.endswith(suffix):
                return True
    for assign in module.assignments:
        for target in assign.targets:
            if dotted_name(target.target) in instrumentors:
                return True
    return False


def traced(site: CallSite, project: Project, settings: Settings | None = None) -> bool:
    """Whether a span, a tracing decorator, an instrumented client or callbacks record the call."""
    data = practices()
    if any(site.canonical.startswith(prefix) for prefix in data.names("tracing", "instrumented-clients")):
        return True
    if _callbacks(keywords(site.node)):
        return True
    if _traced_body(project.body(site.file, site.record), project, settings):
        return True
    return _module_instrumented(site.file, project) or _project_instrumented(site, project)


def _traced_body(body: Body, project: Project, settings: Settings | None) -> bool:
    """Whether a function opens a span or is wrapped by a tracing decorator (known, configured, or a
    project decorator whose own body opens a span or logs)."""
    data = practices()
    decorators = data.names("tracing", "decorators") | set(settings.tracers if settings is not None else ())
    decorator_names = data.names("tracing", "decorator-names")
    for canonical, text in body.decorators:
        names = [n for n in (canonical, text) if n]
        if _matches(names, decorators, decorator_names):
            return True
        if settings is not None and canonical and _decorator_records(canonical, project, settings)[0]:
            return True
    contexts = data.names("tracing", "contexts")
    functions = data.names("tracing", "context-functions") | set(settings.tracers if settings is not None else ())
    modules = data.names("tracing", "context-modules")
    for item in body.with_items:
        call = item.item
        if isinstance(call, cst.Call):
            names = body.names(call)
            if _matches(names, functions, contexts):
                return True
            if any(n.split(".", 1)[0] in modules for n in names):
                return True
    return False


def _decorator_records(canonical: str, project: Project, settings: Settings) -> tuple[bool, list[cst.Call]]:
    """Whether a project decorator's body (its inner wrapper included) opens a span, and the log calls it
    makes: analysis of what it does, not of its name."""
    entry = project.functions.get(canonical)
    if entry is None:
        return False, []
    file, record = entry
    data = practices()
    contexts = data.names("tracing", "contexts") | data.names("tracing", "context-functions")
    modules = data.names("tracing", "context-modules")
    body = project.body(file, record)
    logs: list[cst.Call] = []
    for node in walk(record.node.body):
        if not isinstance(node, cst.Call):
            continue
        names = body.names(node)
        if _matches(names, contexts, frozenset(last_part(c) for c in contexts)):
            return True, logs
        if any(n.split(".", 1)[0] in modules for n in names) and not is_log_call(node, body, settings):
            return True, logs
        if is_log_call(node, body, settings):
            logs.append(node)
    return False, logs


_INSTRUMENTED: weakref.WeakKeyDictionary[Project, tuple[int, frozenset[str]]] = weakref.WeakKeyDictionary()


def _project_instrumented(site: CallSite, project: Project) -> bool:
    """An instrumentor called anywhere in the project (module level, a package ``__init__``, a startup
    function) covers every call of its provider; a generic one (``openlit.init()``) covers all."""
    if project.loader is not None:  # the packages above the call: an ``__init__`` may import nothing of a model
        parts = site.file.module.split(".")
        for cut in range(1, len(parts)):
            package = ".".join(parts[:cut])
            if package not in project.files:
                project.loader(package)
    covered = _instrumentors(project)
    if "*" in covered:
        return True
    provider = site.provider.name.split("-")[0].lower()
    return any(provider in name for name in covered)


_CANDIDATES: weakref.WeakKeyDictionary[Project, list[str]] = weakref.WeakKeyDictionary()
TRACING_ROOTS = frozenset(
    {"mlflow", "logfire", "openlit", "weave", "langfuse", "opentelemetry", "traceloop", "agentops"}
)


def note_instrumenting(project: Project, modules: list[str]) -> None:
    """Modules of the run that may call an instrumentor though they import no model SDK (read on demand)."""
    _CANDIDATES[project] = modules


def _instrumentors(project: Project) -> frozenset[str]:
    if project.loader is not None:
        for module in _CANDIDATES.pop(project, []):
            if module not in project.files:
                project.loader(module)
    known = _INSTRUMENTED.get(project)
    files = {id(a): a for a in project.files.values()}
    if known is not None and known[0] == len(files):
        return known[1]
    data = practices()
    instrumentors = data.names("tracing", "instrumentors")
    suffix = data.word("tracing", "instrumentor-suffix")
    handlers = data.names("tracing", "callback-handlers")
    providers = ("openai", "anthropic", "litellm", "langchain", "google", "gemini", "bedrock", "dspy", "pydantic_ai")
    found: set[str] = set()
    for analysis in files.values():
        for pending in analysis.calls:
            canonical = analysis.resolver.resolve(pending.node.func, pending.scope)
            text = dotted_name(pending.node.func)
            if canonical in handlers:
                found.add("langchain")
            for name in (canonical, text):
                if name and (name in instrumentors or name.endswith(suffix)):
                    lowered = name.lower()
                    hit = [p for p in providers if p in lowered]
                    found.update(hit or ["*"])
                    if "gemini" in hit:
                        found.add("google")
    result = frozenset(found)
    _INSTRUMENTED[project] = (len(files), result)
    return result


@dataclass(frozen=True)
class Recording:
    """What records a call on its path: the function holding it, its decorators, and its callers."""

    traced: bool
    logs: tuple[cst.Call, ...]
    structured: bool
    """A log call with fields, or a structured trace record (``traces.append({...})``), on the path."""
    elsewhere: bool = False
    """A caller in a file judged in another process logs around the wrapper call (its log calls are not here)."""

    @property
    def logged(self) -> bool:
        return bool(self.logs) or self.elsewhere


_RECORD_WORDS = ("trace", "span", "event", "record", "telemetry", "log", "audit")


def _trace_records(body: Body) -> bool:
    """A structured trace record kept by the function: ``self.traces.append({"model": m, "tokens": t})``, or a
    record object built with fields (``request_log = LLMRequestLog(provider=p, model=m, ...)``)."""
    for assign in body.assignments:
        value = assign.value
        if not (isinstance(value, cst.Call) and sum(a.keyword is not None for a in value.args) >= 2):
            continue
        named = [last_part(dotted_name(value.func)).lower()]
        named += [(dotted_name(t.target) or "").lower() for t in assign.targets]
        if any(word in name for name in named for word in _RECORD_WORDS):
            return True
    for call in body.calls:
        func = call.func
        if not (isinstance(func, cst.Attribute) and func.attr.value in ("append", "add", "put", "put_nowait")):
            continue
        receiver = (dotted_name(func.value) or "").lower()
        if not any(word in receiver for word in _RECORD_WORDS) or not call.args:
            continue
        value = call.args[0].value
        if isinstance(value, cst.Dict) and sum(isinstance(e, cst.DictElement) for e in value.elements) >= 2:
            return True
        if isinstance(value, cst.Call) and sum(a.keyword is not None for a in value.args) >= 2:
            return True
    return False


def recording(site: CallSite, project: Project, settings: Settings) -> Recording:
    """What records ``site``: its function, or the callers of that function (a log or a span around the
    wrapper call), up the chain of wrappers; any one caller's record counts."""
    logs: list[cst.Call] = []
    is_traced = traced(site, project, settings)
    structured = elsewhere = False
    seen: set[int] = set()
    frontier = [site]
    depth = 0
    while frontier and not is_traced and depth <= 4:
        following: list[CallSite] = []
        for current in frontier:
            if id(current.record) in seen:
                continue
            seen.add(id(current.record))
            body = project.body(current.file, current.record)
            if current is not site and _traced_body(body, project, settings):
                is_traced = True
                break
            logs.extend(call for call in body.calls if is_log_call(call, body, settings))
            if current is site:
                for helper in _helpers(site, project):  # ``with_logging(client.chat.completions.create, ...)``
                    logs.extend(call for call in helper.calls if is_log_call(call, helper, settings))
                    is_traced = is_traced or _traced_body(helper, project, settings)
            for canonical, _text in body.decorators:  # a project decorator that logs around the call
                if canonical:
                    logs.extend(_decorator_records(canonical, project, settings)[1])
            structured = structured or _trace_records(body)
            if current.record is not None:
                following.extend(callers(current.record, project))
                facts = _elsewhere(current.record, project)
                elsewhere, structured = elsewhere or facts[0], structured or facts[1]
        frontier = following
        depth += 1
    return Recording(is_traced, tuple(logs), structured or structured_logging(logs), elsewhere)


def _helpers(site: CallSite, project: Project) -> list[Body]:
    """The bodies of the project helpers a direct call gives its model API to, which call it
    (``Program.given_apis``): what they do around that call is done around this one."""
    program = project.program
    where = project.program_call(site) if site.kind == "direct" and site.callee is not site.node.func else None
    if program is None or where is None:
        return []
    found: list[Body] = []
    for target, _parameter, _api in program.given_apis(*where):
        entry = project.functions.get(target)
        if entry is not None:
            found.append(project.body(*entry))
    return found


def _elsewhere(record: FunctionRecord, project: Project) -> tuple[bool, bool, bool]:
    """What callers of ``record`` in files judged in other processes do around its calls (see ``called_wrappers``)."""
    nothing = (False, False, False)
    return project.recorded_elsewhere.get(record.paths[0], nothing) if record.paths else nothing


def called_wrappers(analysis: FileAnalysis, project: Project, settings: Settings) -> list[tuple[str, bool, bool, bool]]:
    """The wrappers a file calls (their paths), each with whether a call of it here is logged, logged with fields,
    and has its usage read, for a file judged in another process; none for a test."""
    if is_test_path(analysis.relative_path or analysis.module.replace(".", "/") + ".py"):
        return []
    found: list[tuple[str, bool, bool, bool]] = []
    for site in project.sites(analysis):
        if site.wrapper is None or not site.wrapper.record.paths:
            continue
        record = recording(site, project, settings)
        logged, fields = record.traced or record.logged, record.traced or record.structured
        found.append((site.wrapper.record.paths[0], logged, fields, _usage_read(site, project)))
    _CALLERS.pop(project, None)  # it indexed this file's sites, and the file is about to leave the project
    return found


_CALLERS: weakref.WeakKeyDictionary[Project, tuple[set[int], tuple[int, int], dict[str, list[CallSite]]]] = (
    weakref.WeakKeyDictionary()
)


def callers(record: FunctionRecord, project: Project) -> list[CallSite]:
    """The wrapper call sites (outside tests) that may run the project function ``record``: those that name it,
    and those the value flow dispatches to it (``self.run_inference(...)`` declared on a base class)."""
    called = project.called_wrappers()
    known = _CALLERS.get(project)
    size = (project.revision, len(project.files))  # a file parsed or taken out since the index was made
    if known is None or known[0] is not called or known[1] != size:
        index: dict[str, list[CallSite]] = {}
        for analysis in {id(a): a for a in project.files.values()}.values():
            if is_test_path(analysis.relative_path or analysis.module.replace(".", "/") + ".py"):
                continue
            for found in project.sites(analysis):
                if found.wrapper is not None:
                    for target in {*found.wrapper.record.paths[:1], *_dispatched(found, project)}:
                        index.setdefault(target, []).append(found)
        known = (called, size, index)
        _CALLERS[project] = known
    sites: dict[int, CallSite] = {}
    for path in record.paths:
        for site in known[2].get(path, ()):
            sites.setdefault(id(site), site)
    return list(sites.values())


def _dispatched(site: CallSite, project: Project) -> set[str]:
    """The project functions (by path) a wrapper call may run besides the one it names."""
    program = project.program
    call = project.program_call(site)
    if program is None or call is None:
        return set()
    found: set[str] = set()
    for value in program.callee_values(*call):
        found.update(program.runs(value))
    return found


def _callbacks(given: dict[str, cst.BaseExpression]) -> bool:
    """LangChain callbacks: ``callbacks=[...]``, or ``config={"callbacks": [...]}``."""
    if "callbacks" in given:
        return True
    config = given.get("config")
    if isinstance(config, cst.Dict):
        return any(isinstance(e, cst.DictElement) and string_value(e.key) == "callbacks" for e in config.elements)
    return isinstance(config, cst.Call) and any(
        a.keyword is not None and a.keyword.value == "callbacks" for a in config.args
    )


_PRACTICE: weakref.WeakKeyDictionary[Project, tuple[frozenset[str], bool]] = weakref.WeakKeyDictionary()


def logs_with_fields(project: Project) -> bool:
    """Whether the project's product code logs with structured fields anywhere (``extra=``, keyword fields, a
    bound logger): only then is a model call logged through message strings alone a lapse from its practice;
    where message strings are the convention, fields for one call are not the fix."""
    files = {id(a): a for a in project.files.values()}
    names = frozenset(a.module for a in files.values())  # a file judged apart joins and leaves: by name, not count
    known = _PRACTICE.get(project)
    if known is not None and known[0] == names:
        return known[1]
    data = practices()
    methods = data.names("logging", "methods")
    modules = data.names("logging", "modules")
    word = data.word("logging", "receiver-word")
    found = False
    for analysis in files.values():
        if found:
            break
        if is_test_path(analysis.relative_path or analysis.module.replace(".", "/") + ".py"):
            continue
        for pending in analysis.calls:
            func = pending.node.func
            if not (isinstance(func, cst.Attribute) and func.attr.value in methods):
                continue
            canonical = analysis.resolver.resolve(func, pending.scope) or ""
            text = dotted_name(func.value) or ""
            logger = canonical.split(".", 1)[0] in modules or word in text.lower()
            if logger and structured_logging([pending.node]):
                found = True
                break
    _PRACTICE[project] = (names, found)
    return found


def structured_logging(calls: list[cst.Call]) -> bool:
    """Whether any log call carries structured fields (``extra=``, keyword fields, bound context)."""
    data = practices()
    plain = data.names("logging", "plain-keywords")
    binders = data.names("logging", "binders")
    for call in calls:
        if any(arg.keyword is not None and arg.keyword.value not in plain for arg in call.args):
            return True
        if any(arg.star == "**" for arg in call.args):
            return True
        node: cst.BaseExpression = call.func
        while isinstance(node, (cst.Attribute, cst.Call)):  # logger.bind(user=u).info(...)
            if isinstance(node, cst.Attribute):
                node = node.value
                continue
            if isinstance(node.func, cst.Attribute) and node.func.attr.value in binders:
                return True
            node = node.func
    return False


# -- measurement ---------------------------------------------------------------


def usage_recorded(site: CallSite, project: Project, settings: Settings | None = None) -> bool:
    """Whether token usage is read from the output wherever the response flows (the function, or a
    caller of the wrapper returning it), a metric is emitted, or tracing covers the call."""
    data = practices()
    if data.names("measurement", "stream-usage-keywords") & keywords(site.node).keys():
        return True
    seen: set[int] = set()
    frontier = [site]
    for _ in range(5):
        following: list[CallSite] = []
        for current in frontier:
            if id(current.record) in seen:
                continue
            seen.add(id(current.record))
            if _usage_read(current, project):
                return True
            if current.record is not None and project.output(current).returned:
                if _elsewhere(current.record, project)[2]:
                    return True
                if _callers_unknown(current, project):
                    return True  # where the response goes is not known: usage is its callers' business
                following.extend(callers(current.record, project))
        frontier = following
    return traced(site, project, settings)


def _callers_unknown(site: CallSite, project: Project) -> bool:
    """Whether the function holding ``site`` is a method that nothing in the program runs and nothing outside
    is shown to start (``ExceptionFlow.unstarted``): a provider adapter loaded by name, say."""
    flow = project.exceptions((), frozenset())
    where = project.program_call(site)
    if flow is None or where is None or project.program is None:
        return False
    return flow.unstarted(project.program.call(*where).scope)


def _usage_read(site: CallSite, project: Project) -> bool:
    """Whether the function holding ``site`` (or a project function it gives the output to) reads the
    usage of its output or emits a metric."""
    return _reads_usage(site.file, site.record, project.output(site).derives, project, 0, frozenset())


def _reads_usage(
    file: FileAnalysis,
    record: FunctionRecord | None,
    derives: Callable[[cst.CSTNode], bool],
    project: Project,
    depth: int,
    seen: frozenset[int],
) -> bool:
    """``derives`` says what holds the output in this function; followed into the project functions it is
    given to (``self._record_usage(response)``, ``tracker.add(reply)``), by parameter, not by name."""
    from ailint.analysis.consumption import Taint, given_parameters

    data = practices()
    body = project.body(file, record)
    usage_names = data.names("measurement", "usage-names")
    usage_words = usage_names | data.names("measurement", "stream-usage-keywords") | {"include_usage"}
    if any(string_value(node) in usage_words for node in body.of_kind(cst.SimpleString)):
        return True  # ``payload["stream_options"] = {"include_usage": True}``, ``resp.get("usage")``
    for attribute in body.of_kind(cst.Attribute):
        if attribute.attr.value in usage_names and derives(attribute.value):
            return True
    for subscript in body.of_kind(cst.Subscript):
        if derives(subscript.value):
            for element in subscript.slice:
                index = element.slice
                if isinstance(index, cst.Index) and string_value(index.value) in usage_names:
                    return True
    for call in body.calls:
        name = last_part(body.callee(call)[1]).lower()
        if any(word in name for word in ("usage", "token", "cost")) and any(derives(a.value) for a in call.args):
            return True  # ``self._extract_usage(response)``, ``litellm.completion_cost(response)``
    modules = data.names("measurement", "metric-modules")
    methods = data.names("measurement", "metric-methods")
    words = data.names("measurement", "receiver-words")
    for call in body.calls:
        canonical, text = body.callee(call)
        if canonical and canonical.split(".", 1)[0] in modules and last_part(canonical) in methods:
            return True
        if text and "." in text:
            receiver, _, method = text.rpartition(".")
            if method in methods and any(w in receiver.lower() for w in words):
                return True
    if depth >= _USAGE_DEPTH:
        return False
    for call in body.calls:
        canonical = body.callee(call)[0]
        entry = project.functions.get(canonical) if canonical else None
        if entry is None or id(entry[1]) in seen:
            continue
        inner_file, inner = entry
        params = given_parameters(inner, call, derives)
        if params and _reads_usage(
            inner_file, inner, Taint(inner, None, params).derives, project, depth + 1, seen | {id(inner)}
        ):
            return True
    return False


_USAGE_DEPTH = 3
"""Project functions followed from the one holding the output, each given it as an argument."""


# -- error states: timeouts ----------------------------------------------------


Verdict = bool | None
"""True: a timeout is there; False: none; None: a value that cannot be followed at all."""


def _any(verdicts: Iterable[Verdict]) -> Verdict:
    """True if any is True, else None if any is None, else False."""
    unknown = False
    for verdict in verdicts:
        if verdict:
            return True
        unknown = unknown or verdict is None
    return None if unknown else False


@dataclass(frozen=True)
class _Where:
    """Where an expression is read: its file, scope and function (to follow names and ``**kwargs``)."""

    file: FileAnalysis
    scope: object
    record: FunctionRecord | None


def _has_timeout(call: cst.Call, *, client: bool, where: _Where | None = None, project: Project | None = None,
                 depth: int = 0) -> Verdict:  # fmt: skip
    """A timeout given to a request (``client=False``) or to a client (``client=True``).

    ``max_retries`` bounds nothing in time. A config object counts when it holds a timeout
    (``config=Config(read_timeout=30)``, ``http_options=HttpOptions(timeout=...)``,
    ``http_client=httpx.Client(timeout=...)``, ``timeout=httpx.Timeout(...)``). ``**kwargs`` are
    followed: a dict bound to a name (its visible keys and ``kwargs["timeout"] = ...``), the
    function's own ``**kwargs`` to what its callers pass; a value that cannot be followed at all
    gives None.
    """
    data = practices()
    wanted = data.names("timeouts", "keywords" if not client else "client-keywords")
    verdicts: list[Verdict] = []
    for arg in call.args:
        if arg.star == "**":
            verdicts.append(_kwargs_timeout(arg.value, wanted, where, project, depth))
            continue
        if arg.keyword is None:
            continue
        name = arg.keyword.value
        if name in _CONTAINERS:
            verdicts.append(_holds_timeout(arg.value, wanted, where, project, depth))
            continue
        if name in wanted:
            verdicts.append(not (isinstance(arg.value, cst.Name) and arg.value.value == "None"))
    return _any(verdicts)


_CONTAINERS = frozenset({"config", "http_options", "http_client", "client_options", "transport"})
"""Keywords whose value is an object that may hold a timeout (counted only when it does)."""


def _holds_timeout(
    value: cst.BaseExpression, wanted: frozenset[str] | set[str], where: _Where | None, project: Project | None,
    depth: int,
) -> Verdict:  # fmt: skip
    """Whether a config object (a call, or a name bound to one) holds a timeout."""
    if depth > 6:
        return None
    if isinstance(value, cst.Call):
        inner: list[Verdict] = []
        for arg in value.args:
            if arg.star == "**":
                inner.append(_kwargs_timeout(arg.value, wanted | _CONTAINERS, where, project, depth + 1))
            elif arg.keyword is not None and arg.keyword.value in _CONTAINERS:
                inner.append(_holds_timeout(arg.value, wanted, where, project, depth + 1))
            elif arg.keyword is not None and "timeout" in arg.keyword.value:
                inner.append(not (isinstance(arg.value, cst.Name) and arg.value.value == "None"))
        return _any(inner)
    if isinstance(value, cst.Dict):
        return _any(_dict_timeout(value, wanted, where, project, depth))
    if isinstance(value, cst.Name) and where is not None:
        if value.value == "None":
            return False
        bindings = where.file.resolver.lookup(value.value, where.scope)  # type: ignore[arg-type]
        exprs = [b.expr for b in bindings if b.kind == "expr" and b.expr is not None]
        if exprs and len(exprs) == len(bindings):
            return _any(_holds_timeout(e, wanted, where, project, depth + 1) for e in exprs)
    return None


def _dict_timeout(
    value: cst.Dict, wanted: frozenset[str] | set[str], where: _Where | None, project: Project | None, depth: int
) -> list[Verdict]:
    found: list[Verdict] = []
    for element in value.elements:
        if not isinstance(element, cst.DictElement):
            found.append(_kwargs_timeout(element.value, wanted, where, project, depth + 1))
            continue
        key = string_value(element.key)
        if key in wanted and not (isinstance(element.value, cst.Name) and element.value.value == "None"):
            found.append(True)
        elif key in _CONTAINERS:
            found.append(_holds_timeout(element.value, wanted, where, project, depth + 1))
        elif key is None:
            found.append(None)
    return found or [False]


def _kwargs_timeout(
    value: cst.BaseExpression, wanted: frozenset[str] | set[str], where: _Where | None, project: Project | None,
    depth: int,
) -> Verdict:  # fmt: skip
    """Whether ``**value`` holds a timeout: a dict literal, a name bound to one, or forwarded ``**kwargs``."""
    if depth > 6 or where is None:
        return None
    if isinstance(value, cst.Dict):
        return _any(_dict_timeout(value, wanted, where, project, depth))
    if isinstance(value, cst.Call) and dotted_name(value.func) == "dict":
        return _any(
            not (isinstance(a.value, cst.Name) and a.value.value == "None") if a.keyword.value in wanted else False
            for a in value.args
            if a.keyword is not None
        ) if all(a.keyword is not None for a in value.args) else None  # fmt: skip
    if not isinstance(value, cst.Name):
        return None
    record = where.record
    star = record.node.params.star_kwarg if record is not None else None
    if record is not None and isinstance(star, cst.Param) and star.name.value == value.value:
        return _forwarded(record, value.value, wanted, project, depth)
    verdicts: list[Verdict] = []
    if record is not None:  # ``kwargs["timeout"] = 30``, ``kwargs.update(timeout=30)``
        for target, _assigned in record.flows:
            if isinstance(target, cst.Subscript) and dotted_name(target.value) == value.value:
                key = target.slice[0].slice if target.slice else None
                if isinstance(key, cst.Index) and string_value(key.value) in wanted:
                    return True
    bindings = where.file.resolver.lookup(value.value, where.scope)  # type: ignore[arg-type]
    if not bindings:
        return None
    for binding in bindings:
        if binding.kind == "expr" and isinstance(binding.expr, (cst.Dict, cst.Call)):
            verdicts.append(_kwargs_timeout(binding.expr, wanted, where, project, depth + 1))
        else:
            verdicts.append(None)
    return _any(verdicts)


def _forwarded(
    record: FunctionRecord, name: str, wanted: frozenset[str] | set[str], project: Project | None, depth: int
) -> Verdict:
    """What the callers of a function pass in its ``**kwargs``: a timeout, none, or something unknown.

    A function nobody in the project calls receives nothing there.
    """
    if project is None:
        return None
    verdicts: list[Verdict] = []
    for caller in callers(record, project):
        where = _Where(caller.file, caller.scope, caller.record)
        verdicts.append(_has_timeout(caller.node, client=False, where=where, project=project, depth=depth + 1))
    return _any(verdicts)


def _origins(
    expr: cst.BaseExpression, file: FileAnalysis, scope: object, project: Project, depth: int = 0
) -> Iterator[cst.Call | None]:
    """The calls that built the client ``expr`` (constructors, ``with_options``), or None where unknown."""
    if depth > 12:
        yield None
        return
    resolver = file.resolver
    while isinstance(expr, cst.Attribute):
        value = expr.value
        method = file.resolver.method_scope(value.value, scope) if isinstance(value, cst.Name) else None  # type: ignore[arg-type]
        if method is not None:
            owner = method.owner
            bindings = owner.attrs.get(expr.attr.value) if owner is not None else None
            if not bindings:
                yield None
                return
            for binding in bindings:
                if binding.kind != "expr" or binding.expr is None:
                    yield None
                else:
                    yield from _origins(binding.expr, file, binding.scope, project, depth + 1)
            return
        expr = value
    if isinstance(expr, cst.Await):
        yield from _origins(expr.expression, file, scope, project, depth + 1)
        return
    if isinstance(expr, cst.Call):
        made_by = project.functions.get(resolver.resolve(expr.func, scope) or "")  # type: ignore[arg-type]
        if made_by is not None and made_by[1].outputs:  # a project factory: follow what it returns
            factory_file, record = made_by
            for value in record.outputs:
                yield from _origins(value, factory_file, record.scope, project, depth + 1)
            return
        yield expr
        func = expr.func
        if isinstance(func, cst.Attribute) and func.attr.value in project.knowledge.transparent_calls:
            yield from _origins(func.value, file, scope, project, depth + 1)  # client.with_options(...)
        return
    if isinstance(expr, cst.Name):
        bindings = resolver.lookup(expr.value, scope)  # type: ignore[arg-type]
        if not bindings:
            yield None
            return
        for binding in bindings:
            if binding.kind == "expr" and binding.expr is not None:
                yield from _origins(binding.expr, file, binding.scope, project, depth + 1)
            elif binding.kind == "import" and binding.qualname:
                yield from _imported_origins(binding.qualname, project, depth + 1)
            else:
                yield None
        return
    yield None


def _imported_origins(qualname: str, project: Project, depth: int) -> Iterator[cst.Call | None]:
    module, _, name = qualname.rpartition(".")
    file = project.files.get(module)
    bindings = file.module_scope.bindings.get(name) if file is not None else None
    if file is None or not bindings:
        yield None
        return
    for binding in bindings:
        if binding.kind == "expr" and binding.expr is not None:
            yield from _origins(binding.expr, file, binding.scope, project, depth)
        else:
            yield None


def has_timeout(site: CallSite, project: Project) -> Verdict:
    """Whether the call or the client it uses is bounded in time (None: a value cannot be followed at all).

    The client is followed to where it is built or configured (constructors, project factories,
    ``with_options``, ``functools.partial``); a client whose construction cannot be found is not
    given the benefit of the doubt, unless every client of its provider that the project builds
    has a timeout.
    """
    where = _Where(site.file, site.scope, site.record)
    own = _has_timeout(site.node, client=False, where=where, project=project)
    if own or _time_bounded(site, project):
        return True
    callee = site.callee
    if callee is None:
        return own
    if "()" not in site.canonical.replace("#s", ""):
        module = project.body(site.file, None)
        settings = practices().names("timeouts", "module-settings")
        if any(dotted_name(t.target) in settings for a in module.assignments for t in a.targets):
            return True
        return _any([own, _partial_timeout(callee, where, project)])
    origins = list(
        _origins(callee.value if isinstance(callee, cst.Attribute) else callee, site.file, site.scope, project)
    )
    verdicts: list[Verdict] = [own, _partial_timeout(callee, where, project)]
    unknown = not origins or any(origin is None for origin in origins)
    for origin in origins:
        if origin is None:
            continue
        verdicts.append(_has_timeout(origin, client=True, where=where, project=project))
        for arg in origin.args:  # instructor.from_openai(OpenAI(timeout=5))
            if isinstance(arg.value, cst.Call):
                verdicts.append(_has_timeout(arg.value, client=True, where=where, project=project))
    verdict = _any(verdicts)
    if verdict is False and unknown and _every_client_bounded(site, project):
        return True
    return verdict


def _time_bounded(site: CallSite, project: Project) -> bool:
    """The call awaited in ``asyncio.wait_for(call, timeout)`` or in a block under ``asyncio.timeout(...)``."""
    data = practices()
    calls, contexts = data.names("timeouts", "bounding-calls"), data.names("timeouts", "bounding-contexts")
    body = project.body(site.file, site.record)
    for call in body.calls:
        names = body.names(call)
        if call.args and _matches(names, calls):
            bound = call.args[1].value if len(call.args) > 1 and not call.args[1].keyword else None
            bound = next((a.value for a in call.args if a.keyword and a.keyword.value == "timeout"), bound)
            if bound is not None and not _is_none(bound) and _contains(call.args[0].value, site.node):
                return True
    for statement in body.of_kind(cst.With):
        for item in statement.items:
            context = item.item
            if (
                isinstance(context, cst.Call)
                and _matches(body.names(context), contexts)
                and context.args
                and not _is_none(context.args[0].value)
                and _contains(statement.body, site.node)
            ):
                return True
    return False


def _is_none(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


def _contains(tree: cst.CSTNode, node: cst.CSTNode) -> bool:
    """Whether ``node`` is ``tree`` or inside it (nested functions aside: they run later)."""
    stack: list[cst.CSTNode] = [tree]
    while stack:
        current = stack.pop()
        if current is node:
            return True
        if isinstance(current, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            continue
        stack.extend(children(current))
    return False


def _partial_timeout(callee: cst.BaseExpression, where: _Where, project: Project) -> Verdict:
    """A timeout bound by ``functools.partial(api, timeout=...)`` to the name the call goes through."""
    if not isinstance(callee, cst.Name):
        return False
    verdicts: list[Verdict] = []
    for binding in where.file.resolver.lookup(callee.value, where.scope):  # type: ignore[arg-type]
        value = binding.expr
        if binding.kind == "expr" and isinstance(value, cst.Call) and dotted_name(value.func) in _PARTIALS:
            verdicts.append(_has_timeout(value, client=False, where=where, project=project))
    return _any(verdicts)


_PARTIALS = frozenset({"partial", "functools.partial"})


def _every_client_bounded(site: CallSite, project: Project) -> bool:
    """Whether the project builds clients of the call's provider, each with a timeout."""
    clients = {name for name in project.knowledge.known_names if name.startswith(tuple(site.provider.modules))}
    seen = 0
    for analysis in {id(a): a for a in project.files.values()}.values():
        for pending, canonical in project.constructions(analysis):  # API calls left out: not constructors
            if canonical not in clients:
                continue
            seen += 1
            where = _Where(analysis, pending.scope, pending.record)
            if not _has_timeout(pending.node, client=True, where=where, project=project):
                return False
    return seen > 0


# -- error states: swallowed errors --------------------------------------------


def _trivial(statement: cst.CSTNode) -> bool:
    if isinstance(statement, cst.SimpleStatementLine):
        return all(_trivial(small) for small in statement.body)
    if isinstance(statement, (cst.Pass, cst.Continue, cst.Break)):
        return True
    if isinstance(statement, cst.Return):
        return statement.value is None or (isinstance(statement.value, cst.Name) and statement.value.value == "None")
    if isinstance(statement, cst.Expr):
        value = statement.value
        if isinstance(value, (cst.Ellipsis, cst.SimpleString)):
            return True
        return isinstance(value, cst.Call) and dotted_name(value.func) == "print"
    return False


def swallows(handler: cst.ExceptHandler | cst.ExceptStarHandler) -> str | None:
    """How a handler swallows the error (``pass``, ``return None``...), or None if it handles it."""
    statements: list[cst.CSTNode] = (
        list(handler.body.body) if isinstance(handler.body, cst.IndentedBlock) else [handler.body]
    )
    if not all(_trivial(s) for s in statements):
        return None
    first = statements[0]
    small: cst.CSTNode = first.body[0] if isinstance(first, cst.SimpleStatementLine) and first.body else first
    if isinstance(small, cst.Return):
        return "return None"
    if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
        return "print"
    names = {cst.Pass: "pass", cst.Continue: "continue", cst.Break: "break"}
    return next((word for kind, word in names.items() if isinstance(small, kind)), "an empty handler")


# -- decision authority --------------------------------------------------------


@dataclass(frozen=True)
class Authority:
    mode: str | None
    source: str = ""


def _declared(site: CallSite, settings: Settings) -> Authority:
    file = site.file
    directives = file.directives
    if directives is not None and directives.authority:
        lines = [file.line(site.node)]
        if site.record is not None:
            lines.append(file.line(site.record.node.name))
        for line in lines:
            mode = directives.authority.get(line)
            if mode:
                return Authority(mode, "comment")
    if site.record is not None:
        wanted = set(settings.authority_decorators)
        for decorator in site.record.node.decorators:
            expr = decorator.decorator
            if not isinstance(expr, cst.Call):
                continue
            name = dotted_name(expr.func) or ""
            if name in wanted or last_part(name) in wanted:
                for arg in expr.args:
                    mode = string_value(arg.value)
                    if mode in AUTHORITY_MODES:
                        return Authority(mode, "decorator")
    if directives is not None and directives.module_authority:
        return Authority(directives.module_authority, "module")
    function = site.scope.qualname if site.record is not None else ""
    for pattern, mode in settings.authority_paths:
        path_glob, _, function_glob = pattern.partition("::")
        if not _path_matches(file.relative_path, path_glob):
            continue
        if function_glob and not (
            fnmatch.fnmatchcase(function, function_glob) or fnmatch.fnmatchcase(last_part(function), function_glob)
        ):
            continue
        return Authority(mode, "config")
    return Authority(None)


def _path_matches(path: str, glob: str) -> bool:
    import pathspec

    return bool(path) and pathspec.GitIgnoreSpec.from_lines([glob]).match_file(path)


def authority(site: CallSite, settings: Settings) -> Authority:
    """The declared mode of a call site: the caller's declaration, else one inside the wrapper chain."""
    for current in chain(site):
        found = _declared(current, settings)
        if found.mode is not None:
            return found
    return Authority(None)


def _receiver_text(call: cst.Call) -> str:
    if isinstance(call.func, cst.Attribute):
        return (dotted_name(call.func.value) or "").lower()
    return ""


def is_sink(call: cst.Call, body: Body, settings: Settings) -> bool:
    """An action: process or file mutation, state-changing HTTP, SQL, ORM, mail, chat, tools."""
    data = practices()
    names = body.names(call)
    if _matches(names, data.names("sinks", "functions") | set(settings.sink_extra)):
        return True
    if not isinstance(call.func, cst.Attribute):
        return False
    method = call.func.attr.value
    receiver = _receiver_text(call)
    if receiver in ("sys.stdout", "sys.stderr", "self", "cls") or not receiver:
        return False
    if method in data.names("sinks", "methods"):
        if method in ("add", "add_all", "merge"):
            return "session" in receiver or "db" in receiver
        return True
    return method in data.names("sinks", "tool-methods") and any(
        w in receiver for w in data.names("sinks", "tool-words")
    )


def _reaches(call: cst.Call, output: Output) -> bool:
    if any(output.derives(arg.value) for arg in call.args):
        return True
    func = call.func
    return isinstance(func, cst.Attribute) and output.derives(func.value)


def sinks_reached(site: CallSite, project: Project, settings: Settings) -> list[cst.Call]:
    """Action sinks in the caller's function that receive (a value derived from) the output."""
    body = project.body(site.file, site.record)
    output = project.output(site)
    return [c for c in body.calls if c is not site.node and is_sink(c, body, settings) and _reaches(c, output)]


def approved_before(site: CallSite, sink: cst.Call, project: Project, settings: Settings) -> bool:
    """Whether a human-approval call comes before ``sink`` in the function."""
    body = project.body(site.file, site.record)
    approvals = set(settings.approvals)
    words = practices().names("authority", "approval-words")
    for call in body.calls:
        if not body.before(call, sink):
            continue
        names = body.names(call)
        if _matches(names, approvals) or any(w in last_part(n).lower() for n in names for w in words):
            return True
    return False


# -- security: output to code execution ---------------------------------------


def _built_from(expr: cst.BaseExpression, output: Output) -> bool:
    """SQL text built from the output: an f-string, concatenation, ``%`` or ``.format`` of it, or the output itself."""
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)):
        return False
    return output.derives(expr)


def _sql_runner(call: cst.Call, names: list[str]) -> bool:
    """A framework SQL runner: LangChain's ``SQLDatabase(...).run(sql)`` (however the database was made)."""
    data = practices()
    runners = data.names("exec", "sql-runners")
    methods = data.names("exec", "sql-runner-methods")
    if not isinstance(call.func, cst.Attribute) or call.func.attr.value not in methods:
        return False
    return any(runner in name for name in names for runner in runners)


def exec_sinks(site: CallSite, project: Project) -> list[tuple[cst.Call, str]]:
    """Calls where the output reaches code execution, a shell, deserialisation or SQL text."""
    data = practices()
    body = project.body(site.file, site.record)
    output = project.output(site)
    functions = data.names("exec", "functions")
    subprocess = data.names("exec", "subprocess")
    always_shell = data.names("exec", "always-shell")
    sql_methods = data.names("exec", "sql-methods")
    sql_functions = data.names("exec", "sql-functions")
    found: list[tuple[cst.Call, str]] = []
    for call in body.calls:
        if call is site.node or not call.args:
            continue
        names = body.names(call)
        first = call.args[0].value if call.args[0].keyword is None else None
        canonical, text = body.callee(call)
        shown = text or canonical or "call"
        if any(n in functions for n in names) or (canonical is None and text in functions):
            if any(output.derives(a.value) for a in call.args):
                found.append((call, f"{shown}()"))
            continue
        if any(n in subprocess for n in names) and first is not None:
            shell = any(
                a.keyword is not None
                and a.keyword.value == "shell"
                and not (isinstance(a.value, cst.Name) and a.value.value == "False")
                for a in call.args
            ) or any(n in always_shell for n in names)
            if isinstance(first, (cst.List, cst.Tuple)):
                head = first.elements[0].value if first.elements else None
                if (head is not None and output.derives(head)) or (shell and output.derives(first)):
                    found.append((call, f"{shown}() as the program" if not shell else f"{shown}(shell=True)"))
            elif output.derives(first):
                found.append((call, f"{shown}(shell=True)" if shell else f"{shown}() as the command"))
            continue
        is_sql = any(n in sql_functions for n in names) or _sql_runner(call, names)
        if not is_sql and isinstance(call.func, cst.Attribute) and call.func.attr.value in sql_methods:
            receiver = _receiver_text(call)
            is_sql = bool(re.search(r"cur|conn|db|session|engine|sql|database", receiver)) or any(
                re.search(r"sqlite3|psycopg|pymysql|sqlalchemy|asyncpg|duckdb|pandas", n) for n in names
            )
        if is_sql and first is not None and _built_from(first, output):
            found.append((call, f"SQL text in {shown}()"))
    return found
