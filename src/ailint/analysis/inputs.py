"""Input contracts: request data that reaches a model call's prompt without passing a validator.

Sources are data (``knowledge/practices/inputs.toml``): the parameters of a
web endpoint (a route decorator of FastAPI, Flask, Starlette...), what is read
from a request object (``request.json()``, ``request.GET``, an ``UploadFile``),
Flask's ``request.args``/``form``/``json`` and queue reads. Command-line input
(``input()``, ``sys.argv``, argparse, click and typer) is the operator's own
text, not untrusted data, and is not a source. The taint is
followed inside the function that makes the call (and from its callers into its
parameters, two calls up), where validation is read statement by statement; what
that reading does not see is followed by the value-flow engine, where request
data is a value (``flow.values.Input``) like a model client: across functions,
attributes, containers and keyword dicts, into system messages it marks.

What validates: a parameter typed with a pydantic model (the framework
validates the request into it), a validator called on the value (pydantic,
``jsonschema``, a configured validator, a function whose name says it
validates: ``validate_question(q)``), and conversions that keep no text
(``int(...)``). Precision over recall: a value that cannot be followed is not
a source.
"""

from __future__ import annotations

import sys
import weakref
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import libcst as cst

from ailint.analysis.body import Body, keywords, last_part
from ailint.analysis.calls import CallSite, FileAnalysis
from ailint.analysis.dataflow import target_names
from ailint.analysis.project import Project
from ailint.analysis.scope import dotted_name, string_value
from ailint.knowledge import practices
from ailint.settings import Settings

if TYPE_CHECKING:
    from ailint.flow.program import Program

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

_DEPTH = 2


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    text = resources.files("ailint.knowledge").joinpath("practices").joinpath("inputs.toml").read_text("utf-8")
    data: dict[str, Any] = tomllib.loads(text)
    return data


def _names(section: str, key: str) -> frozenset[str]:
    return frozenset(_data()[section][key])


@dataclass(frozen=True)
class Tainted:
    """Request data reaching a model call: the role it lands in, and where it came from."""

    role: str
    """``system`` or ``user``."""
    source: str
    """What the data is (``parameter 'question' of the endpoint ask()``)."""


# -- sources of one function ------------------------------------------------------


def _annotation(param: cst.Param) -> cst.BaseExpression | None:
    return param.annotation.annotation if param.annotation is not None else None


def _annotation_names(expr: cst.BaseExpression | None, body: Body) -> list[str]:
    """The types an annotation names (``Optional[X]``, ``X | None``, ``Annotated[X, ...]`` unwrapped)."""
    if expr is None:
        return []
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.BitOr):
        return _annotation_names(expr.left, body) + _annotation_names(expr.right, body)
    if isinstance(expr, cst.Subscript):
        head = dotted_name(expr.value) or ""
        elements = [e.slice.value for e in expr.slice if isinstance(e.slice, cst.Index)]
        if last_part(head) in ("Optional", "Union") and elements:
            return [n for e in elements for n in _annotation_names(e, body)]
        if last_part(head) == "Annotated" and elements:
            return _annotation_names(elements[0], body)
        if last_part(head) == "Literal":
            return ["Literal"]
        return [body.file.resolver.resolve(expr.value, body.scope) or head]
    if isinstance(expr, cst.SimpleString):
        text = string_value(expr) or ""
        return [text]
    found = body.file.resolver.resolve(expr, body.scope) or dotted_name(expr)
    return [found] if found else []


def _validated_type(project: Project, name: str) -> bool:
    """A project class built on a validating base (a pydantic model), or an enum of the project."""
    if not name or "(" in name:
        return False
    models = practices().names("validation", "models")
    bases = list(project.bases(name))
    return any(base in models for base in bases) or any(last_part(b) in ("Enum", "StrEnum", "IntEnum") for b in bases)


def _decorated_as(body: Body) -> str | None:
    """``route`` for a web endpoint, else None."""
    routes = _names("sources", "route-modules")
    methods = _names("sources", "route-methods")
    for canonical, text in body.decorators:
        name = canonical or text or ""
        if name.split(".", 1)[0] in routes and last_part(name) in methods:
            return "route"
    return None


@dataclass(frozen=True)
class _Seeds:
    names: dict[str, str]
    """Tainted names and what each one is."""
    requests: frozenset[str]
    """Parameters holding a request object (what is read from them is request data)."""


