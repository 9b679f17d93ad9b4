"""Which project files are analysed in depth (``Rounds``): roots from their imports, then what matters spreads.

Only a file that can hold a call site needs LibCST. Deciding that is done
in rounds, and each round reads less than a plain import graph would:

1. **Roots** are decided from bytes alone: a file binds a name the provider
   knowledge defines (``from langchain_core.language_models import
   BaseChatModel``, ``import openai``), not merely a name under a provider
   package (``from langchain_core.documents import Document`` is no model
   API). A file whose only such name posts HTTP (``requests``) is a root
   only if a model host or endpoint path is written in it.
2. Once files are parsed, their **exports** are known: the top-level names
   through which a model call can be reached (a function or class holding a
   call site, a client or a client factory, a subclass of a model class, a
   re-export of any of these).
3. A file that imports an export (or a module that has one) is parsed in the
   next round; rounds go on until nothing new is selected.

A file outside the selection holds no call site: anything it imports from
the project leads to no model call, and it imports no model API.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from ailint.analysis.imports import prefixes
from ailint.knowledge import Knowledge

if TYPE_CHECKING:  # LibCST is imported when files are parsed, not when roots are chosen
    from ailint.analysis.calls import FileAnalysis
    from ailint.analysis.project import Project
    from ailint.analysis.scope import Scope

_MAX_DEPTH = 12


def is_root(bound: Iterable[str], data: bytes, names: Iterable[str], knowledge: Knowledge) -> bool:
    """Whether a file can call a model API without any project module's help.

    ``bound`` are the names its imports bind (``bound_imports``), ``names``
    the module names it is known by: the file that *defines* a configured
    extra call site (``acme.llm``) is a root too.
    """
    if any(name in knowledge.entry_prefixes for name in names):
        return True
    http_only = False
    for dotted in bound:
        dotted = knowledge.collapsed(dotted.removesuffix(".*"))
        if _names_an_entry(dotted, knowledge):
            if dotted.split(".", 1)[0] not in knowledge.http_modules:
                return True
            http_only = True
    return http_only and any(marker in data for marker in knowledge.http_markers)


def _names_an_entry(dotted: str, knowledge: Knowledge) -> bool:
    """``dotted`` is an entry name, a package or module on the way to one, or something under one."""
    return dotted in knowledge.entry_prefixes or any(p in knowledge.entry_names for p in prefixes(dotted))


class Exports:
    """The top-level names of parsed project modules through which a model call can be reached.

    Memoised name by name: a class may lead to a model through another
    class of its own module (``class ChatOpenAI(BaseChatOpenAI)``), which a
    module-wide guard against cycles would take for one.
    """

    def __init__(self, project: Project) -> None:
        self.project = project
        self.knowledge = project.knowledge
        self._names: dict[tuple[int, str], bool] = {}
        self._active: set[tuple[int, str]] = set()
        self._holding: dict[int, set[str]] = {}

    def any_of(self, analysis: FileAnalysis) -> bool:
        """Whether any top-level name of ``analysis``'s module leads to a model call."""
        return any(self.exported(analysis, name) for name in analysis.module_scope.bindings)

    def exported(self, analysis: FileAnalysis, name: str) -> bool:
        """Whether top-level ``name`` of ``analysis``'s module leads to a model call (memoised; cycles give nothing)."""
        key = (id(analysis), name)
        found = self._names.get(key)
        if found is not None:
            return found
        if key in self._active or name not in analysis.module_scope.bindings:
            return False
        self._active.add(key)
        try:
            found = self._exported(analysis, name)
        except Exception:  # a bug in ailint, reported when the file is judged: its importers are analysed meanwhile
            found = True
        finally:
            self._active.discard(key)
        self._names[key] = found
        return found

    def _exported(self, analysis: FileAnalysis, name: str) -> bool:
        holding = self._holding.get(id(analysis))
        if holding is None:
            sites = self.project.sites(analysis)
            holding = self._holding[id(analysis)] = {
                site.record.scope.qualname.split(".", 1)[0] for site in sites if site.record
            }
        if name in holding:
            return True
        resolver = analysis.resolver
        value = resolver.first(analysis.module_scope.bindings[name])
        if value is not None and self.leads_to_model(value):
            return True
        alias = resolver.alias_type(name, analysis.module_scope)  # ``Client: TypeAlias = A | B``
        if alias is not None and self.leads_to_model(alias):
            return True
        scope = next((c for c in analysis.classes if c.qualname == name), None)
        return scope is not None and self._class_leads(analysis, scope)

    def _class_leads(self, analysis: FileAnalysis, scope: Scope) -> bool:
        """A class whose bases or attributes lead to a model: ``class Chat(ChatOpenAI)``, ``self.client = OpenAI()``."""
        resolver = analysis.resolver
        found = resolver.class_bases.get(scope.canonical)
        if found is not None:
            bases, base_scope = found
            for base in bases:
                value = resolver.resolve(base, base_scope)
                if value is not None and value != scope.canonical and self.leads_to_model(value):
                    return True
        for bindings in scope.attrs.values():
            value = resolver.first(bindings)
            if value is not None and self.leads_to_model(value):
                return True
        return False

    def leads_to_model(self, value: str, depth: int = 0) -> bool:
        """Whether a canonical value is a model API, a client, or a project export that leads to one."""
        head = self.knowledge.collapsed(value.split("(", 1)[0].split("#", 1)[0])
        if _names_an_entry(head, self.knowledge):
            return True
        if depth > _MAX_DEPTH:
            return False
        if head in self.project.functions:
            function = self.project.functions[head]
            if self.project.wrapper(head) is not None or self.project.returned(head) is not None:
                return True
            owner = function[0]
            return self.exported(owner, head.removeprefix(owner.module + ".").split(".", 1)[0])
        parts = head.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            found = self.project.files.get(".".join(parts[:cut]))
            if found is not None:
                return self.exported(found, parts[cut])
        module = self.project.files.get(head)
        return module is not None and self.any_of(module)


