"""Where a call's output is consumed as data, and where it decides (SPEC section 2).

The output rules apply only where the application *uses* the model's output
as data: parses it and reads it, converts it to a number, an enum or a bool,
compares it or branches on it, uses it as a key or a route, stores it in a
structured record, or passes it to an action or an exec sink. Output that is
only shown to a person (returned as text, printed, logged, streamed,
rendered) needs no schema, and output nobody reads needs nothing.

The output is followed inside the function holding the call site (``Output``)
and into the project functions it is passed to (their parameters are tainted
in turn, a few calls deep). A wrapper call site is judged in its caller's
function, where the wrapper's result is read.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable
from dataclasses import dataclass

import libcst as cst

from ailint.analysis.body import Body, last_part
from ailint.analysis.calls import CallSite, FileAnalysis, FunctionRecord
from ailint.analysis.dataflow import target_names
from ailint.analysis.project import Project
from ailint.analysis.scope import dotted_name, string_value
from ailint.analysis.tree import children, walk
from ailint.settings import Settings

_DEPTH = 3


@dataclass(frozen=True)
class Use:
    """One place where the output is consumed as data."""

    how: str
    """What is done with it: ``parsed by json.loads()``, ``compared``, ``used as a key``..."""
    node: cst.CSTNode
    file: FileAnalysis
    decides: bool
    """Whether the use decides something (a branch, a route, an action)."""
    data: bool = False
    """Whether the use relies on the output's form: parses it, converts it, stores it, looks it up, or acts on it.
    A comparison, a test or a ``match`` is not: it checks the output against what is expected."""

    def where(self, site: CallSite) -> str:
        """``line 12``, or ``acme/triage.py:12`` when the use is in another file."""
        line = self.file.line(self.node)
        if self.file is site.file:
            return f"line {line}"
        path = self.file.relative_path or self.file.module.replace(".", "/") + ".py"
        return f"{path}:{line}" if line else path  # a module read for its facts only has no positions


class Taint:
    """Values derived from a seed (a call node, or parameter names) inside one function.

    An attribute assigned the output (``step.output = reply``) taints that attribute only
    (``step.output``), not every attribute of the object; an item (``row["answer"] = reply``)
    taints the container. Usage and cost read from a response are measurements, not content.
    """

    def __init__(
        self,
        record: FunctionRecord | None,
        call: cst.Call | None,
        seeds: frozenset[str] = frozenset(),
        barriers: frozenset[int] = frozenset(),
    ):
        self.call = call
        self.barriers = barriers
        """Ids of the other model call sites of the file: the output of a call given this one's output (as its
        prompt, say) is that call's output, judged at that call, not a value derived from this one."""
        self.names: frozenset[str] = seeds
        self.attributes: frozenset[str] = frozenset()
        if record is None:
            return
        names = set(seeds)
        attributes: set[str] = set()
        changed = True
        while changed:
            changed = False
            for target, value in record.flows:
                target, value = _enumerated(target, value)
                new_names, new_attributes = _targets(target)
                fresh = [n for n in new_names if n not in names] + [a for a in new_attributes if a not in attributes]
                if fresh and self.derives(value):
                    names.update(new_names)
                    attributes.update(new_attributes)
                    self.names = frozenset(names)
                    self.attributes = frozenset(attributes)
                    changed = True

    def derives(self, expr: cst.CSTNode) -> bool:
        """Whether ``expr`` holds (part of) the seed; a lookup in a fixed container selects its value."""
        stack: list[cst.CSTNode] = [expr]
        while stack:
            node = stack.pop()
            if node is self.call:
                return True
            if isinstance(node, cst.Name):
                if node.value in self.names:
                    return True
                continue
            if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                continue
            if isinstance(node, cst.Attribute):
                if _is_metadata(node.attr.value):
                    continue
                if self.attributes:
                    dotted = dotted_name(node)
                    if dotted is not None and any(dotted == a or dotted.startswith(a + ".") for a in self.attributes):
                        return True
            if isinstance(node, cst.Subscript):
                if _metadata_key(node.slice[0].slice if node.slice else None):
                    continue  # ``reply["usage"]``, ``block["type"]``
                stack.append(node.value)
                continue
            if isinstance(node, cst.Call) and node is not self.call:
                if id(node) in self.barriers:
                    continue
                func = node.func
                if isinstance(func, cst.Name) and func.value in _OPAQUE:
                    continue  # ``len(text)`` is a size, not the text
                key = (
                    node.args[1].value
                    if isinstance(func, cst.Name) and func.value == "getattr" and len(node.args) > 1
                    else None
                )
                if isinstance(func, cst.Attribute) and func.attr.value == "get" and node.args:
                    key = node.args[0].value
                if key is not None and _is_metadata(string_value(key)):
                    continue  # ``getattr(block, "type")``, ``resp.get("usage")``
                if any(_is_metadata(string_value(a.value)) for a in node.args[1:2]):
                    continue  # ``self._value(block, "type")``: a project accessor reading the same field
                called = (dotted_name(func) or "").lower()
                if any(word in called.rsplit(".", 1)[-1] for word in _MEASURES):
                    continue  # ``completion_cost(response)``, ``count_tokens(text)``
                if isinstance(func, cst.Attribute) and func.attr.value == "get":
                    stack.append(func.value)
                    continue
            stack.extend(children(node))
        return False


