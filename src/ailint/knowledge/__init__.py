"""Provider knowledge: which classes, functions and methods are model APIs.

Each provider is one TOML file beside this module; adding a provider means
adding a file, not code (users can add their own files, and
``[tool.ailint.call-sites] extra`` names). The loader turns the files into
lookup tables keyed by *canonical paths*, the strings the resolver produces:

* ``openai.OpenAI().chat.completions.create``: a method path on an instance
  of a client class or factory (``()`` marks "the result of calling");
* ``openai.ChatCompletion.create``: a module-level function;
* ``transformers.pipeline()``: calling an instance itself (API path ``__call__``);
* ``boto3.client(bedrock-runtime)()``: a *keyed factory*, whose first string
  argument selects what it builds (``boto3.client("s3")`` is not a model client).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

OPERATIONS = ("generate", "embed", "moderate", "image", "audio", "rerank")
_PROVIDER_KEYS = {
    "name",
    "modules",
    "base-error",
    "catches",
    "clients",
    "client-apis",
    "functions",
    "keyed-factories",
    "validating-parsers",
    "http",
    "collapse",
    "request-checks",
    "reports-usage",
    "generic-attributes",
}
_CLIENT_KEYS = {"sync", "async", "packages", "async-packages", "transparent", "transparent-calls", "structuring-calls"}
_API_KEYS = {"operation", "async", "streaming", "structured", "wire"}


class KnowledgeError(ValueError):
    """A provider data file is malformed."""


@dataclass(frozen=True)
class Provider:
    """One provider's identity and error model."""

    name: str
    modules: tuple[str, ...]
    base_error: str
    catches: frozenset[str]
    request_checks: bool = True
    """Whether timeouts and token usage apply to its calls (not for local inference)."""
    reports_usage: bool = True
    """Whether its responses carry token usage to read (LangChain's ``Embeddings`` return bare vectors)."""


@dataclass(frozen=True)
class ApiSpec:
    """One model API as the resolver sees it."""

    provider: Provider
    api: str
    """The path shown to users, e.g. ``chat.completions.create``."""
    operation: str
    is_async: bool = False
    streaming: bool = False
    structured: bool = False
    wire: bool = False
    """The response is the provider's wire format, a body to decode (Bedrock's ``invoke_model``), as raw HTTP's is:
    decoding it and reading its envelope is the protocol, and the answer starts at a content field."""


@dataclass(frozen=True)
class HttpKnowledge:
    """Raw HTTP calls to model endpoints: which functions post, which URLs are models."""

    provider: Provider
    functions: frozenset[str]
    hosts: tuple[str, ...]
    paths: tuple[tuple[str, str], ...]
    """URL path suffixes (``/chat/completions``) and their operation."""
    weak_paths: frozenset[str] = frozenset()
    """Path suffixes too common to name a model alone (TGI's ``/generate``): a model endpoint only on a host
    that is not a public domain of its own (localhost, an address, a configured host)."""
    not_model_paths: tuple[str, ...] = ()
    """Path parts of a model host's other APIs (``/auth/keys``): a request to them is not a model call."""


