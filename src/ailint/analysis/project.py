"""The whole project: cross-module names, project wrappers and the call sites.

Files are first *collected* (``calls.collect``), then added here; only then
are callees resolved, because a name may be defined in another module and a
wrapper's body may call another wrapper. Resolution is lazy and memoised with
cycle guards, so mutually recursive modules and functions terminate.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Collection, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import libcst as cst

from ailint.analysis.body import Body
from ailint.analysis.calls import CallSite, FileAnalysis, FunctionRecord, PendingCall, Wrapper
from ailint.analysis.dataflow import Output
from ailint.analysis.endpoints import own_endpoint as _own_endpoint
from ailint.analysis.scope import PARTIAL, STRUCTURED, UNINFORMATIVE, Resolver, string_value
from ailint.discovery import is_test_path
from ailint.knowledge import ApiSpec, HttpKnowledge, Knowledge, practices

if TYPE_CHECKING:
    from ailint.flow.exceptions import ExceptionFlow
    from ailint.flow.program import Program
    from ailint.flow.summary import Function

_MAX_DEPTH = 12


def _structured_request(keywords: dict[str, cst.BaseExpression]) -> bool:
    """A request that makes the API validate its output against a schema.

    ``response_format=Model``, ``output_format=Model`` or a ``json_schema``
    format does; JSON mode (``{"type": "json_object"}``) only promises JSON,
    not its shape, and a string names a format (``"mp3"``), not a schema.
    """
    known = practices()
    if known.names("validation", "structured-keywords") & keywords.keys():
        return True
    return any(_names_schema(keywords[key]) for key in known.names("validation", "format-keywords") & keywords.keys())


def _names_schema(value: cst.BaseExpression) -> bool:
    """A class or model (``Answer``, ``models.Answer``, ``schema_for(x)``) or a ``json_schema`` format dict."""
    if isinstance(value, cst.Dict):
        return any(
            isinstance(element, cst.DictElement) and string_value(element.value) == "json_schema"
            for element in value.elements
        )
    return isinstance(value, (cst.Name, cst.Attribute, cst.Call))


class Project:
    """All collected files of a run, and the call sites they hold."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        self.files: dict[str, FileAnalysis] = {}
        self.functions: dict[str, tuple[FileAnalysis, FunctionRecord]] = {}
        self._sites: dict[int, list[CallSite]] = {}
        self._pending: dict[int, CallSite | None] = {}
        self._wrappers: dict[int, Wrapper | None] = {}
        self._active: set[int] = set()
        self._names: dict[str, str | None] = {}
        self._names_active: set[str] = set()
        self._returns: dict[str, str | None] = {}
        self._aliases: dict[str, str | None] = {}
        self._attributes: dict[str, str | None] = {}
        self._parameters: dict[str, str | None] = {}
        self._by_name: dict[str, list[tuple[FileAnalysis, PendingCall]]] | None = None
        self._indexed: set[int] = set()
        self._called: set[int] | None = None
        self._bodies: dict[tuple[int, int], Body] = {}
        self.loader: Callable[[str], FileAnalysis | None] | None = None
        """Reads a project module that was not analysed, on demand (set by the run)."""
        self._outputs: dict[int, Output] = {}
        self.program: Program | None = None
        """The value-flow engine's answers (set by the run): asked where the file's own reading finds no call site."""
        self.called_apart: dict[str, list[Collection[str]]] = {}
        """Names called in files judged apart from this project, and the modules each of those files imports
        (the file's own set, shared: a union per name held 30 MiB on langchain): the parameters of a
        function such a file may call are not inferred from callers."""
        self.called_elsewhere: set[str] = set()
        self.revision = 0
        """Bumped whenever files join or leave or callers change: memos kept outside the project compare it."""
        self.recorded_elsewhere: dict[str, tuple[bool, bool, bool]] = {}
        """Per wrapper path called in files judged in other processes: whether a call of it there is logged,
        logged with fields, and has its usage read (those files are not in this project when its files are judged)."""
        """Paths of wrappers called from files judged apart from this project (files no other file imports)."""
        self._exceptions: dict[tuple[tuple[str, ...], frozenset[str]], ExceptionFlow] = {}
        self._constructions: dict[int, list[tuple[PendingCall, str]]] = {}

    def add(self, analysis: FileAnalysis, aliases: Iterable[str] = ()) -> None:
        """Add a collected file, under its module name and the other names it may be imported by."""
        self.revision += 1
        self.files.setdefault(analysis.module, analysis)
        for alias in aliases:
            self.files.setdefault(alias, analysis)
        analysis.resolver.project = self
        if self._by_name is not None:  # read on demand after the index was built
            self._index_calls(analysis, self._by_name)
        for record in analysis.functions:
            for path in record.paths:
                known = self.functions.get(path)
                # A later definition in the same file wins: ``@overload`` stubs come before the implementation.
                if known is None or known[0] is analysis:
                    self.functions[path] = (analysis, record)

    def discard(self, analysis: FileAnalysis, aliases: Iterable[str] = ()) -> None:
        """Take out a file no other file imports, once it is judged, with every memo keyed by its objects.

        Only its own judging could use its facts, so the next file judged
        sees the project as if it had never been added. Memos are keyed by
        ``id()``: an entry left behind could be read for a new object that
        reuses the address.
        """
        self.revision += 1
        for name in (analysis.module, *aliases):  # the names it was added under (``add``)
            if self.files.get(name) is analysis:
                del self.files[name]
        for record in analysis.functions:
            for path in record.paths:
                if self.functions.get(path, (None,))[0] is analysis:
                    del self.functions[path]
        sites = self._sites.pop(id(analysis), [])
        for pending in analysis.calls:
            site = self._pending.pop(id(pending), None)
            if site is not None:
                sites.append(site)
        for site in sites:
            self._outputs.pop(id(site), None)
        records = {id(record) for record in analysis.functions}
        for key in records:
            self._wrappers.pop(key, None)
        if self._called is not None:
            self._called -= records
        self._constructions.pop(id(analysis), None)
        for owner in (None, *analysis.functions):  # keyed as ``body`` keys them
            self._bodies.pop((id(analysis), id(owner)), None)
        if self._by_name is not None and id(analysis) in self._indexed:
            self._indexed.discard(id(analysis))
            for called in {_called_name(pending) for pending in analysis.calls}:
                calls = self._by_name.get(called) if called is not None else None
                if calls:
                    calls[:] = [entry for entry in calls if entry[0] is not analysis]

    def forget(self) -> None:
        """Drop every memoised fact: files were added after facts were computed (selection rounds)."""
        self.revision += 1
        memos: list[dict[Any, Any]] = [self._sites, self._pending, self._wrappers, self._names, self._returns]
        for memo in (*memos, self._aliases, self._attributes, self._parameters, self._bodies, self._outputs,
                     self._constructions):  # fmt: skip
            memo.clear()
        self._called = None
        self._by_name = None
        self._indexed.clear()
        self._exceptions.clear()
        for analysis in set(self.files.values()):
            analysis.resolver.forget()

    # -- names across modules ----------------------------------------------
    def global_name(self, dotted: str) -> str | None:
        """The canonical value of ``module.name[.attr...]`` when ``module`` is a project module."""
        if dotted in self._names:
            return self._names[dotted]
        if dotted in self._names_active:
            return None
        self._names_active.add(dotted)
        try:
            result = self._global_name(dotted)
        finally:
            self._names_active.discard(dotted)
        self._names[dotted] = result
        return result

    def _global_name(self, dotted: str) -> str | None:
        if dotted in self.knowledge.known_prefixes:
            return None
        parts = dotted.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = ".".join(parts[:cut])
            analysis = self.files.get(module)
            if analysis is None:
                continue
            name, rest = parts[cut], parts[cut + 1 :]
            bindings = analysis.module_scope.bindings.get(name)
            if not bindings:
                return None
            value = analysis.resolver.first(bindings)
            if value is None or value == dotted:
                return None
            return ".".join([value, *rest])
        return None

    def type_alias(self, dotted: str) -> str | None:
        """The class a module-level type alias of a project module names (``Client = A | B`` in ``acme.types``)."""
        if dotted in self._aliases:
            return self._aliases[dotted]
        self._aliases[dotted] = None  # an alias defined through itself names nothing
        result = None
        module, _, name = dotted.rpartition(".")
        analysis = self.files.get(module) if module and dotted not in self.knowledge.known_names else None
        if analysis is not None:
            result = analysis.resolver.alias_type(name, analysis.module_scope)
        self._aliases[dotted] = result
        return result

    def instance_attribute(self, instance: str, attr: str) -> str | None:
        """What ``attr`` of ``instance`` (``acme.Deps()``) is: a class-level annotation or a ``self`` assignment.

        The class's bases are searched too; methods are not attributes here (they are
        reached as wrappers through ``acme.Deps().method``).
        """
        key = f"{instance}.{attr}"
        if key in self._attributes:
            return self._attributes[key]
        self._attributes[key] = None  # an attribute defined through itself names nothing
        result = None
        variants = list(self._variants(instance))
        if any(v.removesuffix("()") in self.knowledge.known_prefixes for v in variants):
            return None  # an SDK class or a subclass of one (the SDK's own repository): knowledge decides
        for variant in variants:
            located = self._class_file(variant.removesuffix("()"))
            if located is None:
                continue
            analysis, head = located
            owner = next((c for c in analysis.classes if c.canonical == head), None)
            bindings = owner.attrs.get(attr) if owner is not None else None
            if bindings:
                result = analysis.resolver.first(bindings)
                break
        self._attributes[key] = result
        return result

    def parameter(self, function: str, name: str) -> str | None:
        """The instance every call of a plain project function passes for its unannotated parameter ``name``.

        Only what the project says counts: each call (tests aside, which pass doubles) must
        pass that parameter, by position or keyword, without ``*args``/``**kwargs``, and all
        of them the same kind of instance; a function nobody calls says nothing.
        """
        key = f"{function}:{name}"
        if key in self._parameters:
            return self._parameters[key]
        self._parameters[key] = None  # a parameter passed through itself names nothing
        entry = self.functions.get(function)
        result = None
        if (
            entry is not None
            and entry[1].scope.owner is None
            and not any(entry[0].module in imported for imported in self.called_apart.get(entry[1].node.name.value, ()))
        ):
            result = self._parameter(entry[1], name)
        self._parameters[key] = result
        return result

    def _parameter(self, record: FunctionRecord, name: str) -> str | None:
        positional = record.scope.positional
        index = positional.index(name) if name in positional else None
        found: set[str] = set()
        for analysis, pending in self._calls_named(record.node.name.value):
            if _is_test(analysis):
                continue
            if analysis.resolver.resolve(pending.node.func, pending.scope) not in record.paths:
                continue
            argument = _argument(pending.node, index, name)
            value = analysis.resolver.resolve(argument, pending.scope) if argument is not None else None
            if value is None or not value.endswith(("()", STRUCTURED)):
                return None
            found.add(value)
        return found.pop() if len(found) == 1 else None

    def _calls_named(self, name: str) -> list[tuple[FileAnalysis, PendingCall]]:
        """Calls of ``name(...)`` or ``x.name(...)`` anywhere in the project (read from the syntax only)."""
        if self._by_name is None:
            index: dict[str, list[tuple[FileAnalysis, PendingCall]]] = {}
            for analysis in {id(a): a for a in self.files.values()}.values():
                self._index_calls(analysis, index)
            self._by_name = index
        return self._by_name.get(name, [])

    def _index_calls(self, analysis: FileAnalysis, index: dict[str, list[tuple[FileAnalysis, PendingCall]]]) -> None:
        if id(analysis) in self._indexed:
            return
        self._indexed.add(id(analysis))
        for pending in analysis.calls:
            called = _called_name(pending)
            if called is not None:
                index.setdefault(called, []).append((analysis, pending))

    def returned(self, function: str) -> str | None:
        """The client a project function returns, when its ``return`` statements build or hold one."""
        if function in self._returns:
            return self._returns[function]
        self._returns[function] = None  # a recursive function returns nothing we can name
        entry = self.functions.get(function)
        result = None
        if entry is not None:
            analysis, record = entry
            declared = analysis.resolver.returns.get(function)
            if declared is not None:  # ``def get_logger(name) -> logging.Logger`` in another module
                kind = analysis.resolver.resolve_type(*declared)
                if kind and kind not in UNINFORMATIVE:
                    self._returns[function] = f"{kind}()"
                    return self._returns[function]
            for value in record.outputs:
                resolved = analysis.resolver.resolve(value, record.scope)
                if resolved is not None and resolved.endswith(("()", STRUCTURED)):
                    result = resolved
                    break
        self._returns[function] = result
        return result

    def _variants(self, canonical: str, depth: int = 0, load: bool = False) -> Iterator[str]:
        """``canonical``, then the same path on each base class of its head class.

        With ``load``, project modules that were not analysed (they import no
        model SDK) are read on demand to learn a class's bases.
        """
        yield canonical
        if depth > _MAX_DEPTH or "()" not in canonical:
            return
        head, _, tail = canonical.partition("()")
        located = self._class_file(head, load)
        if located is None:
            return
        owner, head = located
        if head != canonical.partition("()")[0]:
            yield f"{head}(){tail}"
        bases, scope = owner.resolver.class_bases[head]
        for base in bases:
            resolved = owner.resolver.resolve(base, scope)
            if resolved and resolved != head and "(" not in resolved:
                yield from self._variants(f"{resolved}(){tail}", depth + 1, load)

    def _class_file(self, head: str, load: bool = False, depth: int = 0) -> tuple[FileAnalysis, str] | None:
        """The file defining class ``head``, following re-exports (``from .models import Answer``)."""
        module, _, name = head.rpartition(".")
        while module and depth <= _MAX_DEPTH:
            analysis = self.files.get(module)
            if analysis is None and load and self.loader is not None:
                analysis = self.loader(module)
            if analysis is not None:
                if head in analysis.resolver.class_bases:
                    return analysis, head
                for binding in analysis.module_scope.bindings.get(name, []):
                    if binding.kind == "import" and binding.qualname and binding.qualname != head:
                        return self._class_file(binding.qualname, load, depth + 1)
                return None
            module, _, outer = module.rpartition(".")
            name = f"{outer}.{name}"
        return None

    def bases(self, canonical: str) -> Iterator[str]:
        """A project class and its ancestors, as far as the project's code says."""
        for variant in self._variants(f"{canonical}()", load=True):
            yield variant.removesuffix("()")

    def api(self, canonical: str) -> tuple[ApiSpec, bool] | None:
        """The model API a canonical callee path names, and whether it was made structured."""
        structured = STRUCTURED in canonical
        plain = canonical.replace(STRUCTURED, "")
        for variant in self._variants(plain):
            spec = self.knowledge.lookup(variant)
            if spec is not None:
                return spec, structured
        return None

    # -- wrappers ----------------------------------------------------------
    def wrapper(self, canonical: str) -> Wrapper | None:
        """The project wrapper a callee path names, if it is one."""
        for variant in self._variants(canonical.replace(STRUCTURED, "")):
            entry = self.functions.get(variant)
            if entry is not None:
                return self._wrapper_of(*entry)
        return None

    def _wrapper_of(self, analysis: FileAnalysis, record: FunctionRecord) -> Wrapper | None:
        key = id(record)
        if key in self._wrappers:
            return self._wrappers[key]
        if key in self._active:  # recursion through the call graph
            return None
        self._active.add(key)
        try:
            result = None
            for pending in analysis.calls:
                if pending.record is not record:
                    continue
                site = self.site(analysis, pending)
                if site is not None and Output(record, site.node, through_methods=site.operation != "embed").returned:
                    result = Wrapper(record=record, file=analysis, inner=site)
                    break
        finally:
            self._active.discard(key)
        self._wrappers[key] = result
        return result

    # -- call sites --------------------------------------------------------
    def sites(self, analysis: FileAnalysis) -> list[CallSite]:
        """Every call site of a file, direct and wrapper, in source order."""
        key = id(analysis)
        cached = self._sites.get(key)
        if cached is None:
            cached = [site for pending in analysis.calls if (site := self.site(analysis, pending)) is not None]
            self._sites[key] = cached
        return cached

    def site(self, analysis: FileAnalysis, pending: PendingCall) -> CallSite | None:
        """The call site a call expression is, if any (memoised)."""
        key = id(pending)
        if key in self._pending:
            return self._pending[key]
        if key in self._active:
            return None
        self._active.add(key)
        try:
            result = self._site(analysis, pending)
        finally:
            self._active.discard(key)
        self._pending[key] = result
        return result

    def _site(self, analysis: FileAnalysis, pending: PendingCall) -> CallSite | None:
        resolver = analysis.resolver
        canonical = resolver.resolve(pending.node.func, pending.scope)
        if canonical is not None:
            found = self.api(canonical)
            if found is not None:
                return self._direct(analysis, pending, *found, canonical=canonical, callee=pending.node.func)
            given = self._given_api(analysis, pending)
            if given is not None:
                return given
            wrapper = self.wrapper(canonical)
            if wrapper is not None:
                return self._wrapper_site(analysis, pending, wrapper)
            if canonical == "functools.partial":
                return None
        # A model API passed as a callable: ``asyncio.to_thread(client.models.generate_content, ...)``.
        # Not a model *instance* handed over (``create_react_agent(model=llm)``), and not a client
        # factory wrapping the API (``instructor.from_litellm(litellm.completion)``).
        if canonical is not None and canonical.split("(", 1)[0] in self.knowledge.known_names:
            return None
        if _builtin(pending.node.func, canonical, analysis) not in (None, *_CALLING_BUILTINS):
            return None  # ``hasattr(client.embeddings, "create_async")`` asks about the API; it does not call it
        for arg in pending.node.args:
            value = _partial_target(arg.value, resolver, pending)  # ``run_sync(partial(client.invoke_model, ...))``
            if isinstance(value, (cst.Name, cst.Attribute)):
                passed = resolver.resolve(value, pending.scope)
                if passed is not None and not passed.endswith(("()", STRUCTURED)):
                    found = self.api(passed)
                    if found is not None:
                        return self._direct(analysis, pending, *found, canonical=passed, callee=value)
        if canonical is not None:
            for http in self.knowledge.http:
                if canonical in http.functions:
                    spec = self._http_spec(http, pending, analysis)
                    if spec is not None:
                        return self._direct(
                            analysis, pending, spec, False, canonical=canonical, callee=pending.node.func
                        )
        return self._followed(analysis, pending)

    def _program_index(self, analysis: FileAnalysis, node: cst.Call) -> int | None:
        """The index of a call in its file's summary, when the value-flow engine read the file."""
        program = self.program
        if program is None or analysis.module not in program.summaries:
            return None
        where = analysis.position(node)
        if where is None:
            return None
        return program.call_at(analysis.module, where[0], where[1], (where[2], where[3]))

    def _given_api(self, analysis: FileAnalysis, pending: PendingCall, index: int | None = None) -> CallSite | None:
        """The direct call site of a model API this call gives a project helper that calls it
        (``self._call_client(self.client.chat.completions.create, messages=...)``): the API is called here, with
        what this call passes, through the helper (``Program.given_apis``)."""
        program = self.program
        if index is None:
            index = self._program_index(analysis, pending.node)
        if program is None or index is None:
            return None
        for target, parameter, api in program.given_apis(analysis.module, index):
            found = self.api(api.path)
            if found is not None:
                callee = _argument_for(pending.node, program.functions[target], parameter)
                return self._direct(analysis, pending, *found, canonical=api.path, callee=callee)
        return None

    def _followed(self, analysis: FileAnalysis, pending: PendingCall) -> CallSite | None:
        """The call site the value-flow engine finds where the file's own reading of the callee found none."""
        program = self.program
        index = self._program_index(analysis, pending.node)
        if program is None or index is None:
            return None
        given = self._given_api(analysis, pending, index)
        if given is not None:
            return given
        apis, wrappers = program.model_callees(analysis.module, index)
        if program.calls_given(analysis.module, index):
            apis = []  # the helper calls what it is given: the model calls are where the APIs are given
        for api in apis:
            found = self.api(api.path)
            if found is not None:
                return self._direct(analysis, pending, *found, canonical=api.path, callee=pending.node.func)
        for qual in wrappers:
            wrapper = self.wrapper(qual)
            module = program.function_module.get(qual)
            if wrapper is None and self.loader is not None and module is not None and module not in self.files:
                self.loader(module)  # the engine found a wrapper in a file not read in depth yet: read it now
                wrapper = self.wrapper(qual)
            if wrapper is not None:
                return self._wrapper_site(analysis, pending, wrapper)
        return None

    def explain(self, site: CallSite) -> tuple[str, ...]:
        """How a call site's callee was resolved: the value-flow engine's chain, or the file's own reading."""
        program = self.program
        analysis = site.file
        where = analysis.position(site.node) if program is not None else None
        if program is not None and where is not None and analysis.module in program.summaries:
            index = program.call_at(analysis.module, where[0], where[1], (where[2], where[3]))
            if index is not None:
                from ailint.flow.explain import explain_call

                return tuple(line.strip() for line in explain_call(program, analysis.module, index)[1:])
        if site.wrapper is not None and site.wrapper.record.paths:
            return (f"calls {site.wrapper.record.paths[0]}, which returns a model's output",)
        return (f"the callee is {site.canonical}",) if site.canonical else ()

    def _wrapper_site(self, analysis: FileAnalysis, pending: PendingCall, wrapper: Wrapper) -> CallSite:
        inner = wrapper.inner
        return CallSite(
            node=pending.node,
            spec=inner.spec,
            file=analysis,
            scope=pending.scope,
            guards=pending.guards,
            record=pending.record,
            kind="wrapper",
            wrapper=wrapper,
            structured=inner.structured,
            streaming=inner.streaming,
        )

    def _direct(
        self,
        analysis: FileAnalysis,
        pending: PendingCall,
        spec: ApiSpec,
        structured: bool,
        canonical: str,
        callee: cst.BaseExpression | None,
    ) -> CallSite:
        keywords = {arg.keyword.value: arg.value for arg in pending.node.args if arg.keyword is not None}
        stream = keywords.get("stream")
        return CallSite(
            node=pending.node,
            spec=spec,
            file=analysis,
            scope=pending.scope,
            guards=pending.guards,
            record=pending.record,
            structured=structured or spec.structured or _structured_request(keywords),
            streaming=spec.streaming or (isinstance(stream, cst.Name) and stream.value == "True"),
            canonical=canonical,
            callee=callee,
        )

    def _http_spec(self, http: HttpKnowledge, pending: PendingCall, analysis: FileAnalysis) -> ApiSpec | None:
        url_arg = next((a.value for a in pending.node.args if a.keyword is None), None)
        for arg in pending.node.args:
            if arg.keyword is not None and arg.keyword.value == "url":
                url_arg = arg.value
        if url_arg is None:
            return None
        url = _url_text(url_arg, pending, analysis)
        for text in [url] if url and url.strip("{}") else self._followed_urls(analysis, pending):
            spec = self._http_url_spec(http, text)
            if spec is not None:
                return spec
        return None

    def _followed_urls(self, analysis: FileAnalysis, pending: PendingCall) -> tuple[str, ...]:
        """The URL texts the value-flow engine finds for a request (a class attribute, a module constant, a config)."""
        program = self.program
        where = analysis.position(pending.node) if program is not None else None
        if program is None or where is None or analysis.module not in program.summaries:
            return ()
        index = program.call_at(analysis.module, where[0], where[1], (where[2], where[3]))
        return program.urls.get((analysis.module, index), ()) if index is not None else ()

    def _http_url_spec(self, http: HttpKnowledge, url: str) -> ApiSpec | None:
        operation = None
        for suffix, op in http.paths:
            if url.rstrip("/").endswith(suffix):
                operation = None if suffix in http.weak_paths and _public_host(url) else op
                break
        host_match = any(host in url for host in http.hosts)
        if host_match and operation is None and any(part in url for part in http.not_model_paths):
            return None  # ``openrouter.ai/api/v1/auth/keys``: the model host's key exchange
        if operation is None and not host_match:
            return None
        if not host_match and _own_endpoint(self, url):  # the project's own REST endpoint (analysis.endpoints)
            return None
        shown = url.split("://", 1)[-1]
        shown = shown[shown.find("/") :] if "/" in shown else shown
        return ApiSpec(provider=http.provider, api=f"POST {shown}", operation=operation or "generate")

    # -- the engine's answers ----------------------------------------------
    def program_call(self, site: CallSite) -> tuple[str, int] | None:
        """The value-flow engine's call (module, index) of a call site, when the engine read its file."""
        index = self._program_index(site.file, site.node)
        return None if index is None else (site.file.module, index)

    def exceptions(self, boundaries: tuple[str, ...], handlers: frozenset[str]) -> ExceptionFlow | None:
        """Where exceptions go in the program (None without the engine), for the configured stops."""
        if self.program is None:
            return None
        key = (boundaries, handlers)
        found = self._exceptions.get(key)
        if found is None:
            from ailint.flow.exceptions import ExceptionFlow

            found = self._exceptions[key] = ExceptionFlow(self.program, boundaries, handlers)
        return found

    def constructions(self, analysis: FileAnalysis) -> list[tuple[PendingCall, str]]:
        """The calls of ``analysis`` that build a library object the knowledge names (a client), with its path.

        Calls whose path is a model API are left out. Asked for every call site
        whose client cannot be followed (``concerns.has_timeout``): resolved once
        per file, in call order, until the project changes.
        """
        found = self._constructions.get(id(analysis))
        if found is None:
            known, knowledge = self.knowledge.known_names, self.knowledge
            found = []
            for pending in analysis.calls:
                canonical = analysis.resolver.resolve(pending.node.func, pending.scope)
                if canonical is not None and canonical in known and knowledge.lookup(canonical) is None:
                    found.append((pending, canonical))
            self._constructions[id(analysis)] = found
        return found

    # -- per-function facts ----------------------------------------------
    def body(self, analysis: FileAnalysis, record: FunctionRecord | None) -> Body:
        """Lazy facts of the function ``record`` (or the module's top level)."""
        key = (id(analysis), id(record))
        found = self._bodies.get(key)
        if found is None:
            found = self._bodies[key] = Body(analysis, record)
        return found

    def output(self, site: CallSite) -> Output:
        """The output of ``site`` within its function."""
        found = self._outputs.get(id(site))
        if found is None:
            flows = site.file.module_flows if site.record is None else None  # a script's, a notebook's top level
            found = Output(site.record, site.node, through_methods=site.operation != "embed", module_flows=flows)
            self._outputs[id(site)] = found
        return found

    # -- callers -----------------------------------------------------------
    def called_wrappers(self) -> set[int]:
        """Ids of the wrapper functions that are called somewhere in the project."""
        if self._called is None:
            called: set[int] = set()
            for analysis in {id(a): a for a in self.files.values()}.values():  # in file order: sites memoise cycles
                called.update(id(record) for record in self._called_records(analysis))
            called.update(id(self.functions[path][1]) for path in self.called_elsewhere if path in self.functions)
            self._called = called
        return self._called

    def _called_records(self, analysis: FileAnalysis) -> list[FunctionRecord]:
        """The wrappers a file calls; none for a test (a test does not move their concerns into it)."""
        if _is_test(analysis):
            return []
        return [site.wrapper.record for site in self.sites(analysis) if site.wrapper is not None]

    def wrappers_called_by(self, analysis: FileAnalysis) -> list[str]:
        """The paths of the wrappers a file calls, for a run that judged the file in another process."""
        return [record.paths[0] for record in self._called_records(analysis) if record.paths]

    def record_elsewhere(self, path: str, facts: Iterable[bool]) -> None:
        """Add what one more caller of wrapper ``path`` judged in another process does (``recorded_elsewhere``)."""
        before = self.recorded_elsewhere.get(path, (False, False, False))
        logged, fields, usage = (old or new for old, new in zip(before, facts, strict=True))
        self.recorded_elsewhere[path] = (logged, fields, usage)

    def forget_callers(self) -> None:
        """Files were added that no other file imports: only who calls which wrapper can change."""
        self.revision += 1
        self._called = None

    def add_callers(self, analysis: FileAnalysis) -> None:
        """A file no other file imports was added: record the wrappers it calls (nothing else changes)."""
        self.revision += 1
        if self._called is not None:
            self._called.update(id(record) for record in self._called_records(analysis))

    def judged_at_callers(self, site: CallSite) -> bool:
        """Whether the output concerns of ``site`` are judged where its wrapper is called."""
        record = site.record
        if record is None or id(record) not in self.called_wrappers():
            return False
        return self.output(site).returned  # every call whose output the wrapper returns, not only the first


