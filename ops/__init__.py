"""Operations endpoints: probes for load balancers and orchestrators (and metrics next)."""
