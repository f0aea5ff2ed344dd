"""Operations: probes for load balancers and orchestrators, and the guards every request
passes first (Host validation, the WebSocket cap), the API docs pages, start-up."""
