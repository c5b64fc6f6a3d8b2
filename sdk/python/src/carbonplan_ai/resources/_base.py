"""What every resource shares: the transport it calls and safe path segments."""

from __future__ import annotations

from typing import Any, Dict, Optional
from urllib.parse import quote

from .._transport import AsyncTransport, SyncTransport


def segment(value: str) -> str:
    """An id in a path, encoded: an id holding `/` or `?` cannot reach another route."""
    return quote(str(value), safe="")


def body_of(**fields: Optional[Any]) -> Dict[str, Any]:
    """A JSON body without the unset fields (the API refuses unknown keys, and `null` is not `absent`)."""
    return {k: v for k, v in fields.items() if v is not None}


class SyncResource:
    def __init__(self, transport: SyncTransport) -> None:
        self._t = transport


class AsyncResource:
    def __init__(self, transport: AsyncTransport) -> None:
        self._t = transport