def _public_host(url: str) -> bool:
    """Whether a URL text names a public domain of its own (not localhost, an address or a placeholder)."""
    rest = url.split("://", 1)[1] if "://" in url else ""
    host = rest.split("/", 1)[0].rsplit("@", 1)[-1].split(":", 1)[0]
    if not host or "{" in host or host == "localhost" or "." not in host:
        return False
    return not host.replace(".", "").isdigit()


_CALLING_BUILTINS = frozenset({"builtins.map", "builtins.filter"})
"""The builtins that call a callable they are given."""


def _builtin(func: cst.BaseExpression, canonical: str | None, analysis: FileAnalysis) -> str | None:
    """``builtins.<name>`` when the callee is a builtin function (named as such, and not bound by the module)."""
    if canonical is not None:
        return canonical if canonical.startswith("builtins.") else None
    if isinstance(func, cst.Name) and func.value in _BUILTINS and func.value not in analysis.module_scope.bindings:
        return f"builtins.{func.value}"
    return None


_BUILTINS = frozenset(name for name, value in vars(builtins).items() if callable(value) and not name.startswith("_"))


def _called_name(pending: PendingCall) -> str | None:
    """The name a call is indexed by: ``name`` of ``name(...)`` and of ``x.name(...)``."""
    func = pending.node.func
    if isinstance(func, cst.Name):
        return func.value
    return func.attr.value if isinstance(func, cst.Attribute) else None


