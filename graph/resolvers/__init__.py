"""Resolver functions: the one layer GraphQL fields and REST routes both call."""
