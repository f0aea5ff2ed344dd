"""The GraphQL fast path: our copies of framework steps, on by default, all off with
GRAPHQL_FAST_PATH=false (Strawberry on FastAPI alone; both answer the same). What each buys, as
bench.fast_path measures it against the same path without it (figures: bench/HISTORY.md):

- posts.py: JSON POSTs to /graphql skip FastAPI's route layers and Strawberry's view preamble;
  about a quarter of a createLog's CPU, less of a page's.
- schema.py, checked.py: a cached valid text skips Strawberry's per-request extension runners;
  about a quarter of a createLog's CPU, a tenth of a page's.
- direct.py: a cached operation of one plain root field skips graphql-core's executor; about a
  tenth of a createLog's CPU (nothing measurable on a page of logs).
- plans.py, execution.py: plain objects and lists are answered in one step, not field by field;
  about half of a page's CPU and most of the live tail's.
- event_answers.py: plain subscription events are answered by a plan, once for all subscribers;
  more than half of the live tail's CPU.

Framework internals they rely on are imported through internals/; docs/fast-path.md maps it.
"""
