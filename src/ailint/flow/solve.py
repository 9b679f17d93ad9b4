"""Summaries + provider knowledge -> :class:`Program`, by one fixpoint.

Every store, return and call of every summary is a constraint. The solver
evaluates them all, adds what each contributes to the sets it writes (a
variable, a class attribute, a function's returns, a parameter), and goes
round again until a whole round adds nothing. Sets only grow, and are
capped, so the loop ends. What the analysis cannot follow evaluates to the
empty set.

Library values are canonical paths (``openai.OpenAI().chat``) built the way
the provider knowledge is keyed, so ``Knowledge.lookup`` answers whether a
library value is a model API.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ailint.flow.program import Program, Reason, invoker
from ailint.flow.summary import Call, Class, FileSummary, Function, Location, Param, Term
from ailint.flow.values import Bnd, Cls, Const, Decl, Ext, Fn, Input, Inst, Mod, Value
from ailint.knowledge import Knowledge, input_flow

STRUCTURED = "#s"
"""Marks a library instance made to validate its output (``llm.with_structured_output(Schema)``)."""
_MAX_ROUNDS = 40
_MAX_VALUES = 64
_MAX_CONSTS = 8
_MAX_PATH = 240
_FAKE = re.compile(r"(?:^|_)(?:Fake|Mock|Dummy|Stub)|(?:Fake|Mock|Dummy|Stub)(?:$|[A-Z_])")
"""Class names that say the class is a test double."""
_DERIVERS = frozenset(
    {
        "builtins.str", "builtins.dict", "builtins.list", "builtins.tuple", "builtins.set", "builtins.iter",
        "builtins.next", "builtins.anext", "builtins.aiter", "builtins.sorted", "builtins.reversed",
        "builtins.enumerate", "builtins.zip", "json.loads", "copy.copy", "copy.deepcopy", "typing.cast",
        "typing_extensions.cast", "asyncio.wait_for", "asyncio.shield", "asyncio.ensure_future",
        "asyncio.create_task", "asyncio.gather", "asyncio.as_completed",
    }
)  # fmt: skip
"""Library functions whose result holds (or is derived from) their arguments' values."""
_PARTIAL = frozenset({"functools.partial", "functools.partialmethod"})
_SOLVER_PATHS = frozenset(
    {
        *_PARTIAL, *_DERIVERS, "importlib", "importlib.import_module", "functools", "asyncio", "anyio", "typing",
        "typing_extensions", "json", "copy", "contextlib", "concurrent", "concurrent.futures",
        "asyncio.to_thread", "asyncio.get_event_loop", "asyncio.get_running_loop", "asyncio.new_event_loop",
        "asyncio.get_event_loop()", "asyncio.get_running_loop()", "asyncio.new_event_loop()",
        "asyncio.get_event_loop().run_in_executor", "asyncio.get_running_loop().run_in_executor",
        "asyncio.new_event_loop().run_in_executor", "asyncio.get_event_loop().run_until_complete",
        "asyncio.new_event_loop().run_until_complete", "asyncio.run", "anyio.to_thread", "anyio.to_thread.run_sync",
        "concurrent.futures.ThreadPoolExecutor", "concurrent.futures.ThreadPoolExecutor()",
        "concurrent.futures.ThreadPoolExecutor().submit", "contextlib.ExitStack", "contextlib.AsyncExitStack",
        "contextlib.ExitStack()", "contextlib.AsyncExitStack()", "contextlib.ExitStack().enter_context",
        "contextlib.AsyncExitStack().enter_async_context", "contextvars", "contextvars.copy_context",
        "contextvars.copy_context()", "contextvars.copy_context().run",
    }
)  # fmt: skip
"""Library values the solver models itself (partials, invokers, casts, dynamic imports, exit stacks)."""
_DROPPED_RESULTS = ("builtins.", "functools.", "typing.", "typing_extensions.", "importlib.", "json.", "copy.")
"""Their calls' results are modelled where they matter (``library_call``) and otherwise say nothing."""
_ENTER = ("__enter__", "__aenter__")
_TEXT_METHODS = frozenset({"format", "format_map", "join"})
"""Methods of a string constant whose result is text made of their arguments."""
_TEXT_CALLS = frozenset(f"builtins.str.{name}" for name in _TEXT_METHODS)


def _in_text(value: Value) -> Value:
    """Request data written into the application's own text (an f-string with words, ``.format``, a template)."""
    if isinstance(value, Input) and not value.role:
        return Input(value.source, "text")
    return value


def _head(value: Value) -> str | None:
    """The project class an instance-like value is of."""
    if isinstance(value, (Inst, Decl, Cls)):
        return value.qual
    return None


_Signature = tuple[list[Param], Param | None, Param | None, dict[str, Param]]
_UNSETTLED = ("unsettled",)
"""Read by a computation that saw a placeholder (it depends on itself): its value holds for its round only."""
_PENDING: frozenset[Any] = frozenset({_UNSETTLED})


class _Memo:
    """A memo table of the solver: the values of this round (``now``) and those kept from earlier rounds.

    A value computed without meeting a placeholder depends only on the sets it
    read; while none of them has grown, computing it again gives the same value
    and reads. At each round's start, values whose reads grew in the last round
    (or that met a placeholder) are dropped; the rest are taken on first use in
    a round unless a set they read has grown earlier in that round.
    """

    __slots__ = ("kept", "now")

    def __init__(self) -> None:
        self.now: dict[Any, tuple[Any, frozenset[Any]]] = {}
        self.kept: dict[Any, tuple[Any, frozenset[Any]]] = {}

    def renew(self, grown: set[Any]) -> None:
        """A round starts: ``grown`` holds the sets that grew in the last one."""
        kept = self.kept
        kept.update(self.now)
        self.now = {}
        self.kept = kept
        self.expire(grown)

    def expire(self, grown: set[Any]) -> None:
        """Drop the kept values that read a set in ``grown`` or met a placeholder."""
        stale = grown | _PENDING
        self.kept = {key: entry for key, entry in self.kept.items() if stale.isdisjoint(entry[1])}