class Content(Taint):
    """The generated content of a raw HTTP response, inside one function.

    A raw HTTP call's response is the provider's wire format: decoding its
    body or its server-sent events (``json.loads(line)``, ``resp.json()``) and
    reading the envelope's fields is the protocol, not a use of the answer.
    The content starts where a content field is read from the decoded body
    (``data["choices"][0]["message"]["content"]``, ``.get("text")``,
    ``["generated_text"]``); from there it is followed as any output is.
    """

    def __init__(self, record: FunctionRecord | None, envelope: Taint, seeds: frozenset[str] = frozenset()):
        self.envelope = envelope
        super().__init__(record, None, seeds, envelope.barriers)

    def derives(self, expr: cst.CSTNode) -> bool:
        return super().derives(expr) or self._reads_content(expr)

    def _reads_content(self, expr: cst.CSTNode) -> bool:
        stack: list[cst.CSTNode] = [expr]
        while stack:
            node = stack.pop()
            if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                continue
            if isinstance(node, cst.Subscript) and node.slice:
                index = node.slice[0].slice
                key = string_value(index.value) if isinstance(index, cst.Index) else None
                if key in _CONTENT_KEYS and self.envelope.derives(node.value):
                    return True
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "get":
                key = string_value(node.args[0].value) if node.args else None
                if key in _CONTENT_KEYS and self.envelope.derives(node.func.value):
                    return True
            stack.extend(children(node))
        return False


_CONTENT_KEYS = frozenset(
    {"content", "text", "generated_text", "response", "output", "output_text", "outputText", "completion", "generation",
     "answer", "arguments"}
)  # fmt: skip
"""Fields of a model API's wire format that hold what the model generated (OpenAI's ``content`` and ``text``,
Anthropic's ``text``, Ollama's ``response``, Hugging Face's ``generated_text``, Bedrock's ``outputText`` and
``generation``, tool calls' ``arguments``)."""


def _enumerated(target: cst.BaseExpression, value: cst.BaseExpression) -> tuple[cst.BaseExpression, cst.BaseExpression]:
    """``for i, item in enumerate(items)``: the position ``i`` is a count, not part of the output."""
    if (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Name)
        and value.func.value == "enumerate"
        and value.args
        and isinstance(target, (cst.Tuple, cst.List))
        and len(target.elements) == 2
    ):
        return target.elements[1].value, value.args[0].value
    return target, value