def _is_test(analysis: FileAnalysis) -> bool:
    """Test modules (``discovery.DEFAULT_TESTS``): they are read, but do not move concerns or make call sites."""
    relative = analysis.relative_path or analysis.module.replace(".", "/") + ".py"
    return is_test_path(relative)


def _url_text(expr: cst.BaseExpression, pending: PendingCall, analysis: FileAnalysis, depth: int = 0) -> str | None:
    """The text of a URL argument: literals, f-strings (holes as ``{}``), concatenations, names bound to them."""
    if depth > 6:
        return None
    text = string_value(expr)
    if text is not None:
        return text
    if isinstance(expr, cst.FormattedString):
        parts = []
        for part in expr.parts:
            if isinstance(part, cst.FormattedStringText):
                parts.append(part.value)
            else:
                parts.append("{}")
        return "".join(parts)
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        left = _url_text(expr.left, pending, analysis, depth + 1) or "{}"
        right = _url_text(expr.right, pending, analysis, depth + 1) or "{}"
        return left + right
    if isinstance(expr, cst.Name):
        for binding in reversed(analysis.resolver.lookup(expr.value, pending.scope)):
            if binding.kind == "expr" and binding.expr is not None:
                return _url_text(binding.expr, pending, analysis, depth + 1)
    return None


