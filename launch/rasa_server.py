"""`python -m launch.rasa_server run ...`: Rasa's `rasa run ...`, with

1. A bounded wait for the action server. Rasa 3.6 waits up to 5 minutes for
   each custom action (`DEFAULT_REQUEST_TIMEOUT`, hard-coded; there is no
   setting in endpoints.yml: RasaHQ/rasa#9789, and the proposed
   configurable client timeouts, RasaHQ/rasa#13015, are not in 3.6). Here it
   waits `BORGERGUIDE_ACTION_TIMEOUT` seconds (default 5), so a slow action
   server cannot hold a conversation (and its lock) for minutes.
2. A Danish answer when a custom action fails (action server down, too slow,
   or an error in the action). Rasa itself would log the error, drop the
   action's events and answer nothing. Here the citizen is told, in plain
   Danish, and offered a person (the `/request_human` button used elsewhere);
   the conversation goes on with the next message. The log line names the
   action and the kind of error only, never the conversation.
3. No silent fallback from the tracker store (install_fail_loud): without its
   database the server does not start, and a failed save fails the request.
4. `GET /health/stores`: 200 when the tracker store's database and the lock
   store (Redis) answer, else 503 naming the one that failed (no token needed;
   it says nothing about conversations). Rasa's own `/` only says the process
   runs. The web service's `/health` and the deployment's health checks use it.
5. A message Rasa cannot process (its tracker store or lock store is down, or
   any other error) gets the same Danish fault text and a
   `{"type": "fault", "reason": ...}` custom message; Rasa's REST channel
   would answer an empty list (the citizen hears nothing) and log the
   citizen's text with the traceback's local variables. Here the log names
   the kind of error only, and Rasa's structured log never carries the texts
   (`text`, `message`, slots, ...): they are replaced by "[hidden]".
6. The speed-ups of launch/speed.py (measured there): one commit per turn
   for the events, a compiled validator for the action server's answers,
   SQLite in WAL mode.
7. The hand-off works while the action server is away: when `action_handoff`
   itself fails, the same action (actions/actions.py) runs here, in the Rasa
   process, through rasa_sdk's executor, so the citizen who presses "Tal med
   en medarbejder" reaches Borgerservice anyway.

Everything else is `rasa` unchanged: all arguments go to Rasa's command line.
"""
from __future__ import annotations

import logging
import os
import sys
import time
from typing import Any, Dict, List

from borgerguide import contract

logger = logging.getLogger("borgerguide.rasa_server")

DEFAULT_ACTION_TIMEOUT = 5.0
FAULT_TEXT = ("Beklager, jeg kan ikke svare på det lige nu, fordi der er en fejl hos os. "
              "Prøv igen om lidt, eller tal med en medarbejder.")
FAULT_BUTTONS = [{"title": "Tal med en medarbejder", "payload": "/request_human"}]
RUN_HERE_WHEN_AWAY = {"action_handoff"}  # actions that must work without the action server
_executor = None


async def run_here(action, output_channel, nlg, tracker, domain) -> List[Any]:
    """Runs a custom action in this process, as the action server would."""
    global _executor
    from rasa.shared.core import events
    from rasa_sdk.executor import ActionExecutor

    if _executor is None:
        executor = ActionExecutor()
        executor.register_package("actions.actions")
        _executor = executor
    result = await _executor.run(action._action_call_format(tracker, domain))
    messages = await action._utter_responses(result.get("responses", []), output_channel, nlg, tracker)
    return list(messages) + events.deserialise_events(result.get("events", []))


def action_timeout(env=None) -> float:
    env = os.environ if env is None else env
    value = float(env.get("BORGERGUIDE_ACTION_TIMEOUT", DEFAULT_ACTION_TIMEOUT))
    if not 0 < value <= 300:
        raise ValueError("BORGERGUIDE_ACTION_TIMEOUT must be more than 0 and at most 300 seconds.")
    return value


