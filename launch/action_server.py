"""`python -m launch.action_server --actions actions.actions --port 5055`:
rasa_sdk's action server (what `rasa run actions` starts), with error
responses that never echo the conversation.

rasa_sdk 3.6 answers an exception in an action with HTTP 500 and
`{"error": str(exception), "request_body": <the whole action call>}`: the
tracker, i.e. everything the citizen wrote. Rasa would then log that body. Here
the answer is `{"error": "action_failed", "action_name": ...}` and the log
names the action and the kind of error (the traceback only at DEBUG level).
It listens on 127.0.0.1 unless ACTION_HOST is set (rasa_sdk's default is
every interface).
"""
from __future__ import annotations

import logging
import os

logger = logging.getLogger("borgerguide.action_server")


async def quiet_exception_handler(request, exception: Exception):
    from sanic import response

    action_name = None
    try:
        body = request.json
        if isinstance(body, dict) and isinstance(body.get("next_action"), str):
            action_name = body["next_action"][:100]
    except Exception:  # noqa: BLE001 - an unreadable body is no reason to fail here
        pass
    logger.error("Action '%s' failed (%s).", action_name, type(exception).__name__)
    logger.debug("Details of the failed action", exc_info=exception)
    return response.json({"error": "action_failed", "action_name": action_name}, status=500)


def install() -> None:
    """Every app rasa_sdk creates from now on gets the quiet handler."""
    import rasa_sdk.endpoint as endpoint

    if getattr(endpoint.create_app, "borgerguide", False):
        return
    original = endpoint.create_app

    def create_app(*args, **kwargs):
        app = original(*args, **kwargs)
        app.exception(Exception)(quiet_exception_handler)  # replaces rasa_sdk's handler
        return app

    create_app.borgerguide = True  # type: ignore[attr-defined]
    endpoint.create_app = create_app


def main() -> None:
    # rasa_sdk listens on SANIC_HOST, default 0.0.0.0 (every interface): here
    # only this machine unless ACTION_HOST says otherwise (the container sets
    # 0.0.0.0; compose's internal network lets only Rasa reach it).
    os.environ.setdefault("SANIC_HOST", os.environ.get("ACTION_HOST", "127.0.0.1"))
    install()
    import rasa_sdk.__main__

    rasa_sdk.__main__.main()


if __name__ == "__main__":
    main()