def _partial_target(expr: cst.BaseExpression, resolver: Resolver, pending: PendingCall) -> cst.BaseExpression:
    """The callable a ``functools.partial(api, ...)`` argument wraps, else ``expr`` itself."""
    if (
        isinstance(expr, cst.Call)
        and expr.args
        and expr.args[0].keyword is None
        and not expr.args[0].star
        and resolver.resolve(expr.func, pending.scope) in PARTIAL
    ):
        return expr.args[0].value
    return expr


def _argument(call: cst.Call, index: int | None, name: str) -> cst.BaseExpression | None:
    """The expression a call passes for parameter ``name`` (at ``index`` when positional), if it says."""
    positional: list[cst.BaseExpression] = []
    for arg in call.args:
        if arg.star:
            return None
        if arg.keyword is None:
            positional.append(arg.value)
        elif arg.keyword.value == name:
            return arg.value
    return positional[index] if index is not None and index < len(positional) else None


def _argument_for(call: cst.Call, function: Function, parameter: str) -> cst.BaseExpression | None:
    """The argument ``call`` passes for ``parameter`` of ``function`` (a method's receiver aside)."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == parameter:
            return arg.value
    names = [p.name for p in function.params if p.kind in ("pos", "posonly")]
    if names and names[0] in ("self", "cls") and isinstance(call.func, cst.Attribute):
        names = names[1:]
    positional = [arg.value for arg in call.args if arg.keyword is None and not arg.star]
    if parameter in names and names.index(parameter) < len(positional):
        return positional[names.index(parameter)]
    return None
