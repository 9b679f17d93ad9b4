"""Line and column of nodes, computed once per file and only when something is reported.

LibCST's ``MetadataWrapper.resolve(PositionProvider)`` renders the module to
count lines and columns, then walks the whole tree once more in an empty
batched visit (it does so after any provider that is not batchable). The
walk costs as much as the rendering and yields nothing, so the provider's
own pass is run directly and its result stored where ``resolve`` finds it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    import libcst as cst
    from libcst.metadata import CodeRange, MetadataWrapper


def positions(wrapper: MetadataWrapper) -> Mapping[cst.CSTNode, CodeRange]:
    """The position of every node of ``wrapper``'s module (memoised on the wrapper)."""
    from libcst.metadata import PositionProvider

    stored: Any = getattr(wrapper, "_metadata", None)
    if not isinstance(stored, dict):  # a LibCST without the internals relied on: the public way
        return cast("Mapping[cst.CSTNode, CodeRange]", wrapper.resolve(PositionProvider))
    found = stored.get(PositionProvider)
    if found is None:
        found = stored[PositionProvider] = PositionProvider()._gen(wrapper)
    return cast("Mapping[cst.CSTNode, CodeRange]", found)