@dataclass(frozen=True)
class Knowledge:
    """Everything the resolver needs, indexed for constant-time lookups."""

    apis: Mapping[str, ApiSpec]
    transparent: frozenset[str] = frozenset()
    transparent_calls: frozenset[str] = frozenset()
    structuring_calls: frozenset[str] = frozenset()
    keyed_factories: Mapping[str, int] = field(default_factory=dict)
    validating_parsers: frozenset[str] = frozenset()
    collapse: tuple[str, ...] = ()
    """Packages whose classes are also importable from their submodules
    (``langchain_community.chat_models.openai.ChatOpenAI``)."""
    providers: tuple[Provider, ...] = ()
    http: tuple[HttpKnowledge, ...] = ()
    generic_attributes: Mapping[str, int] = field(default_factory=dict)
    """Attributes typed by a class's type parameter: ``pydantic_ai.RunContext.deps`` is
    parameter 0, so ``ctx.deps`` with ``ctx: RunContext[Deps]`` is a ``Deps``."""

    @property
    def modules(self) -> frozenset[str]:
        """Top-level modules whose import makes a file worth analysing."""
        return frozenset(m.split(".", 1)[0] for p in self.providers for m in p.modules)

    @cached_property
    def known_names(self) -> frozenset[str]:
        """Dotted names the knowledge defines (``instructor.from_openai``, ``openai.OpenAI``).

        A project that defines one of them itself (the SDK's own repository)
        still has it resolved as the knowledge says.
        """
        names = set()
        for key in self.apis:
            head = key.split("(", 1)[0]
            names.add(head)
        return frozenset(names)

    @cached_property
    def known_prefixes(self) -> frozenset[str]:
        """Every dotted prefix of a known name (``openai``, ``openai.chat``...)."""
        prefixes: set[str] = set()
        for name in self.known_names:
            parts = name.split(".")
            prefixes.update(".".join(parts[: i + 1]) for i in range(len(parts)))
        return frozenset(prefixes)

    @cached_property
    def entry_names(self) -> frozenset[str]:
        """Names whose import can lead to a model call: known names, HTTP functions, keyed factories."""
        names = set(self.known_names)
        names.update(f.split("(", 1)[0] for http in self.http for f in http.functions)
        names.update(self.keyed_factories)
        return frozenset(names)

    @cached_property
    def entry_prefixes(self) -> frozenset[str]:
        """Every dotted prefix of an entry name (``langchain_core``, ``langchain_core.language_models``...)."""
        return frozenset(".".join(p[: i + 1]) for p in (n.split(".") for n in self.entry_names) for i in range(len(p)))

    @cached_property
    def http_modules(self) -> frozenset[str]:
        """Packages that only post HTTP (``requests``): importing them matters when a model URL is in the file."""
        http = {f.split(".", 1)[0] for h in self.http for f in h.functions}
        return frozenset(http - {n.split(".", 1)[0] for n in self.known_names})

    @cached_property
    def http_markers(self) -> tuple[bytes, ...]:
        """Strings a file posting to a model endpoint must contain: hosts and URL path suffixes."""
        return tuple(sorted({s.encode() for h in self.http for s in (*h.hosts, *(p for p, _ in h.paths))}))

    def collapsed(self, dotted: str) -> str:
        """``langchain_community.chat_models.openai.ChatOpenAI`` → ``langchain_community.chat_models.ChatOpenAI``."""
        for package in self.collapse:
            if dotted.startswith(package + "."):
                submodule, dot, rest = dotted[len(package) + 1 :].partition(".")
                if dot and "(" not in submodule:
                    return f"{package}.{rest}"
                break
        return dotted

    def lookup(self, canonical: str) -> ApiSpec | None:
        """The API spec for a canonical callee path, if it is a model API."""
        spec = self.apis.get(canonical)
        if spec is None and self.collapse:
            collapsed = self.collapsed(canonical)
            if collapsed != canonical:
                return self.apis.get(collapsed)
        return spec


def _api_entry(value: Any, where: str) -> dict[str, Any]:
    if isinstance(value, str):
        value = {"operation": value}
    if not isinstance(value, dict):
        raise KnowledgeError(f"{where}: expected an operation name or a table")
    if value.get("operation") not in OPERATIONS:
        raise KnowledgeError(f"{where}: operation must be one of {', '.join(OPERATIONS)}")
    unknown = set(value) - _API_KEYS
    if unknown:
        raise KnowledgeError(f"{where}: unknown keys {sorted(unknown)}")
    return value


def _str_list(data: Mapping[str, Any], key: str, where: str) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise KnowledgeError(f"{where}: '{key}' must be a list of strings")
    return value