def install(timeout: float) -> None:
    """Applies the adjustments to the Rasa code loaded in this process."""
    import rasa.core.actions.action as action_module
    from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
    from rasa.shared.core.events import BotUttered

    # RemoteAction.run passes this module global as the request's timeout.
    action_module.DEFAULT_REQUEST_TIMEOUT = timeout
    if getattr(RemoteAction.run, "borgerguide", False):
        return
    original_run = RemoteAction.run

    async def run(self, output_channel, nlg, tracker, domain) -> List[Any]:
        started = time.monotonic()
        try:
            return await original_run(self, output_channel, nlg, tracker, domain)
        except ActionExecutionRejection:
            raise  # Rasa's own protocol: another action is predicted
        except Exception as error:  # noqa: BLE001 - the citizen must get an answer
            logger.error("Custom action '%s' failed after %.1f s (%s).",
                         self.name(), time.monotonic() - started, type(error).__name__)
            logger.debug("Details of the failed action", exc_info=True)  # may hold the conversation
            if self.name() in RUN_HERE_WHEN_AWAY:
                try:
                    events = await run_here(self, output_channel, nlg, tracker, domain)
                    logger.warning("Ran '%s' in the Rasa process instead.", self.name())
                    return events
                except Exception as local_error:  # noqa: BLE001
                    logger.error("Running '%s' in the Rasa process failed too (%s).",
                                 self.name(), type(local_error).__name__)
            return [BotUttered(text=FAULT_TEXT, data={"buttons": [dict(b) for b in FAULT_BUTTONS]},
                               metadata={"action_failed": self.name()})]

    run.borgerguide = True  # type: ignore[attr-defined]
    RemoteAction.run = run


class StoreUnavailable(RuntimeError):
    """A configured store cannot be reached: stop, never fall back quietly."""


