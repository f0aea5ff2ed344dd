"""The GraphQL surface and the resolver functions that GraphQL and REST share."""
