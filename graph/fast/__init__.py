"""The GraphQL fast path: our copies of framework steps, on by default, all off with
GRAPHQL_FAST_PATH=false (Strawberry on FastAPI alone; both answer the same). What each buys:

- posts.py: JSON POSTs to /graphql skip FastAPI's route layers and Strawberry's view preamble.
- schema.py, checked.py: a cached valid text skips Strawberry's per-request extension runners.
- direct.py: a cached operation of one plain root field skips graphql-core's executor.
- plans.py, execution.py: plain objects and lists are answered in one step, not field by field.
- event_answers.py: plain subscription events are answered by a plan, once for all subscribers.

Framework internals they rely on are imported through internals/; docs/fast-path.md maps it.
"""
