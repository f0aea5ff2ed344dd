"""uvicorn's internal names: the httptools protocol that ops/protocol.py extends, and the
state of it that the extension reads."""

from __future__ import annotations

from uvicorn.protocols.http.flow_control import FlowControl
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from internals import Shape

__all__ = ["HttpToolsProtocol", "should_upgrade"]


def should_upgrade(protocol: HttpToolsProtocol) -> bool:
    """Whether uvicorn will upgrade the request whose head it has just parsed (a WebSocket)."""
    return bool(protocol.parser.should_upgrade() and protocol._should_upgrade())


_HANDLERS = ("on_message_begin", "on_headers_complete", "on_message_complete")
SHAPES = [
    Shape(HttpToolsProtocol, "_should_upgrade", parameters=()),
    Shape(HttpToolsProtocol, "connection_made", parameters=("transport",)),
    Shape(HttpToolsProtocol, "connection_lost", parameters=("exc",)),
    Shape(HttpToolsProtocol, "data_received", parameters=("data",)),
    Shape(HttpToolsProtocol, "on_body", parameters=("body",)),
    *(Shape(HttpToolsProtocol, name, parameters=()) for name in _HANDLERS),
    *(
        Shape(HttpToolsProtocol, name, set_in=HttpToolsProtocol.__init__)
        for name in ("parser", "loop", "flow", "cycle")
    ),
    Shape(HttpToolsProtocol, "transport", set_in=HttpToolsProtocol.connection_made),
    Shape(FlowControl, "read_paused", set_in=FlowControl.__init__),
    Shape(RequestResponseCycle, "response_started", set_in=RequestResponseCycle.__init__),
]
