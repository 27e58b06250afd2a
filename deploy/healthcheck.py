"""The container health check: GET a URL, healthy on HTTP 200.

`python deploy/healthcheck.py [URL]`; without URL it uses $HEALTH_URL, else the
URL that deploy/entrypoint.sh wrote for the container's role (the file
$BORGERGUIDE_HEALTH_FILE, default /tmp/borgerguide-health-url), else the web
service's. Standard library only, so it works in the slim image without curl.
Exit code 0 healthy, 1 not (Docker's HEALTHCHECK convention); the reason goes
to standard error, which Docker keeps in `docker inspect`.
"""
from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

DEFAULT_ROLE_FILE = "/tmp/borgerguide-health-url"
DEFAULT_URL = "http://127.0.0.1:8000/health"
TIMEOUT = 4  # below the HEALTHCHECK's and compose's timeout (5 s)


def target(argv, env=os.environ) -> str:
    if len(argv) > 1:
        return argv[1]
    if env.get("HEALTH_URL"):
        return env["HEALTH_URL"]
    role_file = Path(env.get("BORGERGUIDE_HEALTH_FILE") or DEFAULT_ROLE_FILE)
    if role_file.exists():
        return role_file.read_text().strip()
    return DEFAULT_URL


def main(argv) -> int:
    url = target(argv)
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            if response.status == 200:
                return 0
            print(f"unhealthy: {url} answered {response.status}", file=sys.stderr)
    except urllib.error.HTTPError as error:  # 4xx/5xx: the service says what fails
        body = error.read(300).decode("utf-8", "replace").strip()
        print(f"unhealthy: {url} answered {error.code}: {body}", file=sys.stderr)
    except (urllib.error.URLError, OSError) as error:
        print(f"unhealthy: {url}: {error}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
