"""Borgerguide's start-up wrappers for the Rasa server and the action server.

They start exactly what `rasa run ...` and `rasa run actions ...` start, with
the few production adjustments Rasa 3.6 has no setting for (see each module).
scripts/stack.py (and so `make run` and the tests) starts the servers this way.
"""
