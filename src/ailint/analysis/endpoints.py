"""The project's own REST endpoints: a request to one of them is not a model call.

A path such as ``/generate`` (Text Generation Inference) names a model endpoint
only when the host is not the project's own API: a project that declares a
route ending with the same path (``@app.post("/generate")``, ``@router.route(...)``)
and requests it is calling itself.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

import libcst as cst

from ailint.analysis.scope import string_value

if TYPE_CHECKING:
    from ailint.analysis.project import Project

_ROUTE_METHODS = frozenset(
    {"get", "post", "put", "patch", "delete", "route", "api_route", "websocket", "add_api_route", "add_url_rule"}
)
_ROUTES: weakref.WeakKeyDictionary[Project, tuple[int, frozenset[str]]] = weakref.WeakKeyDictionary()


def _routes(project: Project) -> frozenset[str]:
    files = {id(a): a for a in project.files.values()}
    known = _ROUTES.get(project)
    if known is not None and known[0] == len(files):
        return known[1]
    found: set[str] = set()
    for analysis in files.values():
        for record in analysis.functions:
            for decorator in record.node.decorators:
                expr = decorator.decorator
                if not (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute)):
                    continue
                if expr.func.attr.value not in _ROUTE_METHODS or not expr.args:
                    continue
                path = string_value(expr.args[0].value)
                if path and path.startswith("/"):
                    found.add(path.rstrip("/"))
    result = frozenset(found)
    _ROUTES[project] = (len(files), result)
    return result


def own_endpoint(project: Project, url: str) -> bool:
    """Whether ``url`` (holes as ``{}``) ends with a route the project itself declares."""
    path = url.split("?", 1)[0].rstrip("/")
    return any(path.endswith(route) for route in _routes(project) if route)
