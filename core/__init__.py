"""What every surface shares: the resolver functions, input validation, domain errors and the
app's runtime container. GraphQL (`graph/`), the legacy REST API (`rest/`), the probes (`ops/`)
and the alert engine (`alerts/`) call into it; it imports none of them."""
