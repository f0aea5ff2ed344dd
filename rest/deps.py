"""FastAPI dependencies: how a route reaches the app's services."""

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from graph.context import Services


def get_services(connection: HTTPConnection) -> Services:
    """The services of the app serving this request or WebSocket."""
    services: Services = connection.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]