def _targets(target: cst.BaseExpression) -> tuple[list[str], list[str]]:
    """Names, and ``name.attr`` attributes, an assignment target binds (``self``/``cls`` attributes aside)."""
    if isinstance(target, cst.Name):
        return [target.value], []
    if isinstance(target, (cst.Tuple, cst.List)):
        names: list[str] = []
        attributes: list[str] = []
        for element in target.elements:
            found = _targets(element.value)
            names += found[0]
            attributes += found[1]
        return names, attributes
    if isinstance(target, cst.StarredElement):
        return _targets(target.value)
    if isinstance(target, cst.Attribute):
        base: cst.BaseExpression = target
        while isinstance(base, cst.Attribute) and isinstance(base.value, cst.Attribute):
            base = base.value
        if isinstance(base, cst.Attribute) and isinstance(base.value, cst.Name):
            if base.value.value in ("self", "cls"):
                return [], []
            return [], [f"{base.value.value}.{base.attr.value}"]
        return [], []
    return target_names(target, receivers=True), []


_METADATA = frozenset(
    {"usage", "usage_metadata", "token_usage", "prompt_tokens", "completion_tokens", "total_tokens", "input_tokens",
     "output_tokens", "response_metadata", "model", "id", "created", "system_fingerprint", "response_ms", "cost",
     "type", "role", "index", "object", "finish_reason", "stop_reason", "prompt_eval_count", "eval_count",
     "status", "event", "event_type", "item_id", "output_index", "content_index", "sequence_number", "call_id",
     "tool_call_id", "stop_sequence", "block_type", "response_id", "message_id", "content_block_index",
     "metrics", "latency_ms", "incomplete_details", "annotation", "annotations", "mime_type"}
)  # fmt: skip
"""Attributes of a response that describe the request or its envelope (usage, model, ids, event and block
types, statuses), not the generated content: a converter that dispatches on them reads structure."""
_MEASURES = ("cost", "token", "usage")


def _is_metadata(name: str | None) -> bool:
    """Whether a field name is one of the envelope's, in either spelling (``stop_reason``, Bedrock's
    ``stopReason``)."""
    if not name:
        return False
    return name in _METADATA or _CAMEL.sub("_", name).lower() in _METADATA


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _metadata_key(index: cst.BaseSlice | None) -> bool:
    return isinstance(index, cst.Index) and _is_metadata(string_value(index.value))


_STRUCTURE_KEYS = frozenset(
    {"text", "content", "message", "choices", "tool_calls", "function_call", "usage", "output", "candidates", "parts",
     "prompt_eval_count", "eval_count", "error", "type", "role", "messages", "answer", "result", "output_text",
     "generations", "data"}
)  # fmt: skip
"""Keys of a provider's response: testing for them reads its structure, not the generated content."""
_OPAQUE = frozenset({"len", "id", "type", "isinstance", "hash", "print", "repr"})
_PARSERS = frozenset(
    {
        "json.loads", "json.load", "orjson.loads", "ujson.loads", "simplejson.loads", "yaml.safe_load", "yaml.load",
        "ast.literal_eval", "json_repair.loads", "json_repair.repair_json", "json5.loads", "demjson3.decode",
        "tomllib.loads", "tomli.loads",
        "xml.etree.ElementTree.fromstring", "pandas.read_json", "csv.reader",
    }
)  # fmt: skip
_MATCHERS = frozenset({"re.search", "re.match", "re.fullmatch", "re.findall", "re.finditer"})
"""A pattern match is a check of the text's form: a group it captures converts as the pattern says."""
_FORM_TESTS = frozenset({"isdigit", "isnumeric", "isdecimal"})
_CONVERTERS = frozenset({"int", "float", "complex", "decimal.Decimal", "Decimal", "datetime.datetime.fromisoformat"})
"""Conversions that read the text as a value (``bool(text)`` only asks whether there is any)."""
_TESTS = frozenset({"startswith", "endswith", "isdigit", "isnumeric", "isdecimal", "isalpha", "__contains__"})
_ENUMS = frozenset({"enum.Enum", "enum.StrEnum", "enum.IntEnum", "enum.Flag", "enum.IntFlag"})
_UI_RECEIVERS = ("socket", "ws", "stream", "queue", "response", "msg", "message")


def _structure_key(text: str | None) -> bool:
    """A key of a provider's response or event (``"text"``, ``"contentBlockDelta"``, ``"tool_use"``).

    Testing whether the output holds such a key reads its structure; a plain
    lowercase word (``"yes" in reply``) tests the generated text.
    """
    if text is None:
        return False
    if text in _STRUCTURE_KEYS:
        return True
    identifier = text.replace("_", "").replace(".", "").isalnum() and text.isascii()
    return identifier and ("_" in text or "." in text or text != text.lower())