def _seeds(body: Body, project: Project) -> _Seeds:
    record = body.record
    if record is None:
        return _Seeds({}, frozenset())
    kind = _decorated_as(body)
    safe = _names("validation", "safe-types")
    request_types = _names("sources", "request-types")
    dependencies = _names("validation", "dependency-defaults")
    function = record.node.name.value
    names: dict[str, str] = {}
    requests: set[str] = set()
    params = record.node.params
    for param in [*params.posonly_params, *params.params, *params.kwonly_params]:
        name = param.name.value
        if name in ("self", "cls"):
            continue
        types = _annotation_names(_annotation(param), body)
        if any(t in request_types or last_part(t) in ("Request", "WebSocket", "UploadFile") for t in types):
            requests.add(name)
            continue
        if kind is None:
            if name == "request" and not types:
                requests.add(name)  # a Django view's request: only GET/POST/FILES are read as request data
            continue
        default = param.default
        if isinstance(default, cst.Call):
            callee = body.file.resolver.resolve(default.func, body.scope) or dotted_name(default.func) or ""
            if callee in dependencies or last_part(callee) in dependencies:
                continue
        if types and all(t in safe or last_part(t) in safe or _validated_type(project, t) for t in types):
            continue
        names[name] = f"parameter '{name}' of the endpoint {function}()"
    return _Seeds(names, frozenset(requests))


# -- the taint inside a function ---------------------------------------------------


class InputTaint:
    """Request data inside one function: names that hold it, and the expressions that read it."""

    def __init__(
        self, body: Body, project: Project, settings: Settings, extra: dict[str, tuple[str, bool]] | None = None
    ) -> None:
        self.body = body
        self.project = project
        seeds = _seeds(body, project)
        self.requests = seeds.requests
        self.names: dict[str, str] = {**seeds.names, **{k: v[0] for k, v in (extra or {}).items()}}
        self.embedded: set[str] = {k for k, v in (extra or {}).items() if v[1]}
        """Names holding request data written into the application's own text."""
        self.validators = practices().names("validation", "functions") | set(settings.validators)
        self._validated: set[str] = set()
        record = body.record
        if record is None:
            return
        changed = True
        rounds = 0
        while changed and rounds < 20:
            changed, rounds = False, rounds + 1
            for target, value in record.flows:
                found = self.source_of(value)
                if found is None:
                    continue
                for name in target_names(target):
                    if name not in self.names:
                        self.names[name] = found[0]
                        changed = True
                    if found[1] and name not in self.embedded:
                        self.embedded.add(name)
                        changed = True
            for call in body.calls:  # ``parts.append(question)``: the container holds it
                func = call.func
                if (
                    isinstance(func, cst.Attribute)
                    and func.attr.value in ("append", "extend", "insert", "add", "update")
                    and isinstance(func.value, cst.Name)
                    and func.value.value not in self.names
                ):
                    source = next((s for a in call.args if (s := self.source(a.value)) is not None), None)
                    if source is not None:
                        self.names[func.value.value] = source
                        changed = True
        for call in body.calls:  # ``validate_question(q)`` validates ``q`` for the rest of the function
            if self._validates(call):
                for arg in call.args:
                    if isinstance(arg.value, cst.Name):
                        self._validated.add(arg.value.value)

    @property
    def validates_any(self) -> bool:
        """Whether the function validates request data it holds (then what it sends is judged here)."""
        return any(name in self.names for name in self._validated)

    def _validates(self, call: cst.Call) -> bool:
        canonical, text = self.body.callee(call)
        names = [n for n in (canonical, text) if n]
        if any(n in self.validators for n in names):
            return True
        methods = practices().names("validation", "methods")
        if isinstance(call.func, cst.Attribute) and call.func.attr.value in methods:
            return True
        prefixes = _names("validation", "function-prefixes")
        if any(last_part(n).lower().startswith(p) for n in names for p in prefixes):
            return True
        return bool(canonical) and _validated_type(self.project, canonical or "")

    def source(self, expr: cst.CSTNode) -> str | None:
        """What request data ``expr`` holds, or None when it holds none the analysis can see."""
        found = self.source_of(expr)
        return found[0] if found is not None else None

    def source_of(self, expr: cst.CSTNode) -> tuple[str, bool] | None:
        """What request data ``expr`` holds, and whether it is written into the application's own text
        (an f-string, a concatenation or a ``.format`` with words of its own), or None."""
        stack: list[tuple[cst.CSTNode, bool]] = [(expr, False)]
        resolver, scope = self.body.file.resolver, self.body.scope
        calls = _names("sources", "calls")
        attributes = _names("sources", "attributes")
        reads = _names("sources", "request-reads")
        unannotated = _names("sources", "request-reads-unannotated")
        conversions = _names("validation", "conversions")
        while stack:
            node, embedded = stack.pop()
            if isinstance(node, cst.Name):
                if node.value in self.names and node.value not in self._validated:
                    return self.names[node.value], embedded or node.value in self.embedded
                continue
            if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                continue
            if isinstance(node, cst.Call):
                canonical, text = self.body.callee(node)
                if self._validates(node) or (text or "") in conversions or (canonical or "") in conversions:
                    continue
                if (canonical or text or "") in calls:
                    return f"{text or canonical}()", embedded
            if isinstance(node, cst.Attribute):
                canonical = resolver.resolve(node, scope)
                if canonical is not None and any(canonical == a or canonical.startswith(a + ".") for a in attributes):
                    return dotted_name(node) or canonical, embedded
                base = node.value
                if isinstance(base, cst.Name) and base.value in self.requests:
                    annotated = base.value != "request" or self._annotated(base.value)
                    if node.attr.value in (reads if annotated else unannotated):
                        return f"{base.value}.{node.attr.value}", embedded
            if isinstance(node, cst.Subscript):
                stack.append((node.value, embedded))  # a key taken from the input selects a fixed value: not followed
                continue
            embedded = embedded or _worded(node)
            stack.extend((child, embedded) for child in node.children)
        return None

    def _annotated(self, name: str) -> bool:
        record = self.body.record
        if record is None:
            return False
        params = record.node.params
        return any(p.name.value == name and p.annotation is not None for p in [*params.params, *params.kwonly_params])