def _table(data: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise KnowledgeError(f"{where}: '{key}' must be a table")
    return value


def _spec(provider: Provider, shown: str, raw: Any, where: str, is_async: bool = False) -> ApiSpec:
    entry = _api_entry(raw, where)
    return ApiSpec(
        provider=provider,
        api=shown,
        operation=entry["operation"],
        is_async=is_async or bool(entry.get("async")),
        streaming=bool(entry.get("streaming")),
        structured=bool(entry.get("structured")),
        wire=bool(entry.get("wire")),
    )


class _Builder:
    def __init__(self) -> None:
        self.apis: dict[str, ApiSpec] = {}
        self.transparent: set[str] = set()
        self.transparent_calls: set[str] = set()
        self.structuring_calls: set[str] = set()
        self.keyed_factories: dict[str, int] = {}
        self.validating_parsers: set[str] = set()
        self.collapse: set[str] = set()
        self.providers: list[Provider] = []
        self.http: list[HttpKnowledge] = []
        self.generic_attributes: dict[str, int] = {}

    def add(self, data: Mapping[str, Any], origin: str) -> None:
        unknown = set(data) - _PROVIDER_KEYS
        if unknown:
            raise KnowledgeError(f"{origin}: unknown keys {sorted(unknown)}")
        try:
            base_error = str(data["base-error"])
            provider = Provider(
                name=str(data["name"]),
                modules=tuple(_str_list(data, "modules", origin)),
                base_error=base_error,
                catches=frozenset(_str_list(data, "catches", origin)) | {base_error},
                request_checks=bool(data.get("request-checks", True)),
                reports_usage=bool(data.get("reports-usage", True)),
            )
        except KeyError as exc:
            raise KnowledgeError(f"{origin}: missing key {exc}") from None
        self.providers.append(provider)
        clients = _table(data, "clients", origin)
        unknown = set(clients) - _CLIENT_KEYS
        if unknown:
            raise KnowledgeError(f"{origin} [clients]: unknown keys {sorted(unknown)}")
        for is_async, key in ((False, "sync"), (True, "async")):
            classes = list(_str_list(clients, key, origin))
            for package, names in _table(clients, "packages" if key == "sync" else "async-packages", origin).items():
                classes.extend(f"{package}.{name}" for name in _str_list({"names": names}, "names", origin))
            for cls in classes:
                for path, raw in _table(data, "client-apis", origin).items():
                    canonical = f"{cls}()" if path == "__call__" else f"{cls}().{path}"
                    shown = cls.rsplit(".", 1)[-1] if path == "__call__" else path
                    where = f"{origin} [client-apis] {path}"
                    self.apis[canonical] = _spec(provider, shown, raw, where, is_async)
        self.transparent |= set(_str_list(clients, "transparent", origin))
        self.transparent_calls |= set(_str_list(clients, "transparent-calls", origin))
        self.structuring_calls |= set(_str_list(clients, "structuring-calls", origin))
        root = provider.modules[0] if provider.modules else ""
        for qualname, raw in _table(data, "functions", origin).items():
            shown = qualname[len(root) + 1 :] if root and qualname.startswith(root + ".") else qualname
            self.apis[qualname] = _spec(provider, shown, raw, f"{origin} [functions] {qualname}")
        for factory, index in _table(data, "keyed-factories", origin).items():
            if not isinstance(index, int):
                raise KnowledgeError(f"{origin} [keyed-factories] {factory}: expected an argument index")
            self.keyed_factories[factory] = index
        for attribute, index in _table(data, "generic-attributes", origin).items():
            if not isinstance(index, int) or isinstance(index, bool) or index < 0:
                raise KnowledgeError(f"{origin} [generic-attributes] {attribute}: expected a type parameter index")
            self.generic_attributes[attribute] = index
        self.validating_parsers |= set(_str_list(data, "validating-parsers", origin))
        self.collapse |= set(_str_list(data, "collapse", origin))
        http = _table(data, "http", origin)
        if http:
            paths = _table(http, "paths", origin)
            for path, operation in paths.items():
                if operation not in OPERATIONS:
                    raise KnowledgeError(f"{origin} [http.paths] {path}: unknown operation {operation!r}")
            self.http.append(
                HttpKnowledge(
                    provider=provider,
                    functions=frozenset(_str_list(http, "functions", origin)),
                    hosts=tuple(_str_list(http, "hosts", origin)),
                    paths=tuple(paths.items()),
                    weak_paths=frozenset(_str_list(http, "weak-paths", origin)),
                    not_model_paths=tuple(_str_list(http, "not-model-paths", origin)),
                )
            )

    def build(self) -> Knowledge:
        return Knowledge(
            apis=self.apis,
            transparent=frozenset(self.transparent),
            transparent_calls=frozenset(self.transparent_calls),
            structuring_calls=frozenset(self.structuring_calls),
            keyed_factories=self.keyed_factories,
            validating_parsers=frozenset(self.validating_parsers),
            collapse=tuple(sorted(self.collapse, key=len, reverse=True)),
            providers=tuple(self.providers),
            http=tuple(self.http),
            generic_attributes=self.generic_attributes,
        )


def build(documents: Iterable[tuple[str, Mapping[str, Any]]]) -> Knowledge:
    """Index several provider documents (``(origin, data)`` pairs)."""
    builder = _Builder()
    for origin, data in documents:
        builder.add(data, origin)
    return builder.build()


def load_files(paths: Iterable[Path]) -> list[tuple[str, dict[str, Any]]]:
    """Read provider documents from TOML files."""
    documents = []
    for path in paths:
        with open(path, "rb") as handle:
            documents.append((path.name, tomllib.load(handle)))
    return documents


def builtin_documents() -> list[tuple[str, dict[str, Any]]]:
    """The provider documents shipped with ailint (every ``*.toml`` in this package)."""
    package = resources.files(__name__)
    return [
        (entry.name, tomllib.loads(entry.read_text(encoding="utf-8")))
        for entry in sorted(package.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".toml")
    ]


@lru_cache(maxsize=1)
def builtin() -> Knowledge:
    """The knowledge shipped with ailint."""
    return build(builtin_documents())


def with_extra_call_sites(knowledge: Knowledge, extra: Iterable[str]) -> Knowledge:
    """Add ``[tool.ailint.call-sites] extra`` names as generate calls of a ``project`` provider.

    ``acme.llm.complete`` is a function; ``acme.llm.Client.ask`` a method, reached
    through an instance (``acme.llm.Client().ask``) or the class.
    """
    names = tuple(extra)
    if not names:
        return knowledge
    provider = Provider(
        name="project",
        modules=tuple(sorted({n.split(".", 1)[0] for n in names})),
        base_error="Exception",
        catches=frozenset({"Exception"}),
    )
    apis = dict(knowledge.apis)
    for name in names:
        spec = ApiSpec(provider=provider, api=name, operation="generate")
        apis[name] = spec
        head, _, method = name.rpartition(".")
        if head:
            apis[f"{head}().{method}"] = spec
    return Knowledge(
        apis=apis,
        transparent=knowledge.transparent,
        transparent_calls=knowledge.transparent_calls,
        structuring_calls=knowledge.structuring_calls,
        keyed_factories=knowledge.keyed_factories,
        validating_parsers=knowledge.validating_parsers,
        collapse=knowledge.collapse,
        providers=(*knowledge.providers, provider),
        http=knowledge.http,
        generic_attributes=knowledge.generic_attributes,
    )


@dataclass(frozen=True)
class Practices:
    """What execution-ready code around a model call looks like (``practices/practices.toml``)."""

    data: Mapping[str, Mapping[str, Any]]

    def names(self, section: str, key: str) -> frozenset[str]:
        """A list of names from the data, as a set."""
        return frozenset(self.data[section][key])

    def word(self, section: str, key: str) -> str:
        """A single string from the data."""
        return str(self.data[section][key])


@lru_cache(maxsize=1)
def practices() -> Practices:
    """The practices shipped with ailint."""
    text = resources.files(__name__).joinpath("practices").joinpath("practices.toml").read_text(encoding="utf-8")
    return Practices(tomllib.loads(text))


@dataclass(frozen=True)
class InputFlow:
    """Request data as the value-flow engine follows it (``practices/inputs.toml``)."""

    sources: frozenset[str]
    """Canonical paths whose value is request data (``flask.request.get_json()``, ``fastapi.Request().json``)."""
    text_calls: frozenset[str]
    """Library calls whose result is text made of their arguments (template rendering)."""


@lru_cache(maxsize=1)
def input_flow() -> InputFlow:
    """The sources of request data and the text-making calls, as paths the engine evaluates to."""
    text = resources.files(__name__).joinpath("practices").joinpath("inputs.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    sources = data["sources"]
    paths = {f"{call}()" for call in sources["calls"]} | set(sources["attributes"])
    paths |= {f"{kind}().{read}" for kind in sources["request-types"] for read in sources["request-reads"]}
    return InputFlow(frozenset(paths), frozenset(data["flow"]["text-calls"]))