def unimported(candidates: set[int], names: list[set[str]], imports: list[set[str]]) -> set[int]:
    """Candidates that no other file of the project imports (by any of their names)."""
    importers: dict[str, set[int]] = {}
    for index, imported in enumerate(imports):
        for name in imported:
            found = importers.setdefault(name, set())
            if len(found) < 2:
                found.add(index)
    return {i for i in candidates if not any(importers.get(name, set()) - {i} for name in names[i])}


_CALLED = re.compile(rb"\b([A-Za-z_]\w*)\s*\(")


class Rounds:
    """The selection of one run: which candidate files are analysed in depth, and which of those apart.

    ``roots`` are the candidates ``is_root`` accepts (analysed in depth
    whatever the rounds find), ``apart`` those no other file imports
    (``unimported``), ``names[i]`` the module names file ``i`` is
    imported by, ``bound[i]`` the names its imports bind, ``imports[i]`` the
    modules it imports (with their packages); ``parse(i)`` adds file ``i`` to
    the project and returns its analysis (None if it cannot be analysed);
    ``ahead(indices)``, if given, is told each round's files, in the order
    they will be parsed, before the first of them is (so that they can be
    prepared elsewhere meanwhile).
    """

    def __init__(
        self,
        project: Project,
        candidates: set[int],
        roots: set[int],
        apart: set[int],
        names: list[set[str]],
        bound: Mapping[int, set[str]],
        imports: list[set[str]],
        data: Callable[[int], bytes],
        parse: Callable[[int], FileAnalysis | None],
        ahead: Callable[[list[int]], None] | None = None,
    ) -> None:
        self.project = project
        self.candidates = candidates
        self.roots = roots
        self.unimported = apart
        self.names = names
        self.bound = bound
        self.imports = imports
        self.data = data
        self.parse = parse
        self.ahead = ahead
        self.owners = {name: i for i in sorted(candidates, reverse=True) for name in names[i]}
        self.parsed: dict[int, FileAnalysis | None] = {}
        self.exports = Exports(project)

    def select(self) -> tuple[set[int], set[int]]:
        """The files analysed in depth, and among them those no other file imports (judged apart, unparsed here).

        Files no other file imports matter to no other file: they are chosen
        last and never parsed here. They may call a function of a module they
        import with arguments the project never sees, so its parameters are
        not inferred from callers, however the files are judged.
        """
        roots, unimported = self.roots, self.unimported
        for index in unimported:
            imported = self.imports[index]
            for name in {match.group(1) for match in _CALLED.finditer(self.data(index))}:
                self.project.called_apart.setdefault(name.decode(), []).append(imported)
        definers = self.candidates - unimported
        new, verified = roots & definers, False
        while True:
            chosen = sorted(new)
            if self.ahead is not None and chosen:
                self.ahead(chosen)
            for index in chosen:
                self.parsed[index] = self.parse(index)
            new = {i for i in definers - self.parsed.keys() if self._leads(i)}
            if new:
                verified = False
                continue
            if verified:
                break
            # Facts were memoised while the project grew: compute them again on the whole.
            self.project.forget()
            self.exports, verified = Exports(self.project), True
            new = {i for i in definers - self.parsed.keys() if self._leads(i)}
        apart = (roots & unimported) | {i for i in unimported - roots if self._leads(i)}
        return set(self.parsed) | apart, apart

    def _leads(self, index: int) -> bool:
        """Whether file ``index`` imports something of a parsed file that leads to a model."""
        for dotted in sorted(self.bound[index]):  # (sorted: memoised facts cut cycles where they are first met)
            dotted = dotted.removesuffix(".*")
            module, _, name = dotted.rpartition(".")
            for owner, wanted in ((self.owners.get(dotted), None), (self.owners.get(module), name)):
                analysis = self.parsed.get(owner) if owner is not None else None
                if analysis is None:
                    continue
                if self.exports.any_of(analysis) if wanted is None else self.exports.exported(analysis, wanted):
                    return True
        return False
