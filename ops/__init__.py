"""Operations: probes for load balancers and orchestrators, the API docs pages, start-up."""