class _Solver:
    def __init__(
        self, summaries: Iterable[FileSummary], knowledge: Knowledge, tests: frozenset[str], aliases: Mapping[str, str]
    ) -> None:
        self.knowledge = knowledge
        self.aliases = aliases
        unique: dict[str, FileSummary] = {}
        for summary in summaries:  # two files under one module name (scripts in sibling folders): the first
            if summary.error is None:
                unique.setdefault(summary.module, summary)
        self.summaries = list(unique.values())
        self.tests = tests
        self.modules = {s.module for s in self.summaries}
        self.functions: dict[str, Function] = {}
        self.function_module: dict[str, str] = {}
        self.classes: dict[str, Class] = {}
        self.class_module: dict[str, str] = {}
        for summary in self.summaries:
            for function in summary.functions:
                self.functions.setdefault(function.qual, function)
                self.function_module.setdefault(function.qual, summary.module)
            for cls in summary.classes:
                self.classes.setdefault(cls.qual, cls)
                self.class_module.setdefault(cls.qual, summary.module)
        self.calls: dict[tuple[str, int], Call] = {}
        for summary in self.summaries:
            for index, call in enumerate(summary.calls):
                self.calls[(summary.module, index)] = call
        self.values: dict[tuple[Any, ...], set[Value]] = {}
        self.reasons: dict[tuple[tuple[Any, ...], Value], Reason] = {}
        self._consts: dict[tuple[Any, ...], int] = {}
        self._signatures: dict[tuple[str, bool], _Signature] = {}
        """How many constants each set holds (at most ``_MAX_CONSTS``)."""
        self.changed = False
        self._mro = _Memo()
        self._subclasses: dict[str, set[str]] = {}
        self._results = _Memo()
        self._callees = _Memo()
        self._members = _Memo()
        self.reads: set[Any] | None = None
        """The sets read while a module's constraints are evaluated: it is evaluated again only when they grow."""
        self.grown: set[Any] = set()
        """Sets that grew in this round or the last."""
        self._grown_now: set[Any] = set()
        self._module_reads: dict[str, frozenset[Any]] = {}
        self.advance: Callable[[], None] | None = None
        """Called as each round of a fixpoint starts."""
        self._unit_reads: dict[str, list[tuple[Any, ...]]] = {}
        """Per module, the sets each of its constraints read when last evaluated (in evaluation order)."""
        self.names: dict[str, set[str]] = {}
        self.keys: dict[tuple[str, str], set[str]] = {}
        """The keys passed to each function's ``**kwargs`` so far (each key's values are ``("kw", ...)`` sets)."""
        """The names bound in each scope so far (for ``from module import *``)."""
        self._sdk: dict[str, bool] = {}
        self._kept: dict[str, Value | None] = {}
        self.api_prefixes = _prefixes(
            [*knowledge.apis, *(f for h in knowledge.http for f in h.functions), *knowledge.keyed_factories]
        )
        self.inputs = input_flow()
        self.input_prefixes = _prefixes([*self.inputs.sources, *self.inputs.text_calls])

    # -- sets ----------------------------------------------------------------
    def get(self, key: tuple[Any, ...]) -> set[Value]:
        self.reads_add(key)
        return self.values.get(key, _EMPTY)

    def memo(self, table: _Memo, key: Any, compute: Any, placeholder: Any) -> Any:
        """``compute()`` memoised in ``table`` for the round, with the sets it read (added to the reader's).

        The first use in a round takes the value an earlier round computed when
        no set it read has grown since (see :class:`_Memo`): computing it again
        would give the same value and the same reads.
        """
        now = table.now
        entry = now.get(key)
        if entry is None:
            entry = table.kept.get(key)
            if entry is not None and entry[1].isdisjoint(self._grown_now):
                now[key] = entry
            else:
                now[key] = (placeholder, _PENDING)  # a computation that depends on itself sees the placeholder
                outer = self.reads
                self.reads = set()
                try:
                    result = compute()
                finally:
                    inner, self.reads = self.reads, outer
                entry = now[key] = (result, frozenset(inner))
        if self.reads is not None:
            self.reads.update(entry[1])
        return entry[0]

    def add(self, key: tuple[Any, ...], values: Iterable[Value], reason: Reason) -> None:
        current = self.values.get(key)
        if current is None:
            current = self.values[key] = set()
            if key[0] == "v":  # the names a module binds, for ``from module import *``
                self.names.setdefault(key[1], set()).add(key[2])
                self._grown_now.add(("names", key[1]))
        elif current.issuperset(values):  # (most constraints evaluated again add nothing new)
            return
        grew = False
        for value in values:
            if value in current:
                continue
            if len(current) >= _MAX_VALUES:
                break
            if type(value) is Const:
                consts = self._consts.get(key, 0)
                if consts >= _MAX_CONSTS:
                    continue
                self._consts[key] = consts + 1
            current.add(value)
            self.reasons.setdefault((key, value), reason)
            grew = True
        if grew:
            self.changed = True
            self._grown_now.add(key)

    # -- the fixpoint ----------------------------------------------------------
    def solve(self) -> Program:
        """Product code to its fixpoint, then tests to theirs: tests read product values, never the reverse."""
        self.seed()
        product = [s for s in self.summaries if s.module not in self.tests]
        rounds = self.fixpoint(product)
        rounds += self.fixpoint([s for s in self.summaries if s.module in self.tests])
        for table in (self._mro, self._results, self._callees, self._members):
            table.expire(self.grown)  # what the last round made stands as it is; what it grew, earlier values miss
        return self.program(rounds)

    def fixpoint(self, summaries: list[FileSummary]) -> int:
        """Rounds over ``summaries`` until none adds anything.

        A module is evaluated again only when a set it read last time has grown
        since (or the class hierarchy changed): later rounds touch few modules.
        """
        rounds = 0
        hierarchy: dict[str, set[str]] | None = None
        while summaries:
            rounds += 1
            if self.advance is not None:
                self.advance()
            self.changed = False
            for table in (self._mro, self._results, self._callees, self._members):
                table.renew(self.grown)
            subclasses = self.subclasses()
            if hierarchy is not None and subclasses != hierarchy:  # what dispatch read of the classes that changed
                for qual in subclasses.keys() | hierarchy.keys():
                    if subclasses.get(qual) != hierarchy.get(qual):
                        self._grown_now.add(("sub", qual))
            self._subclasses = hierarchy = subclasses
            grown = self.grown | self._grown_now
            for summary in summaries:
                read = self._module_reads.get(summary.module)
                if read is None:
                    self.round(summary, None)
                elif not read.isdisjoint(grown):
                    self.round(summary, grown)
            self.grown, self._grown_now = self._grown_now, set()
            if not self.changed or rounds >= _MAX_ROUNDS:
                break
        return rounds

    def seed(self) -> None:
        """``self`` and ``cls`` of every method: an instance of the class or of any subclass."""
        for function in self.functions.values():
            if function.owner is None or not function.params or "staticmethod" in function.flags:
                continue
            first = function.params[0]
            if first.kind not in ("pos", "posonly"):
                continue
            value: Value = Cls(function.owner) if "classmethod" in function.flags else Decl(function.owner)
            module = self.function_module[function.qual]
            self.add(("v", function.qual, first.name), [value], Reason(module, function.line, "the method's receiver"))

    def round(self, summary: FileSummary, grown: set[Any] | None) -> None:
        """Evaluate the module's constraints; with ``grown``, only those that read a set in it.

        Each constraint (a store, a return, the star imports, a call) keeps the
        sets it read, so a later round re-evaluates the few a grown set feeds
        rather than the whole module.
        """
        module = summary.module
        previous = self._unit_reads.get(module)
        if previous is None:
            grown = None
        reads: list[tuple[Any, ...]] = []
        union: set[Any] = set()
        unit = 0
        for store in summary.stores:
            if self._stale(previous, unit, grown, reads, union):
                values = self.guarded(store.value)
                if values:
                    self.store(store.location, values, Reason(module, store.line, "assigned", _source(store.value)))
                self._record(reads, union)
            unit += 1
        for function, term in summary.returns:
            if self._stale(previous, unit, grown, reads, union):
                values = self.guarded(term)
                if values:
                    line = self.functions[function].line if function in self.functions else 0
                    self.add(("r", function), values, Reason(module, line, "returned", _source(term)))
                self._record(reads, union)
            unit += 1
        if self._stale(previous, unit, grown, reads, union):
            for source in summary.star_imports:
                self.reads_add(("names", source))  # a name the module binds later adds to this one
                for name in sorted(self.names.get(source, ())):
                    if not name.startswith("_"):
                        key = ("v", source, name)
                        self.add(("v", module, name), self.get(key), Reason(module, 0, f"from {source} import *", key))
            self._record(reads, union)
        unit += 1
        if module not in self.tests:
            for index, call in enumerate(summary.calls):
                if self._stale(previous, unit + index, grown, reads, union):
                    self.bind(module, index, call)
                    self._record(reads, union)
        self._unit_reads[module] = reads
        self._module_reads[module] = frozenset(union)

    def _stale(
        self,
        previous: list[tuple[Any, ...]] | None,
        unit: int,
        grown: set[Any] | None,
        reads: list[tuple[Any, ...]],
        union: set[Any],
    ) -> bool:
        """Whether constraint ``unit`` must be evaluated (then reads are recorded from here on)."""
        if grown is not None and previous is not None and unit < len(previous):
            before = previous[unit]
            if grown.isdisjoint(before):
                reads.append(before)
                union.update(before)
                return False
        self.reads = set()
        return True

    def _record(self, reads: list[tuple[Any, ...]], union: set[Any]) -> None:
        """Keep what the constraint just evaluated read."""
        read = self.reads or set()
        self.reads = None
        reads.append(tuple(read))
        union.update(read)

    def reads_add(self, key: Any) -> None:
        """Note that the constraint being evaluated read ``key`` (it is evaluated again when ``key`` grows)."""
        if self.reads is not None:
            self.reads.add(key)

    # -- stores ----------------------------------------------------------------
    def store(self, location: Location, values: set[Value], reason: Reason) -> None:
        kind = location[0]
        if kind in ("v", "F"):
            self.add(location, values, reason)
            return
        attr = location[2]
        from_test = reason.module in self.tests
        for base in self.eval(location[1]):
            head = _head(base)
            if head is not None:
                if from_test and not self.is_double(head):
                    continue  # a test that sets a product object's attribute does not change the product
                self.add(("F", head, attr), values, reason)
            elif isinstance(base, Mod):
                self.add(("v", base.name, attr), values, reason)

    # -- evaluation --------------------------------------------------------------
    def eval(self, term: Term | None) -> set[Value]:
        if term is None:
            return _EMPTY
        kind = term[0]
        if kind in ("v", "F"):
            return self.get(term)
        if kind == "a":
            if term[1][0] == "sup":
                return self.super_attribute(term[1][1], term[1][2], term[2])
            found: set[Value] = set()
            for base in self.eval(term[1]):
                found |= self.attribute(base, term[2])
            return found
        if kind == "c":
            return set(self.results(term[1], term[2]))
        if kind == "s":
            return {Const(term[1])}
        if kind == "u":
            found = set()
            for part in term[1]:
                found |= self.eval(part)
            return found
        if kind == "b":
            return {Ext(f"builtins.{term[1]}")} if term[1] in _BUILTINS else _EMPTY
        if kind == "fn":
            return {Fn(term[1])}
        if kind == "cls":
            return {Cls(term[1])}
        if kind == "imp":
            return self.imported(term[1], term[2])
        if kind == "ann":
            return self.instances(self.eval(term[1]))
        if kind == "enter":
            return self.entered(self.eval(term[1]))
        if kind == "pipe":
            return self.pipe(term[1])
        if kind in ("add", "fmt"):
            return self.strings(term[1:] if kind == "add" else term[1])
        if kind == "isa":  # ``if isinstance(x, C): return x``: only x's instances of C, when C is the project's
            return self.narrowed(self.eval(term[1]), self.eval(term[2]))
        if kind == "ga":  # ``getattr(x, name)``: the attributes the name's known texts select, else ``x``
            bases = self.eval(term[1])
            found = set()
            for name in {v.text for v in self.eval(term[2]) if isinstance(v, Const)}:
                for base in bases:
                    found |= self.attribute(base, name)
            return found or bases
        if kind == "elem":  # a container's read method: what it holds, where the receiver has no such method
            receiver, key = term[1], term[3]
            function = self.functions.get(receiver[1]) if receiver[0] == "v" else None
            if function is not None and any(p.kind == "kw" and p.name == receiver[2] for p in function.params):
                # ``kwargs.get("prompt")`` of a function's own ``**kwargs``: what its callers passed by that name
                return set(self.get(("kw", receiver[1], receiver[2], key))) if key is not None else _EMPTY
            found = set()
            for value in self.eval(receiver):
                if isinstance(value, (Cls, Fn, Bnd, Inst)) and not self.attribute(value, term[2]):
                    found.add(value)
            return found
        if kind == "role":  # ``{"role": "system", "content": x}``: request data in ``x`` is in the system role
            return {
                Input(v.source, "system", f"{term[1]}:{term[2]}") if isinstance(v, Input) else v
                for v in self.eval(term[3])
            }
        return _EMPTY

    def imported(self, module: str, name: str) -> set[Value]:
        module = self.aliases.get(module, module)
        if not name:
            return {Mod(module)} if module in self.modules else self.ext(self.knowledge.collapsed(module))
        dotted = self.aliases.get(f"{module}.{name}", f"{module}.{name}")
        if dotted in self.modules:
            return {Mod(dotted)} | set(self.get(("v", module, name)))
        if module in self.modules:
            found = self.get(("v", module, name))
            return found if found else self.module_getattr(module)
        return self.ext(self.knowledge.collapsed(dotted))

    def module_getattr(self, module: str) -> set[Value]:
        """What a module's ``__getattr__`` returns (a lazy module proxy)."""
        return set(self.get(("r", f"{module}.__getattr__")))

    def instances(self, classes: set[Value]) -> set[Value]:
        found: set[Value] = set()
        for value in classes:
            if isinstance(value, Cls):
                cls = self.classes.get(value.qual)
                found.add(Decl(value.qual) if cls is not None and cls.abstract else Inst(value.qual))
            elif isinstance(value, Ext) and "(" not in value.path and not value.path.startswith(_DROPPED_RESULTS):
                found |= self.ext(f"{value.path}()")
        return found

    def entered(self, managers: set[Value]) -> set[Value]:
        found = set(managers)
        for value in managers:
            if isinstance(value, (Inst, Decl)):
                for name in _ENTER:
                    for method in self.attribute(value, name):
                        found |= self.returned(method)
        return found

    def pipe(self, operands: tuple[Term, ...]) -> set[Value]:
        """``prompt | llm | parser``: the chain is the model in it (structured when a validating parser follows)."""
        model: Ext | None = None
        validated = False
        found: set[Value] = set()
        for operand in operands:
            for value in self.eval(operand):
                if isinstance(value, Ext):
                    plain = value.path.replace(STRUCTURED, "")
                    if model is None and self.knowledge.lookup(f"{plain}.invoke") is not None:
                        model = value
                    elif model is not None:
                        head = plain.removesuffix("()")
                        if head in self.knowledge.validating_parsers:
                            validated = True
                else:
                    found.add(value)
        if model is not None:
            if validated and not model.path.endswith(STRUCTURED):
                return {Ext(model.path + STRUCTURED)}
            return {model}
        return found

    def strings(self, parts: Iterable[Term]) -> set[Value]:
        """Concatenations and f-strings: their constant texts (``{}`` for a part not known), and other values."""
        texts = [""]
        found: set[Value] = set()
        parts = tuple(parts)
        worded = any(part[0] == "s" and any(c.isalpha() for c in part[1]) for part in parts)
        for part in parts:
            values = self.eval(part)
            consts = sorted(v.text for v in values if isinstance(v, Const)) or ["{}"]
            found |= {_in_text(v) if worded else v for v in values if not isinstance(v, Const)}
            texts = [t + c for t in texts for c in consts][:_MAX_CONSTS]
        return found | {Const(t) for t in texts if t != "{}"}

    # -- attributes --------------------------------------------------------------
    def narrowed(self, values: set[Value], classes: set[Value]) -> set[Value]:
        """The ``values`` that may be instances of one of ``classes``; all of them unless every class is a project
        class (a library class's instances cannot be told apart)."""
        quals = {c.qual for c in classes if isinstance(c, Cls)}
        if not quals or len(quals) != len(classes):
            return values
        kept: set[Value] = set()
        for value in values:
            if isinstance(value, (Inst, Decl)) and quals & set(self.mro(value.qual)):
                kept.add(value)
            elif isinstance(value, Decl) and any(value.qual in self.mro(q) for q in quals):
                kept.add(value)  # declared as a base of the class checked for: it may be one
            elif not isinstance(value, (Inst, Decl, Ext, Const)):
                kept.add(value)  # a function, a class, a module: not what an instance check selects, kept as is
        return kept

    def mro(self, qual: str) -> tuple[str, ...]:
        """A project class and its bases, depth first (library bases as ``ext:path``)."""
        result: tuple[str, ...] = self.memo(self._mro, qual, lambda: self._compute_mro(qual), (qual,))
        return result

    def _compute_mro(self, qual: str) -> tuple[str, ...]:
        """C3 linearisation of the bases' MROs, as Python computes it (depth first where C3 fails)."""
        bases: list[tuple[str, ...]] = []
        cls = self.classes.get(qual)
        if cls is not None:
            for base in cls.bases:
                for value in self.eval(base):
                    if isinstance(value, Cls) and value.qual != qual:
                        bases.append(self.mro(value.qual))
                    elif isinstance(value, Ext) and "(" not in value.path:
                        bases.append((f"ext:{value.path}",))
        merged = _c3([list(b) for b in bases] + [[b[0] for b in bases]])
        if merged is None:
            merged = []
            for chain in bases:
                merged.extend(b for b in chain if b not in merged)
        return (qual, *(b for b in merged if b != qual))

    def subclasses(self) -> dict[str, set[str]]:
        """Each project class's project subclasses (transitively), test doubles left out."""
        found: dict[str, set[str]] = {}
        for qual in self.classes:
            if self.is_double(qual):
                continue
            for base in self.mro(qual)[1:]:
                if not base.startswith("ext:"):
                    found.setdefault(base, set()).add(qual)
        return found

    def is_double(self, qual: str) -> bool:
        return self.class_module.get(qual) in self.tests or bool(_FAKE.search(qual.rsplit(".", 1)[-1]))

    def hierarchy(self, qual: str) -> list[str]:
        self.reads_add(("sub", qual))
        return [qual, *sorted(self._subclasses.get(qual, ()))]

    def attribute(self, base: Value, name: str) -> set[Value]:
        if isinstance(base, Input):  # an item, a field or a method of request data is request data
            return {base}
        if isinstance(base, Const):
            return {Ext(f"builtins.str.{name}")} if name in _TEXT_METHODS else _EMPTY
        if isinstance(base, Ext):
            if name in self.knowledge.transparent:
                return {base}
            if len(base.path) > _MAX_PATH:
                return _EMPTY
            return self.ext(f"{base.path}.{name}")
        if isinstance(base, Mod):
            found = set(self.get(("v", base.name, name)))
            dotted = f"{base.name}.{name}"
            if dotted in self.modules:
                found.add(Mod(dotted))
            return found or self.module_getattr(base.name)
        if isinstance(base, Decl):
            found = set()
            for qual in self.hierarchy(base.qual):
                found |= self.member(qual, name, Inst(qual))
            return found
        if isinstance(base, Inst):
            if name == "__class__":
                return {Cls(base.qual)}
            return self.member(base.qual, name, base)
        if isinstance(base, Cls):
            return self.member(base.qual, name, base)
        return _EMPTY

    def member(self, qual: str, name: str, receiver: Inst | Cls) -> set[Value]:
        """``name`` looked up along the MRO of ``qual`` and bound to ``receiver`` (memoised for the round)."""
        found: set[Value] = self.memo(
            self._members, (qual, name, receiver), lambda: self._member(qual, name, receiver), _EMPTY
        )
        return found

    def _member(self, qual: str, name: str, receiver: Inst | Cls) -> set[Value]:
        for owner in self.mro(qual):
            if owner.startswith("ext:"):
                path = owner[4:]
                if self.sdk_class(path):  # a subclass of an SDK class: the SDK's attribute
                    return self.ext(f"{path}().{name}" if isinstance(receiver, Inst) else f"{path}.{name}")
                continue
            found = self.get(("F", owner, name))
            if found:
                return self.bound(found, receiver)
        if isinstance(receiver, Inst) and name != "__getattr__":
            # A lazy module proxy: ``__getattr__`` returns a module (or library object) whose attribute this is.
            proxy: set[Value] = set()
            for method in self.member(qual, "__getattr__", receiver):
                for value in self.returned(method):
                    if isinstance(value, (Ext, Mod)):
                        proxy |= self.attribute(value, name)
            return proxy
        return _EMPTY

    def sdk_class(self, path: str) -> bool:
        """Whether a library class is one the provider knowledge defines (or a module of it)."""
        known = self._sdk.get(path)
        if known is None:
            known = self._sdk[path] = self.knowledge.collapsed(path) in self.knowledge.known_prefixes
        return known

    def bound(self, values: set[Value], receiver: Inst | Cls) -> set[Value]:
        found: set[Value] = set()
        for value in values:
            function = self.functions.get(value.qual) if isinstance(value, Fn) else None
            if function is None or "staticmethod" in function.flags:
                found.add(value)
            elif "classmethod" in function.flags:
                found.add(Bnd(function.qual, Cls(receiver.qual)))
            elif isinstance(receiver, Cls):
                found.add(value)
            elif "property" in function.flags:
                found |= self.get(("r", function.qual))
            else:
                found.add(Bnd(function.qual, receiver))
        return found

    def super_attribute(self, owner: str, function: str, name: str) -> set[Value]:
        """``super().name`` in a method of ``owner``: the next class of the MRO that has it, bound to the receiver."""
        method = self.functions.get(function)
        receivers: set[Value] = set()
        if method is not None and method.params:
            receivers = self.get(("v", function, method.params[0].name))
        found: set[Value] = set()
        for receiver in receivers or {Decl(owner)}:
            bound_to: Inst | Cls
            if isinstance(receiver, Cls):
                bound_to = receiver
            elif isinstance(receiver, (Inst, Decl)):
                bound_to = Inst(receiver.qual)
            else:
                continue
            for base in self.mro(owner)[1:]:
                if base.startswith("ext:"):
                    if self.sdk_class(base[4:]):
                        found |= self.ext(f"{base[4:]}().{name}")
                        break
                    continue
                values = self.get(("F", base, name))
                if values:
                    found |= self.bound(values, bound_to)
                    break
        return found

    # -- calls ---------------------------------------------------------------------
    def callees(self, module: str, index: int) -> frozenset[Value]:
        key = (module, index)
        found: frozenset[Value] = self.memo(
            self._callees, key, lambda: frozenset(self.eval(self.calls[key].callee)), frozenset()
        )
        return found

    def results(self, module: str, index: int) -> frozenset[Value]:
        found: frozenset[Value] = self.memo(
            self._results, (module, index), lambda: self._compute_results(module, index), frozenset()
        )
        return found

    def _compute_results(self, module: str, index: int) -> frozenset[Value]:
        call = self.calls.get((module, index))
        result: set[Value] = set()
        if call is not None:
            for callee in self.callees(module, index):
                result |= self.call_result(callee, call)
        return frozenset(result)

    def returned(self, callee: Value) -> set[Value]:
        if isinstance(callee, (Fn, Bnd)):
            return self.get(("r", callee.qual))
        return _EMPTY

    def call_result(self, callee: Value, call: Call) -> set[Value]:
        if isinstance(callee, (Fn, Bnd)):
            return self.returned(callee)
        if isinstance(callee, Cls):
            return {Decl(callee.qual) if False else Inst(callee.qual)}
        if isinstance(callee, (Inst, Decl)):
            found: set[Value] = set()
            for method in self.attribute(callee, "__call__"):
                if not isinstance(method, Ext):
                    found |= self.returned(method)
            return found
        if isinstance(callee, Ext):
            return self.library_call(callee.path, call)
        if isinstance(callee, Input):
            return {callee}
        return _EMPTY

    def argument(self, call: Call, index: int) -> set[Value]:
        return self.eval(call.args[index]) if index < len(call.args) else _EMPTY

    def library_call(self, path: str, call: Call) -> set[Value]:
        knowledge = self.knowledge
        if path in _PARTIAL:
            return self.argument(call, 0)
        if path in ("importlib.import_module", "builtins.__import__"):
            names = [v.text for v in self.argument(call, 0) if isinstance(v, Const)]
            found: set[Value] = set()
            for name in names:
                if path == "builtins.__import__":
                    name = name.split(".", 1)[0]
                found |= self.imported(name, "")
            return found
        if path == "builtins.getattr":
            names = [v.text for v in self.argument(call, 1) if isinstance(v, Const)]
            found = set()
            for base in self.argument(call, 0):
                for name in names:
                    found |= self.attribute(base, name)
            return found | (self.argument(call, 2) if len(call.args) > 2 else _EMPTY)
        if path == "builtins.type" and len(call.args) == 1:
            return {Cls(v.qual) for v in self.argument(call, 0) if isinstance(v, (Inst, Decl))}
        if path in ("typing.cast", "typing_extensions.cast"):
            return self.instances(self.argument(call, 0)) | self.argument(call, 1)
        if path in self.inputs.text_calls or path in _TEXT_CALLS:  # text made of request data holds it
            found = set()
            for term in (*call.args, *call.stars, *(v for _, v in call.keywords), *call.dstars):
                found |= {
                    v if path == "builtins.str.join" else _in_text(v) for v in self.eval(term) if isinstance(v, Input)
                }
            return found
        if path in _DERIVERS:
            found = set()
            for term in (*call.args, *call.stars, *(v for _, v in call.keywords)):
                found |= {v for v in self.eval(term) if not isinstance(v, (Cls, Const))}
            return found
        head, _, method = path.rpartition(".")
        index = invoker(path)
        if index is not None:
            found = set()
            for target in self.argument(call, index or 0):
                found |= self.call_result(target, call) if not isinstance(target, Ext) else self.ext(f"{target.path}()")
            return found
        if method in ("enter_context", "enter_async_context") and head.endswith("ExitStack()"):
            return self.entered(self.argument(call, 0))
        if head.endswith(("()", STRUCTURED)):
            if method in knowledge.transparent_calls:
                return {Ext(head)}
            if method in knowledge.structuring_calls:
                return {Ext(head if head.endswith(STRUCTURED) else head + STRUCTURED)}
        keyed = knowledge.keyed_factories.get(path)
        if keyed is not None:
            keys = {v.text for v in self.argument(call, keyed) if isinstance(v, Const)}
            for name, term in call.keywords:
                if name == "service_name":
                    keys |= {v.text for v in self.eval(term) if isinstance(v, Const)}
            found = set()
            for key in keys:
                found |= self.ext(f"{path}({key})()")
            return found
        if len(path) > _MAX_PATH or path.startswith(_DROPPED_RESULTS):
            return _EMPTY
        return self.ext(f"{path}()")

    def ext(self, path: str) -> set[Value]:
        """A library value, kept only where it may still lead to a model API (or is a model's output).

        ``fastapi.FastAPI().post`` or ``os.path.join`` can never become a model
        API, and following them would only grow sets (and paths, round after
        round). A value derived from a model's output (``...create().choices``)
        is that output: attributes and calls on it leave it as it is.
        """
        known = self._kept.get(path)
        if known is None:
            known = self._kept[path] = self._keep(path)
        return {known} if known is not None else _EMPTY

    def _keep(self, path: str) -> Value | None:
        plain = path.replace(STRUCTURED, "")
        if plain in self.inputs.sources:
            return Input(plain)
        if plain in self.input_prefixes:
            return Ext(path)
        if plain in self.api_prefixes or self.knowledge.collapsed(plain) in self.api_prefixes:
            return Ext(path)
        start = plain.find("(")
        while start != -1:  # the output of the model API called there
            head = plain[:start]
            if self.knowledge.lookup(head) is not None and plain.startswith("()", start):
                return Ext(head + "()")
            start = plain.find("(", start + 1)
        if plain in _SOLVER_PATHS or (plain.startswith("builtins.") and plain.count(".") == 1):
            return Ext(path)
        return None

    # -- arguments into parameters -------------------------------------------------
    def bind(self, module: str, index: int, call: Call) -> None:
        reason = Reason(module, call.line, "passed")
        try:
            for callee in self.callees(module, index):
                self.bind_callee(callee, call, reason)
        except RecursionError:  # an expression nested deeper than the interpreter follows: it contributes nothing
            return

    def guarded(self, term: Term) -> set[Value]:
        """``eval``, where an expression nested too deep for the interpreter evaluates to nothing."""
        try:
            return self.eval(term)
        except RecursionError:
            return _EMPTY

    def bind_callee(self, callee: Value, call: Call, reason: Reason, offset: int = 0) -> None:
        if isinstance(callee, Fn):
            self.parameters(callee.qual, call, None, reason, offset)
        elif isinstance(callee, Bnd):
            self.parameters(callee.qual, call, callee.receiver, reason, offset)
        elif isinstance(callee, Cls):
            instance = Inst(callee.qual)
            initialisers = [m for m in self.member(callee.qual, "__init__", instance) if isinstance(m, Bnd)]
            for method in initialisers:
                self.parameters(method.qual, call, instance, reason, offset)
            if not initialisers:  # dataclasses, pydantic models, attrs: keywords are fields
                for name, term in call.keywords:
                    values = self.eval(term)
                    if values:
                        self.add(("F", callee.qual, name), values, reason)
        elif isinstance(callee, (Inst, Decl)):
            for called in self.attribute(callee, "__call__"):
                if isinstance(called, Bnd):
                    self.parameters(called.qual, call, called.receiver, reason, offset)
        elif isinstance(callee, Ext):
            position = invoker(callee.path)
            if position is not None and offset == 0:
                for target in self.argument(call, position):
                    if not isinstance(target, Ext):
                        self.bind_callee(target, call, reason, offset=position + 1)

    def parameters(self, qual: str, call: Call, receiver: Value | None, reason: Reason, offset: int) -> None:
        function = self.functions.get(qual)
        if function is None:
            return
        bound = receiver is not None and bool(function.params) and "staticmethod" not in function.flags
        if receiver is not None and bound:
            self.add(("v", qual, function.params[0].name), [receiver], reason)
        positional, variadic, keywords, named = self._signature(function, bound)
        for position, term in enumerate(call.args[offset:]):
            values = self.eval(term)
            if not values:
                continue
            if position < len(positional):
                self.add(("v", qual, positional[position].name), values, reason)
            elif variadic is not None:
                self.add(("v", qual, variadic.name), values, reason)
        for term in call.stars:
            values = self.eval(term)
            if values and variadic is not None:
                self.add(("v", qual, variadic.name), values, reason)
        given: list[tuple[str, set[Value]]] = [(name, self.eval(term)) for name, term in call.keywords]
        for term in call.dstars:
            values = self.eval(term)
            if values and keywords is not None:
                self.add(("v", qual, keywords.name), values, reason)
            if term[0] == "v":  # ``f(**kwargs)`` forwarding the caller's own ``**kwargs``: by key
                self.reads_add(("keys", term[1], term[2]))
                for key in sorted(self.keys.get((term[1], term[2]), ())):
                    given.append((key, self.get(("kw", term[1], term[2], key))))
        for name, values in given:
            if not values:
                continue
            if name in named:
                self.add(("v", qual, name), values, reason)
            elif keywords is not None:
                self.add(("v", qual, keywords.name), values, reason)
                self.add(("kw", qual, keywords.name, name), values, reason)
                if name not in self.keys.setdefault((qual, keywords.name), set()):
                    self.keys[(qual, keywords.name)].add(name)
                    self._grown_now.add(("keys", qual, keywords.name))

    def _signature(self, function: Function, bound: bool) -> _Signature:
        """The parameters a call fills (after the receiver when ``bound``): positional, ``*args``, ``**kwargs``,
        by keyword."""
        key = (function.qual, bound)
        found = self._signatures.get(key)
        if found is None:
            params = function.params[1:] if bound else function.params
            found = self._signatures[key] = (
                [p for p in params if p.kind in ("pos", "posonly")],
                next((p for p in params if p.kind == "var"), None),
                next((p for p in params if p.kind == "kw"), None),
                {p.name: p for p in params if p.kind in ("pos", "kwonly")},
            )
        return found

    def called_parameters(self) -> dict[str, frozenset[str]]:
        """Functions that call one of their own parameters (``fn(*args)`` in a retry helper), and which."""
        found: dict[str, set[str]] = {}
        for call in self.calls.values():
            callee = call.callee
            function = self.functions.get(call.scope)
            if function is None or callee[0] != "v" or callee[1] != call.scope:
                continue
            if any(p.name == callee[2] for p in function.params):
                found.setdefault(call.scope, set()).add(callee[2])
        return {k: frozenset(v) for k, v in found.items()}

    def passed(self, call: Call, target: str, names: frozenset[str], bound: bool) -> dict[str, frozenset[Value]]:
        """What ``call`` passes for the parameters ``names`` of ``target`` (after the receiver, for a method)."""
        function = self.functions[target]
        params = list(function.params)
        if bound and params and "staticmethod" not in function.flags:
            params.pop(0)
        positional = [p.name for p in params if p.kind in ("pos", "posonly")]
        found: dict[str, frozenset[Value]] = {}
        for position, term in enumerate(call.args):
            if position < len(positional) and positional[position] in names:
                found[positional[position]] = frozenset(self.eval(term))
        for name, term in call.keywords:
            if name in names:
                found[name] = frozenset(self.eval(term))
        return found

    def url_texts(self, call: Call) -> tuple[str, ...]:
        """The texts a request's URL argument may hold (``{}`` where a part is not known)."""
        term = call.args[0] if call.args else None
        for name, value in call.keywords:
            if name == "url":
                term = value
        return tuple(sorted(v.text for v in self.eval(term) if isinstance(v, Const)))

    def call_inputs(self, call: Call) -> tuple[tuple[str, frozenset[Input]], ...]:
        """The request data each argument of a call holds: by position (``"0"``), keyword, ``*`` or ``**``."""
        arguments: list[tuple[str, Term | None]] = [(str(i), t) for i, t in enumerate(call.args)]
        arguments += [(name, t) for name, t in call.keywords]
        arguments += [("*", t) for t in call.stars] + [("**", t) for t in call.dstars]
        found: list[tuple[str, frozenset[Input]]] = []
        for name, term in arguments:
            if term is None:
                continue
            given = frozenset(v for v in self.guarded(term) if isinstance(v, Input))
            if given:
                found.append((name, given))
        return tuple(found)

    def invoked(self, call: Call, callees: frozenset[Value]) -> frozenset[Value]:
        """The project callables an invoker among ``callees`` runs (``executor.submit(model.inference, ...)``,
        ``loop.run_in_executor(None, fn)``): the call runs them, so the call graph and call sites see them."""
        found: set[Value] = set()
        for callee in callees:
            if not isinstance(callee, Ext):
                continue
            position = invoker(callee.path)
            while position is not None:  # ``run_in_executor(None, ctx.run, fn)``: an invoker given an invoker
                given = self.argument(call, position)
                found |= {v for v in given if isinstance(v, (Fn, Bnd, Inst, Decl))}
                inner = [invoker(v.path) for v in given if isinstance(v, Ext)]
                nested = next((p for p in inner if p is not None), None)
                position = None if nested is None or position > 4 else position + 1 + nested
        return frozenset(found)

    # -- the result ----------------------------------------------------------------
    def program(self, rounds: int) -> Program:
        callees: dict[tuple[str, int], frozenset[Value]] = {}
        urls: dict[tuple[str, int], tuple[str, ...]] = {}
        called = self.called_parameters()
        passed: dict[tuple[str, int], dict[str, dict[str, frozenset[Value]]]] = {}
        inputs: dict[tuple[str, int], tuple[tuple[str, frozenset[Input]], ...]] = {}
        posting = frozenset(f for h in self.knowledge.http for f in h.functions)
        for key, call in self.calls.items():
            try:
                callees[key] = self.callees(*key)
                if any(isinstance(v, Ext) and v.path in posting for v in callees[key]):
                    urls[key] = self.url_texts(call)
                if any(
                    isinstance(v, Ext) and self.knowledge.lookup(v.path.replace(STRUCTURED, "")) for v in callees[key]
                ):
                    given = self.call_inputs(call)
                    if given:
                        inputs[key] = given
                for value in callees[key]:
                    target = value.qual if isinstance(value, (Fn, Bnd)) else None
                    if target is not None and target in called:
                        bound = self.passed(call, target, called[target], isinstance(value, Bnd))
                        passed.setdefault(key, {})[target] = bound
                invoked = self.invoked(call, callees[key])
                if invoked:
                    callees[key] = callees[key] | invoked
            except RecursionError:
                callees[key] = frozenset()
        return Program(
            knowledge=self.knowledge,
            summaries={s.module: s for s in self.summaries},
            values={k: frozenset(v) for k, v in self.values.items()},
            callees=callees,
            reasons=self.reasons,
            functions=self.functions,
            function_module=self.function_module,
            urls=urls,
            called_parameters=called,
            passed=passed,
            inputs=inputs,
            classes=self.classes,
            mros={qual: self.mro(qual) for qual in self.classes},
            tests=self.tests,
            rounds=rounds,
            aliases=self.aliases,
        )