def _tests_a_word(call: cst.Call) -> bool:
    """``text.startswith("yes")`` decides; ``line.startswith("1.")`` or a code fence is parsing the text."""
    if not call.args:
        return False  # ``.isdigit()``: checking a piece while parsing it
    text = string_value(call.args[0].value)
    return text is None or text.strip().isalpha()


def _is_empty(expr: cst.BaseExpression) -> bool:
    """``None``, ``True``, ``False``, ``""``, ``[]``, ``{}``: comparing with them checks presence, not content."""
    if isinstance(expr, cst.Name):
        return expr.value in ("None", "True", "False")
    if isinstance(expr, (cst.List, cst.Dict, cst.Tuple)) and not expr.elements:
        return True
    return string_value(expr) == ""


def _comparison_use(comparison: cst.Comparison, taint: Taint) -> tuple[str, bool] | None:
    """How a comparison consumes the output, and whether it decides; None if it does not."""
    operands = [comparison.left, *(t.comparator for t in comparison.comparisons)]
    if not any(taint.derives(o) for o in operands):
        return None
    operators = [t.operator for t in comparison.comparisons]
    if all(isinstance(op, (cst.Is, cst.IsNot)) for op in operators) or any(_is_empty(o) for o in operands):
        return None  # ``reply is None``, ``text == ""``: an error check, not a use of the content
    if isinstance(operators[0], (cst.In, cst.NotIn)) and _structure_key(string_value(comparison.left)):
        return None  # ``"text" in choice``: which part of the response holds the answer, not the answer
    if all(isinstance(op, (cst.In, cst.NotIn)) for op in operators) and taint.derives(comparison.left):
        rest = operands[1:]
        if not any(taint.derives(o) for o in rest):
            return "checked against an allowed set", False
    others = [o for o in operands if not taint.derives(o)]
    if others and not any(_fixed(o) for o in others):
        return None  # ``part.name == tool.name``, ``fact not in seen``: matching two values, bookkeeping
    return "compared", True


def _fixed(expr: cst.BaseExpression) -> bool:
    """A literal or a constant (``"refund"``, ``0.8``, ``Label.SPAM``, ``ALLOWED``): what a decision compares with."""
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float, cst.FormattedString)):
        return True
    if isinstance(expr, (cst.Tuple, cst.List, cst.Set)):
        return all(_fixed(e.value) for e in expr.elements)
    if isinstance(expr, cst.UnaryOperation):
        return _fixed(expr.expression)
    name = dotted_name(expr)
    return name is not None and any(part.isupper() or part[:1].isupper() for part in name.split("."))


def _callee_enum(body: Body, call: cst.Call, project: Project) -> bool:
    canonical = body.callee(call)[0]
    if not canonical or "(" in canonical:
        return False
    return any(base in _ENUMS for base in project.bases(canonical))


def _project_record(project: Project, canonical: str | None) -> bool:
    """A project record class (a pydantic model, an ORM row, a typed dict): building one stores the output.

    Any other project class (a stream wrapper, a chat message envelope, a
    frame pushed down a pipeline) holds the output without reading it.
    """
    if not canonical or "(" in canonical or project._class_file(canonical, load=True) is None:
        return False
    return any(base.startswith(_RECORD_BASES) for base in project.bases(canonical))


_RECORD_BASES = (
    "pydantic.BaseModel", "pydantic.main.BaseModel", "sqlmodel.SQLModel", "sqlmodel.main.SQLModel",
    "django.db.models.Model", "django.db.models.base.Model", "sqlalchemy.orm.DeclarativeBase",
    "typing.TypedDict", "typing_extensions.TypedDict", "typing.NamedTuple", "msgspec.Struct",
)  # fmt: skip
"""Bases of a class whose instances are structured records (library paths as the project's imports name them)."""