def install_fail_loud() -> None:
    """No silent fallback from the configured tracker store.

    Rasa 3.6 logs "Could not create tables" and starts anyway when the SQL
    tracker store's database is unreachable, and its FailSafeTrackerStore
    keeps conversations in memory when a save fails: conversations would be
    lost without anyone noticing. Here the server does not start without its
    database, and a failed save fails the request (the web service tells the
    citizen, the health checks see it)."""
    import sqlalchemy
    from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore

    if getattr(SQLTrackerStore.__init__, "borgerguide", False):
        return
    original_init = SQLTrackerStore.__init__

    def init(self, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        try:
            with self.engine.connect():
                pass
        except sqlalchemy.exc.SQLAlchemyError as error:
            raise StoreUnavailable(
                f"The tracker store's database cannot be reached ({type(error).__name__}: "
                f"{str(error).splitlines()[0][:300]}). Start it or correct the endpoints file."
            ) from None

    init.borgerguide = True  # type: ignore[attr-defined]
    SQLTrackerStore.__init__ = init

    def no_fallback(self) -> Any:
        raise StoreUnavailable("The tracker store failed; not falling back to memory (see the error above).")

    FailSafeTrackerStore.fallback_tracker_store = property(no_fallback)


def _store_engine(tracker_store: Any) -> Any:
    """The SQL engine behind Rasa's tracker store (inside its FailSafe wrapper)."""
    inner = getattr(tracker_store, "_tracker_store", None) or getattr(tracker_store, "tracker_store", None)
    return getattr(inner or tracker_store, "engine", None)


def check_stores(agent: Any) -> Dict[str, str]:
    """'ok' or the kind of error, for each store the agent uses (blocking)."""
    import sqlalchemy

    result: Dict[str, str] = {}
    engine = _store_engine(agent.tracker_store) if agent is not None else None
    if engine is not None:
        try:
            with engine.connect() as connection:
                connection.execute(sqlalchemy.text("SELECT 1"))
            result["tracker_store"] = "ok"
        except Exception as error:  # noqa: BLE001
            result["tracker_store"] = f"unreachable ({type(error).__name__})"
    red = getattr(getattr(agent, "lock_store", None), "red", None)
    if red is not None:
        try:
            red.ping()
            result["lock_store"] = "ok"
        except Exception as error:  # noqa: BLE001
            result["lock_store"] = f"unreachable ({type(error).__name__})"
    return result


def install_store_health() -> None:
    """Adds GET /health/stores to every Rasa app created from now on."""
    import asyncio

    import rasa.server

    if getattr(rasa.server.create_app, "borgerguide", False):
        return
    original = rasa.server.create_app

    def create_app(*args: Any, **kwargs: Any) -> Any:
        from sanic import response

        app = original(*args, **kwargs)

        @app.get("/health/stores")
        async def stores_health(request) -> Any:
            agent = getattr(request.app.ctx, "agent", None)
            if agent is None or not agent.is_ready():
                return response.json({"status": "starting"}, status=503)
            try:
                checks = await asyncio.wait_for(asyncio.to_thread(check_stores, agent), timeout=5)
            except asyncio.TimeoutError:
                checks = {"stores": "no answer within 5 s"}
            failing = any(value != "ok" for value in checks.values())
            if failing:
                logger.error("Health: a store is unreachable: %s", checks)
            return response.json({"status": "failing" if failing else "ok", **checks},
                                 status=503 if failing else 200)

        return app

    create_app.borgerguide = True  # type: ignore[attr-defined]
    rasa.server.create_app = create_app


def fault_reason(error: BaseException) -> str:
    from rasa.core.lock_store import LockError

    try:
        import redis
        redis_errors: tuple = (redis.exceptions.RedisError,)
    except ImportError:  # pragma: no cover
        redis_errors = ()
    import sqlalchemy

    stores = (StoreUnavailable, LockError, sqlalchemy.exc.SQLAlchemyError, *redis_errors)
    return contract.STORE_UNAVAILABLE if isinstance(error, stores) else contract.INTERNAL


def install_fault_answers() -> None:
    """Every channel's message handler: a failure becomes a Danish answer."""
    from rasa.core.channels.rest import RestInput

    if getattr(RestInput.blueprint, "borgerguide", False):
        return
    original = RestInput.blueprint

    def blueprint(self, on_new_message):
        async def guarded(message) -> None:
            try:
                await on_new_message(message)
            except Exception as error:  # noqa: BLE001 - the citizen must get an answer
                reason = fault_reason(error)
                logger.error("A message could not be processed (%s: %s).", reason, type(error).__name__)
                logger.debug("Details of the failure", exc_info=True)  # may hold the conversation
                channel = message.output_channel
                await channel.send_text_with_buttons(message.sender_id, FAULT_TEXT, [dict(b) for b in FAULT_BUTTONS])
                await channel.send_custom_json(message.sender_id, contract.Fault(reason).to_dict())

        return original(self, guarded)

    blueprint.borgerguide = True  # type: ignore[attr-defined]
    RestInput.blueprint = blueprint


HIDDEN = "[hidden]"


def install_quiet_structlog() -> None:
    """Rasa's structured log without what citizens wrote: Rasa hides these
    keys only when an anonymisation plugin (Rasa Pro) is installed; here they
    are always hidden, and tracebacks are rendered without local variables."""
    import structlog
    import rasa.utils.log_utils as log_utils
    from structlog.tracebacks import ExceptionDictTransformer

    keys = ("text", "response_text", "user_text", "slot_values", "parse_data_text", "parse_data_entities",
            "prediction_events", "tracker_latest_message", "prefilled_slots", "message", "response",
            "slot_candidates", "rasa_event", "rasa_events", "tracker_states", "current_states", "old_states",
            "successes", "current_entity", "next_entity", "states", "entity", "token_text", "user_message",
            "json_message", "metadata", "events", "tracker", "slots", "entities")

    def hide(_logger: Any, _name: str, event_dict: Dict[str, Any]) -> Dict[str, Any]:
        for key in keys:
            if key in event_dict and event_dict[key] not in (None, ""):
                event_dict[key] = HIDDEN
        return event_dict

    log_utils._anonymizer = hide  # configure_structlog reads it when it runs
    structlog.processors.dict_tracebacks = structlog.processors.ExceptionRenderer(
        ExceptionDictTransformer(show_locals=False))


def install_engine_defaults() -> None:
    """Every SQLAlchemy engine created in this process hides a failed
    statement's parameters: SQLAlchemy puts them into its error message, and
    Rasa logs that message; for the tracker store and the event broker they
    are events, i.e. what the citizen wrote. SQLite engines also get the
    project's SQLite settings and pool (borgerguide.db)."""
    import sqlalchemy

    from borgerguide.db import engine_arguments, tune_engine

    if getattr(sqlalchemy.create_engine, "borgerguide", False):
        return
    original = sqlalchemy.create_engine

    def create_engine(*args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("hide_parameters", True)
        if args:
            kwargs = engine_arguments(args[0], kwargs)
        return tune_engine(original(*args, **kwargs))

    create_engine.borgerguide = True  # type: ignore[attr-defined]
    sqlalchemy.create_engine = create_engine


def main() -> None:
    import launch.speed

    install_engine_defaults()
    launch.speed.install()
    install(action_timeout())
    install_fail_loud()
    install_store_health()
    install_fault_answers()
    install_quiet_structlog()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
