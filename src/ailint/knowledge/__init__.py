"""Provider knowledge: which classes, functions and methods are model APIs.

Each provider is one TOML file beside this module; adding a provider means
adding a file, not code. The loader turns the files into a lookup table keyed
by *canonical callee paths*, the same strings the resolver produces:

* ``openai.OpenAI().chat.completions.create``: a method path on an instance of
  a client class (``()`` marks "instance of");
* ``openai.ChatCompletion.create``: a module-level function.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

OPERATIONS = ("generate", "embed", "moderate", "image", "audio", "rerank")


class KnowledgeError(ValueError):
    """A provider data file is malformed."""


@dataclass(frozen=True)
class Provider:
    """One provider's identity and error model."""

    name: str
    modules: tuple[str, ...]
    base_error: str
    catches: frozenset[str]


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


@dataclass(frozen=True)
class Knowledge:
    """Everything the resolver needs, indexed for constant-time lookups."""

    apis: Mapping[str, ApiSpec]
    transparent: frozenset[str]
    transparent_calls: frozenset[str]
    providers: tuple[Provider, ...]
    modules: frozenset[str] = field(default_factory=frozenset)

    def lookup(self, canonical: str) -> ApiSpec | None:
        """The API spec for a canonical callee path, if it is a model API."""
        return self.apis.get(canonical)


def _api_entry(value: Any, where: str) -> dict[str, Any]:
    if isinstance(value, str):
        value = {"operation": value}
    if not isinstance(value, dict):
        raise KnowledgeError(f"{where}: expected an operation name or a table")
    operation = value.get("operation")
    if operation not in OPERATIONS:
        raise KnowledgeError(f"{where}: operation must be one of {', '.join(OPERATIONS)}")
    unknown = set(value) - {"operation", "async", "streaming", "structured"}
    if unknown:
        raise KnowledgeError(f"{where}: unknown keys {sorted(unknown)}")
    return value


def _str_list(data: Mapping[str, Any], key: str, where: str) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise KnowledgeError(f"{where}: '{key}' must be a list of strings")
    return value


def parse_provider(data: Mapping[str, Any], origin: str) -> tuple[Provider, dict[str, ApiSpec], set[str], set[str]]:
    """Turn one provider document into its API index entries."""
    try:
        provider = Provider(
            name=str(data["name"]),
            modules=tuple(_str_list(data, "modules", origin)),
            base_error=str(data["base-error"]),
            catches=frozenset(_str_list(data, "catches", origin)) | {str(data["base-error"])},
        )
    except KeyError as exc:
        raise KnowledgeError(f"{origin}: missing key {exc}") from None
    clients = data.get("clients", {})
    apis: dict[str, ApiSpec] = {}
    for is_async_client, key in ((False, "sync"), (True, "async")):
        for cls in _str_list(clients, key, origin):
            for path, raw in data.get("client-apis", {}).items():
                entry = _api_entry(raw, f"{origin} [client-apis] {path}")
                apis[f"{cls}().{path}"] = ApiSpec(
                    provider=provider,
                    api=path,
                    operation=entry["operation"],
                    is_async=is_async_client or bool(entry.get("async")),
                    streaming=bool(entry.get("streaming")),
                    structured=bool(entry.get("structured")),
                )
    for qualname, raw in data.get("functions", {}).items():
        entry = _api_entry(raw, f"{origin} [functions] {qualname}")
        root = provider.modules[0] if provider.modules else ""
        shown = qualname[len(root) + 1 :] if root and qualname.startswith(root + ".") else qualname
        apis[qualname] = ApiSpec(
            provider=provider,
            api=shown,
            operation=entry["operation"],
            is_async=bool(entry.get("async")),
            streaming=bool(entry.get("streaming")),
            structured=bool(entry.get("structured")),
        )
    return (
        provider,
        apis,
        set(_str_list(clients, "transparent", origin)),
        set(_str_list(clients, "transparent-calls", origin)),
    )


def build(documents: Iterable[tuple[str, Mapping[str, Any]]]) -> Knowledge:
    """Index several provider documents (``(origin, data)`` pairs)."""
    apis: dict[str, ApiSpec] = {}
    transparent: set[str] = set()
    transparent_calls: set[str] = set()
    providers: list[Provider] = []
    for origin, data in documents:
        provider, entries, attrs, calls = parse_provider(data, origin)
        providers.append(provider)
        apis.update(entries)
        transparent |= attrs
        transparent_calls |= calls
    modules = frozenset(m for p in providers for m in p.modules)
    return Knowledge(
        apis=apis,
        transparent=frozenset(transparent),
        transparent_calls=frozenset(transparent_calls),
        providers=tuple(providers),
        modules=modules,
    )


def load_files(paths: Iterable[Path]) -> list[tuple[str, dict[str, Any]]]:
    """Read provider documents from TOML files."""
    documents = []
    for path in paths:
        with open(path, "rb") as handle:
            documents.append((path.name, tomllib.load(handle)))
    return documents


@lru_cache(maxsize=1)
def builtin() -> Knowledge:
    """The knowledge shipped with ailint (every ``*.toml`` in this package)."""
    package = resources.files(__name__)
    documents = [
        (entry.name, tomllib.loads(entry.read_text(encoding="utf-8")))
        for entry in sorted(package.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".toml")
    ]
    return build(documents)