def _words(node: cst.CSTNode) -> bool:
    """A string literal with words in it (not only spaces and punctuation)."""
    if isinstance(node, cst.SimpleString):
        return any(c.isalpha() for c in string_value(node) or "")
    if isinstance(node, cst.FormattedString):
        return any(isinstance(p, cst.FormattedStringText) and any(c.isalpha() for c in p.value) for p in node.parts)
    if isinstance(node, cst.ConcatenatedString):
        return _words(node.left) or _words(node.right)
    return False


def _worded(node: cst.CSTNode) -> bool:
    """Whether what ``node`` holds is written into text of the application's: an f-string or a concatenation
    with words of its own, or ``"... {} ...".format(...)``."""
    if isinstance(node, (cst.FormattedString, cst.ConcatenatedString)):
        return _words(node)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        return _words(node.left) or _words(node.right)
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "format":
        return _words(node.func.value)
    return False


# -- where it lands ------------------------------------------------------------------


def _system_content(node: cst.CSTNode, body: Body) -> list[cst.BaseExpression]:
    """Expressions that become the system role: ``{"role": "system", "content": x}``, ``SystemMessage(x)``..."""
    found: list[cst.BaseExpression] = []
    if isinstance(node, cst.Dict):
        items = {string_value(e.key): e.value for e in node.elements if isinstance(e, cst.DictElement)}
        role = items.get("role")
        if role is not None and string_value(role) in ("system", "developer") and "content" in items:
            found.append(items["content"])
    elif isinstance(node, cst.Tuple) and len(node.elements) == 2:
        if string_value(node.elements[0].value) == "system":
            found.append(node.elements[1].value)
    elif isinstance(node, cst.Call):
        name = dotted_name(node.func) or ""
        if last_part(name) in _names("validation", "system-messages") and node.args:
            found.extend(a.value for a in node.args if a.keyword is None or a.keyword.value == "content")
    return found


def prompt_taint(site: CallSite, project: Project, settings: Settings) -> list[Tainted]:
    """Request data in the prompt of a direct generation call, and the role it lands in.

    Read first in the function that makes the call (and its callers' arguments); what that reading
    does not see is followed by the value-flow engine across the project. The user's own text sent
    as the user's message is what a chat application does: only request data written into the
    application's own text in the user role is reported there.
    """
    body = project.body(site.file, site.record)
    taint = _taint(body, project, settings, 0)
    if taint is not None:
        found = _read_here(site, body, taint)
        if found is not None:
            return [found]
        if taint.validates_any:
            return []
    return _followed(site, project)


