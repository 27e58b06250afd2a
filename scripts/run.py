#!/usr/bin/env python
"""`make run`: starts the action server, the Rasa server and the web service,
prints the URLs, and stops all of them cleanly on Ctrl-C."""
from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stack import ROOT, Stack  # noqa: E402


def main() -> int:
    (ROOT / "var" / "log").mkdir(parents=True, exist_ok=True)
    stack = Stack(
        action_port=int(os.environ.get("ACTION_PORT", 5055)),
        rasa_port=int(os.environ.get("RASA_PORT", 5005)),
        web_port=int(os.environ.get("WEB_PORT", 8000)),
        token=os.environ.get("RASA_TOKEN", "borgerguide-dev-token"),
        endpoints=ROOT / "endpoints.yml",
        log_dir=ROOT / "var" / "log",
    )
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        print("Starting the action server ...", flush=True)
        stack.start_actions()
        print("Starting the Rasa server (loading the model takes a little while) ...", flush=True)
        stack.start_rasa()
        print("Starting the web service ...", flush=True)
        stack.start_web()
    except (RuntimeError, TimeoutError) as error:
        print(f"Could not start: {error}. Logs are in var/log/.", file=sys.stderr)
        stack.stop()
        return 1
    print(
        "\nBorgerguide is running:\n"
        f"  Demo kommune site:   {stack.web_url}/demo  (the widget, as citizens meet it)\n"
        f"  Chat (web service):  {stack.web_url}/\n"
        f"  Staff inbox:         {stack.web_url}/staff/  (accounts: python -m bot users add NAME --role staff --kommune aarhus)\n"
        f"  Analysts:            {stack.web_url}/analyst/  (accounts: ... --role analyst --kommune aarhus)\n"
        f"  Kommune admin:       {stack.web_url}/admin/  (accounts: ... --role kommune_admin --kommune aarhus, or --role operator)\n"
        f"  Rasa HTTP API:       {stack.rasa_url}  (token: RASA_TOKEN)\n"
        f"  Action server:       {stack.action_url}\n"
        "Logs: var/log/. Press Ctrl-C to stop.",
        flush=True,
    )
    while not stopping:
        for name, process in stack.processes.items():
            if process.poll() is not None:
                print(f"{name} stopped unexpectedly (exit {process.returncode}); "
                      "see var/log/. Stopping.", file=sys.stderr)
                stopping = True
                break
        time.sleep(0.5)
    print("\nStopping ...", flush=True)
    stack.stop()
    print("Stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