def _recorded(call: cst.Call) -> bool:
    """A file write (``log.write(text)``, ``json.dump(row, f)``): the output is kept as it is, not read as data
    (a transcript, a cache, audio), and nothing is decided."""
    func = call.func
    method = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
    return method in ("write", "writelines", "write_text", "write_bytes", "dump")


def uses_in(
    file: FileAnalysis,
    record: FunctionRecord | None,
    taint: Taint,
    project: Project,
    settings: Settings,
    depth: int = 0,
    seen: frozenset[int] = frozenset(),
) -> list[Use]:
    """The places in one function (and the project functions it passes the output to) that consume it."""
    from ailint.analysis.concerns import is_sink

    body = project.body(file, record)
    found: list[Use] = []
    for comparison in body.comparisons:
        use = _comparison_use(comparison, taint)
        if use is not None:
            found.append(Use(use[0], comparison, file, use[1]))
    checked = {  # ``if key in table: table[key]``: a lookup after a membership check is validated
        (dotted_name(c.left), dotted_name(c.comparisons[0].comparator))
        for c in body.comparisons
        if len(c.comparisons) == 1 and isinstance(c.comparisons[0].operator, cst.In)
    }
    stored = {  # ``cache[reply_id] = ...``: a key written under is bookkeeping, not a lookup that routes
        id(target.target) for assign in body.assignments for target in assign.targets
    } | {id(node.target) for node in body.of_kind(cst.AugAssign) if isinstance(node, cst.AugAssign)}
    for node in body.of_kind(cst.Subscript):
        if taint.derives(node.value) or id(node) in stored:
            continue
        for element in node.slice:
            index = element.slice
            if not (isinstance(index, cst.Index) and taint.derives(index.value)):
                continue
            if (dotted_name(index.value), dotted_name(node.value)) not in checked:
                found.append(Use("used as a key", node, file, True, data=True))
    for match in body.of_kind(cst.Match):
        if taint.derives(match.subject):
            found.append(Use("matched on", match, file, True))
    typed = _type_tested(body)
    checked_form = _form_tested(body)
    for call in body.calls:
        if call is taint.call:
            continue
        args = [a for a in call.args if taint.derives(a.value)]
        func = call.func
        if isinstance(func, cst.Attribute) and taint.derives(func.value) and not args:
            if func.attr.value in _TESTS:
                found.append(Use(f"tested with .{func.attr.value}()", call, file, _tests_a_word(call)))
            continue
        if not args:
            continue
        canonical, text = body.callee(call)
        names = [n for n in (canonical, text) if n]
        shown = text or canonical or "a call"
        if any(n in _PARSERS for n in names):
            found.append(Use(f"parsed by {shown}()", call, file, False, data=True))
        elif any(n in _MATCHERS for n in names):
            continue  # a pattern match checks the text's form; what is done with its groups is judged on
        elif any(n in _CONVERTERS for n in names) or _callee_enum(body, call, project):
            if not _type_dispatched(call, typed) and not _checked_form(call, checked_form):
                found.append(Use(f"converted by {shown}()", call, file, False, data=True))
        elif text == "getattr" and len(call.args) > 1 and _names_attribute(call, taint):
            found.append(Use("used as an attribute name", call, file, True, data=True))
        elif isinstance(func, cst.Attribute) and func.attr.value == "get" and not taint.derives(func.value):
            if call.args and taint.derives(call.args[0].value):
                found.append(Use("used as a key", call, file, True, data=True))
        elif _project_record(project, canonical):
            if not _kept_as_text(call, body, taint, project):
                found.append(Use(f"stored in {last_part(canonical)}", call, file, False, data=True))
        elif is_sink(call, body, settings) and not _ui(call) and not _shown(names) and not _recorded(call):
            if not all(_kept_as_text(a.value, body, taint, project) for a in args):
                found.append(Use(f"passed to {shown}()", call, file, True, data=True))
        elif depth < _DEPTH and canonical:
            found.extend(_into(project, canonical, call, taint, settings, depth, seen))
    guarded = _parse_guarded(body)
    found = [use for use in found if not (use.data and id(use.node) in guarded)]
    order = body.order  # the first use in the function's source order is the one a message names
    return sorted(found, key=lambda use: order.get(id(use.node), len(order)))