def _read_here(site: CallSite, body: Body, taint: InputTaint) -> Tainted | None:
    not_prompt = _names("validation", "not-prompt")
    system_keywords = _names("validation", "system-keywords")
    given = keywords(site.node)
    user: tuple[str, bool] | None = None
    for key, value in given.items():
        if key in not_prompt:
            continue
        found = taint.source_of(value)
        if found is None:
            continue
        if key in system_keywords:
            return Tainted("system", found[0])
        user = user if user is not None and user[1] else found
    for arg in site.node.args:
        if arg.keyword is None:
            found = taint.source_of(arg.value)
            if found is not None:
                user = user if user is not None and user[1] else found
    if user is None:
        return None
    for node in body.nodes:  # system messages built in the function with request data in them
        for content in _system_content(node, body):
            source = taint.source(content)
            if source is not None:
                return Tainted("system", source)
    return Tainted("user", user[0]) if user[1] else None


def _followed(site: CallSite, project: Project) -> list[Tainted]:
    """Request data the value-flow engine finds in the call's prompt arguments.

    One root cause is reported once: request data put into one system message (or written into the
    application's text) reaches every provider call behind a shared client; it is reported at the
    first of those calls, and the message names where the data entered.
    """
    program = project.program
    if program is None or site.file.module not in program.summaries:
        return []
    where = site.file.position(site.node)
    if where is None:
        return []
    index = program.call_at(site.file.module, where[0], where[1], (where[2], where[3]))
    if index is None:
        return []
    key = (site.file.module, index)
    roles = _prompt_inputs(program).get(key)
    if roles is None:
        return []
    first = _first_calls(program)
    system, text = roles
    if system:
        return [
            Tainted("system", _described(sorted(system[at]), at, project))
            for at in sorted(system)
            if first.get(("system", at)) == key
        ]
    return [
        Tainted("user", _described([source], "", project))
        for source in sorted(text)
        if first.get(("text", source)) == key
    ]


_Roles = tuple[dict[str, set[str]], set[str]]
"""Request data in a call's prompt: by the system message it entered (its sources), and the sources
written into the application's text in the user role."""

_PROMPTS: weakref.WeakKeyDictionary[Program, dict[tuple[str, int], _Roles]] = weakref.WeakKeyDictionary()
_FIRST: weakref.WeakKeyDictionary[Program, dict[tuple[str, str], tuple[str, int]]] = weakref.WeakKeyDictionary()


def _prompt_inputs(program: Program) -> dict[tuple[str, int], _Roles]:
    """Per generation call of product code: the request data in its prompt arguments, by role."""
    found = _PROMPTS.get(program)
    if found is not None:
        return found
    found = {}
    not_prompt = _names("validation", "not-prompt")
    system_keywords = _names("validation", "system-keywords")
    for key, arguments in program.inputs.items():
        if key[0] in program.tests:
            continue
        specs = [program.api(v) for v in program.callee_values(*key)]
        if not any(spec is not None and spec.operation == "generate" for spec in specs):
            continue
        system: dict[str, set[str]] = {}
        text: set[str] = set()
        for name, values in arguments:
            if name in not_prompt:
                continue
            for value in values:
                if value.role == "system" or name in system_keywords:
                    system.setdefault(value.at or f"{key[0]}:{program.call(*key).line}", set()).add(value.source)
                elif value.role == "text":
                    text.add(value.source)
        if system or text:
            found[key] = (system, text)
    _PROMPTS[program] = found
    return found


def _first_calls(program: Program) -> dict[tuple[str, str], tuple[str, int]]:
    """For each system message holding request data (and each source written into text), the first call
    (by module and line) it reaches: where it is reported."""
    found = _FIRST.get(program)
    if found is not None:
        return found
    found = {}
    for key in sorted(_prompt_inputs(program), key=lambda k: (k[0], program.call(*k).line, k[1])):
        system, text = _prompt_inputs(program)[key]
        for at in system:
            found.setdefault(("system", at), key)
        if not system:
            for source in text:
                found.setdefault(("text", source), key)
    _FIRST[program] = found
    return found