def _source(term: Term) -> tuple[Any, ...] | None:
    """The set a term reads directly, when it is a plain name or attribute (for explanations)."""
    if term[0] in ("v", "F"):
        return term
    return None


_EMPTY: set[Value] = set()


def _c3(sequences: list[list[str]]) -> list[str] | None:
    """The C3 merge of ``sequences``, or None when they cannot be merged consistently."""
    result: list[str] = []
    sequences = [list(s) for s in sequences if s]
    while sequences:
        head = next((s[0] for s in sequences if not any(s[0] in other[1:] for other in sequences)), None)
        if head is None:
            return None
        result.append(head)
        sequences = [[x for x in s if x != head] for s in sequences]
        sequences = [s for s in sequences if s]
    return result


def _prefixes(paths: Iterable[str]) -> frozenset[str]:
    """Every prefix of each path that ends before a ``.`` or a ``(`` or after a ``)``, and the paths themselves."""
    found: set[str] = set()
    for path in paths:
        found.add(path)
        for index, char in enumerate(path):
            if char in ".(":
                found.add(path[:index])
            elif char == ")":
                found.add(path[: index + 1])
    return frozenset(found)


_BUILTINS = frozenset(dir(builtins))


def solve(
    summaries: Iterable[FileSummary],
    knowledge: Knowledge,
    tests: Iterable[str] = (),
    aliases: Mapping[str, str] | None = None,
    advance: Callable[[], None] | None = None,
) -> Program:
    """The program of ``summaries``.

    ``tests``: modules that are tests (read, but their calls bind no parameter
    of product code and their classes are never dispatched to); ``aliases``:
    other names a module is imported by (``src.acme.llm`` for ``acme.llm``);
    ``advance``: called at the start of each round of the fixpoint (for a progress display).
    """
    solver = _Solver(summaries, knowledge, frozenset(tests), aliases or {})
    solver.advance = advance
    return solver.solve()