def _type_tested(body: Body) -> frozenset[str]:
    """Names whose type the function tests (``isinstance(obj, np.floating)``)."""
    return frozenset(
        call.args[0].value.value
        for call in body.calls
        if isinstance(call.func, cst.Name)
        and call.func.value == "isinstance"
        and call.args
        and isinstance(call.args[0].value, cst.Name)
    )


def _type_dispatched(call: cst.Call, typed: frozenset[str]) -> bool:
    """``float(obj)`` in a function that tests ``obj``'s type: a serializer normalising a value of any type (a
    number to a number), not text read as a value."""
    value = call.args[0].value if call.args else None
    return isinstance(value, cst.Name) and value.value in typed


def _parse_guarded(body: Body) -> frozenset[int]:
    """Ids of the nodes inside a ``try`` whose handler catches what malformed output raises (``ValueError``,
    ``json.JSONDecodeError``, ``KeyError``, ``IndexError``, ``ValidationError``): the code expects the form to be
    wrong at times and has decided what then happens."""
    found: set[int] = set()
    tries: list[cst.Try | cst.TryStar] = [*body.of_kind(cst.Try), *body.of_kind(cst.TryStar)]
    for node in tries:
        if any(_catches_malformed(handler.type) for handler in node.handlers):
            found.update(id(inner) for inner in walk(node.body, into_definitions=False))
    return frozenset(found)


def _catches_malformed(caught: cst.BaseExpression | None) -> bool:
    if caught is None:
        return False  # a bare ``except:`` catches everything, for any reason
    if isinstance(caught, cst.Tuple):
        return any(_catches_malformed(element.value) for element in caught.elements)
    return last_part(dotted_name(caught)) in _MALFORMED


_MALFORMED = frozenset(
    {"ValueError", "JSONDecodeError", "KeyError", "IndexError", "LookupError", "ValidationError", "YAMLError",
     "SyntaxError", "OutputParserException"}
)  # fmt: skip
"""What reading malformed output raises. A broad handler (``Exception``, a bare ``except``, ``TypeError``) is
there for failures of every kind, not a decision about a malformed answer."""


def _kept_as_text(value: cst.BaseExpression, body: Body, taint: Taint, project: Project) -> bool:
    """An instance of a project class that holds the output in text fields (``Feed(text=reply)``, a ``Text``
    column), or a name bound only to one: storing it, or a database write of it, keeps the text as it is."""
    from ailint.analysis.concerns import holder, text_envelope

    made: list[cst.BaseExpression] = [value]
    if isinstance(value, cst.Name):
        made = [
            assign.value
            for assign in body.assignments
            if any(isinstance(t.target, cst.Name) and t.target.value == value.value for t in assign.targets)
        ]
    if not made:
        return False
    for call in made:
        if not isinstance(call, cst.Call):
            return False
        canonical = body.callee(call)[0]
        if not canonical or "(" in canonical or project._class_file(canonical, load=True) is None:
            return False
        if not (holder(project, canonical, call, taint) or text_envelope(project, canonical, call, taint)):
            return False
    return True


def _form_tested(body: Body) -> frozenset[str]:
    """Names whose form the function tests before it may convert them (``if text.isdigit():``)."""
    return frozenset(
        call.func.value.value
        for call in body.calls
        if isinstance(call.func, cst.Attribute)
        and call.func.attr.value in _FORM_TESTS
        and isinstance(call.func.value, cst.Name)
    )


def _checked_form(call: cst.Call, tested: frozenset[str]) -> bool:
    """``float(match.group(1))`` of a pattern's capture, ``int(text)`` of a name tested with ``.isdigit()``: the
    form was checked before the conversion; ``float(answer == expected)`` converts a truth value."""
    value = call.args[0].value if call.args else None
    if isinstance(value, (cst.Comparison, cst.BooleanOperation)):
        return True  # ``float(answer == expected)``: a truth value, not the text read as a number
    while (  # ``match.group(2).replace("$", "")``: the capture, tidied
        isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value in _TIDYING
    ):
        value = value.func.value
    if isinstance(value, cst.Name):
        return value.value in tested
    return (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Attribute)
        and value.func.attr.value in ("group", "groups", "groupdict")
    )