def _described(sources: list[str], at: str, project: Project) -> str:
    """``flask.request.get_json() (put into the system message at app/agent.py:12)``."""
    shown = ", ".join(sources[:3]) + (f" and {len(sources) - 3} more" if len(sources) > 3 else "")
    if not at:
        return shown
    module, _, line = at.rpartition(":")
    analysis = project.files.get(module)
    path = analysis.relative_path if analysis is not None and analysis.relative_path else module
    return f"{shown} (put into the system message at {path}:{line})"


_TAINTS: weakref.WeakKeyDictionary[Body, dict[tuple[int, int], InputTaint | None]] = weakref.WeakKeyDictionary()


def _taint(body: Body, project: Project, settings: Settings, depth: int) -> InputTaint | None:
    """The function's taint, with its parameters tainted where its callers pass request data."""
    memo = _TAINTS.setdefault(body, {})
    key = (id(project.program), depth)
    if key in memo:
        return memo[key]
    memo[key] = None  # recursion through the call graph
    extra = _from_callers(body, project, settings, depth) if depth < _DEPTH else {}
    taint = InputTaint(body, project, settings, extra)
    found = taint if taint.names or taint.requests or _reads_sources(body, taint) else None
    memo[key] = found
    return found


def _reads_sources(body: Body, taint: InputTaint) -> bool:
    return any(taint.source(call) is not None for call in body.calls)


# -- callers ----------------------------------------------------------------------

_CALLERS: weakref.WeakKeyDictionary[Program, dict[str, list[tuple[str, int]]]] = weakref.WeakKeyDictionary()


def _program_callers(program: Program) -> dict[str, list[tuple[str, int]]]:
    found = _CALLERS.get(program)
    if found is None:
        from ailint.flow.values import Bnd, Fn

        found = {}
        for (module, index), values in program.callees.items():
            for value in values:
                if isinstance(value, (Fn, Bnd)):
                    found.setdefault(value.qual, []).append((module, index))
        _CALLERS[program] = found
    return found


def _from_callers(body: Body, project: Project, settings: Settings, depth: int) -> dict[str, tuple[str, bool]]:
    """Parameters of ``body``'s function that every caller the program knows may pass request data to."""
    record = body.record
    program = project.program
    if record is None or program is None:
        return {}
    qual = f"{body.file.module}.{record.scope.qualname}"
    params = [p.name.value for p in record.node.params.params]
    if params and params[0] in ("self", "cls"):
        params = params[1:]
    found: dict[str, tuple[str, bool]] = {}
    for module, index in _program_callers(program).get(qual, []):
        call = program.call(module, index)
        caller = _caller_body(project, module, call.scope)
        if caller is None:
            continue
        taint = _taint(caller, project, settings, depth + 1)
        if taint is None:
            continue
        for node in _call_nodes(caller, call.line, call.column, record.node.name.value):
            positional = 0
            for arg in node.args:
                if arg.star:
                    break
                name = arg.keyword.value if arg.keyword is not None else None
                if name is None:
                    name = params[positional] if positional < len(params) else None
                    positional += 1
                if name is None or name in found:
                    continue
                source = taint.source_of(arg.value)
                if source is not None:
                    found[name] = source
    return found


def _caller_body(project: Project, module: str, scope: str) -> Body | None:
    analysis: FileAnalysis | None = project.files.get(module)
    if analysis is None and project.loader is not None:
        analysis = project.loader(module)
    if analysis is None:
        return None
    if scope == module:
        return None  # module-level code is not an endpoint
    for record in analysis.functions:
        if f"{analysis.module}.{record.scope.qualname}" == scope:
            return project.body(analysis, record)
    return None


def _call_nodes(body: Body, line: int, column: int, name: str) -> list[cst.Call]:
    """The call at ``line``/``column`` of the body; in a module read without positions, the calls of ``name``."""
    named = []
    for call in body.calls:
        where = body.file.position(call)
        if where is not None and where[0] == line and where[1] == column:
            return [call]
        func = call.func
        if (isinstance(func, cst.Name) and func.value == name) or (
            isinstance(func, cst.Attribute) and func.attr.value == name
        ):
            named.append(call)
    return named
