"""The Rasa server as this project runs it: ``python -m bot.rasa_plugins.server run ...``.

Same as ``python -m rasa`` (same arguments), with changes that keep Rasa 3.6's behaviour and
remove most of a turn's avoidable CPU time (measured with py-spy, see docs/benchmarks.md). The
first and largest:

``RemoteAction._validate_action_result`` calls ``jsonschema.validate(result, schema)`` for
every custom action it runs, and ``jsonschema.validate`` first checks the *schema* against
its metaschema, every time: 40–60 ms of CPU per action on two cores, 60 % of the Rasa
server's CPU under load (py-spy, docs/benchmarks.md). Here the validator is built once and
reused, and checks each event against its own event type only (bot/rasa_plugins/response_schema.py).
A response that fails validation still goes through Rasa's own method, so the error and its
message are exactly Rasa's.

The other changes, each in its own module and named in ``main`` below, keep Rasa's behaviour and
remove more of a turn's avoidable work (docs/benchmarks.md has the measurements).

SQLite's WAL mode for the tracker store is set by the launcher before any process opens the
file, never here: switching the journal mode of a database another process has open can block
the event loop for SQLite's busy timeout (bot/rasa_plugins/tracker_store.py).
"""
from __future__ import annotations

from typing import Any, Dict


def install_cached_action_validation() -> None:
    """Replace ``RemoteAction._validate_action_result`` by the cached-validator version."""
    from rasa.core.actions.action import RemoteAction

    from bot.rasa_plugins.response_schema import ActionResponseValidator

    rasa_validate = RemoteAction._validate_action_result
    if getattr(rasa_validate, "cached_validator", False):
        return
    validators: Dict[str, Any] = {}

    def validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
        validator = validators.get("response")
        if validator is None:
            # The schema is a constant in Rasa 3.6; each event is checked against its own type.
            validator = validators["response"] = ActionResponseValidator(self.action_response_format_spec())
        if validator.is_valid(result):
            return True
        return rasa_validate(self, result)  # raises Rasa's own ValidationError

    validate_action_result.cached_validator = True  # type: ignore[attr-defined]
    RemoteAction._validate_action_result = validate_action_result


def install_frozen_startup_heap() -> None:
    """Once the server is up (model loaded), move every object alive to the permanent
    generation of Python's garbage collector (``gc.freeze``).

    The loaded model, TensorFlow's and Rasa's modules are several hundred thousand objects that
    live as long as the process; every full collection walked all of them again (gc callbacks:
    about 2 ms of collector time per turn under load, with nine full collections per thousand
    turns). Frozen, a collection walks only what turns allocate.
    """
    import gc

    from bot.rasa_plugins.app_hooks import on_every_app

    async def freeze(*_: Any) -> None:
        gc.collect()
        gc.freeze()

    on_every_app("frozen start-up heap", lambda app: app.register_listener(freeze, "after_server_start"))


def limit_blas_to_one_thread() -> None:
    """Every BLAS library loaded so far (numpy's and scipy's OpenBLAS) uses one thread."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


def install_single_threaded_blas() -> None:
    """Once the server is up (model loaded, so every BLAS library is loaded), one BLAS thread.

    The Rasa server's numeric work is a few small products per message (the intent classifier's
    scores: ~500 features × 22 intents with the word vectors). OpenBLAS runs such a product on
    both cores, and its second thread then busy-waits after every call, taking the core the action
    server and the database need: with the word vectors' dense block, the Rasa server's CPU per
    turn went from 11 to 21 ms at 8 conversations, and back to 11 ms with one BLAS thread
    (``make bench``, docs/benchmarks.md). Concurrency comes from the event loop, not from BLAS.
    """
    from bot.rasa_plugins.app_hooks import on_every_app

    async def limit(*_: Any) -> None:
        limit_blas_to_one_thread()

    on_every_app("single-threaded BLAS", lambda app: app.register_listener(limit, "after_server_start"))


def main() -> None:
    # Secure defaults: HTTP API token, one origin allow-list, body limits, payload validation,
    # masked logs (bot/rasa_plugins/hardening.py, docs/privacy.md).
    from bot.rasa_plugins.hardening import install as install_hardening

    install_hardening()
    install_cached_action_validation()
    # Event classes looked up once per type name, not by walking every subclass of Event for
    # each stored event on every turn (bot/rasa_plugins/event_types.py).
    from bot.rasa_plugins.event_types import install_event_type_cache

    install_event_type_cache()
    # Each parse and each prediction runs Rasa's graph nodes in a precomputed order instead of
    # rebuilding a dask graph per run (bot/rasa_plugins/graph_runner.py).
    from bot.rasa_plugins.graph_runner import install_sequential_graph_runner

    install_sequential_graph_runner()
    # One kept connection to the action server instead of a new one per custom action, and a
    # faster JSON encoder for the tracker sent with each call (bot/rasa_plugins/action_client.py).
    from bot.rasa_plugins.action_client import install_kept_action_connections

    install_kept_action_connections()
    install_frozen_startup_heap()
    install_single_threaded_blas()
    # Polite reply while the action server is away; each message processed exactly once
    # (bot/rasa_plugins/resilience.py).
    from bot.rasa_plugins.resilience import install as install_resilience

    install_resilience()
    # Fewer reads of the SQL tracker store per turn: no second read per save with an event
    # broker, no count of the stored rows for a tracker it read itself, one column read
    # (bot/rasa_plugins/tracker_store.py, docs/scaling.md).
    from bot.rasa_plugins.tracker_store import install_lean_sql_tracker_store

    install_lean_sql_tracker_store()
    # Ticket changes of the Redis lock store are atomic per conversation, so two replicas never
    # run two turns of one conversation at once (bot/rasa_plugins/lock_store.py).
    from bot.rasa_plugins.lock_store import install_atomic_redis_tickets

    install_atomic_redis_tickets()
    # The assistant stays silent in a conversation a person has taken (live hand-over, issue 12;
    # bot/rasa_plugins/handover.py).
    from bot.rasa_plugins.handover import install as install_handover

    install_handover()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