_TIDYING = frozenset({"strip", "lstrip", "rstrip", "replace", "lower", "upper", "removeprefix", "removesuffix"})


def _names_attribute(call: cst.Call, taint: Taint) -> bool:
    """``getattr(handler, reply)``: the output names an attribute of another object. ``getattr(obj, field.name)``
    over the output's own fields (a serializer walking a dataclass) reflects on it instead."""
    return taint.derives(call.args[1].value) and not taint.derives(call.args[0].value)


_DISPLAY_MODULES = ("streamlit", "st", "gradio", "gr", "rich", "click", "typer", "chainlit", "cl")


def _shown(names: list[str]) -> bool:
    """A UI toolkit's output call (``st.write(text)``): showing the output to a person."""
    return any(name.split(".", 1)[0] in _DISPLAY_MODULES for name in names)


def _ui(call: cst.Call) -> bool:
    """A send to a socket, a stream or a chat message: showing the output, not acting on it."""
    func = call.func
    if not isinstance(func, cst.Attribute):
        return False
    receiver = (dotted_name(func.value) or "").lower()
    method = func.attr.value
    shown = method.startswith("send") or method in ("put", "put_nowait", "write")
    return shown and any(word in receiver for word in _UI_RECEIVERS)


def _into(
    project: Project,
    canonical: str,
    call: cst.Call,
    taint: Taint,
    settings: Settings,
    depth: int,
    seen: frozenset[int],
) -> list[Use]:
    """Follow the output into a project function it is passed to."""
    entry = project.functions.get(canonical)
    if entry is None:
        return []
    file, record = entry
    if id(record) in seen:
        return []
    params = given_parameters(record, call, taint.derives)
    barriers = _barriers(project, file)
    inner: list[Taint] = [Taint(record, None, params, barriers)] if params else []
    if isinstance(taint, Content):  # the undecoded response given to a parser or a stream reader
        wire = given_parameters(record, call, taint.envelope.derives) - params
        if wire:
            inner.append(Content(record, Taint(record, None, wire, barriers)))
    found: list[Use] = []
    for each in inner:
        found += uses_in(file, record, each, project, settings, depth + 1, seen | {id(record)})
    return found


def given_parameters(record: FunctionRecord, call: cst.Call, derives: Callable[[cst.CSTNode], bool]) -> frozenset[str]:
    """The parameters of ``record`` that ``call`` passes a value ``derives`` holds (none past a ``*args``)."""
    positional = list(record.scope.positional)
    bound = record.scope.self_name is not None and isinstance(call.func, cst.Attribute)
    if bound and positional and positional[0] == record.scope.self_name:
        positional = positional[1:]
    params: set[str] = set()
    index = 0
    for arg in call.args:
        if arg.star:
            return frozenset()
        if arg.keyword is None:
            if derives(arg.value) and index < len(positional):
                params.add(positional[index])
            index += 1
        elif derives(arg.value):
            params.add(arg.keyword.value)
    return frozenset(params)


def _barriers(project: Project, file: FileAnalysis) -> frozenset[int]:
    """The call sites of a file, by node id (see ``Taint.barriers``)."""
    return frozenset(id(site.node) for site in project.sites(file))


def consumption(site: CallSite, project: Project, settings: Settings) -> list[Use]:
    """Where ``site``'s output is consumed as data, in its function and in the functions it is passed to."""
    known = _MEMO.get(site)
    if known is not None:
        return known
    taint = Taint(site.record, site.node, barriers=_barriers(project, site.file))
    if site.kind == "direct" and (site.provider.name == "http" or site.spec.wire):
        taint = Content(site.record, taint)
    seen = frozenset({id(site.record)}) if site.record is not None else frozenset()
    result = uses_in(site.file, site.record, taint, project, settings, 0, seen)
    _MEMO[site] = result
    return result


_MEMO: weakref.WeakKeyDictionary[CallSite, list[Use]] = weakref.WeakKeyDictionary()
"""Per call site: the rules and the inventory ask the same question several times."""
