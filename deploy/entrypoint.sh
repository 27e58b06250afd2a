#!/bin/sh
# Borgerguide's container entry point. One image, three roles:
#   web      the aiohttp web service (python -m bot)             port $WEB_PORT (8000)
#   rasa     the Rasa server, HTTP API with a token              port $RASA_PORT (5005)
#            (python -m launch.rasa_server run ..., i.e. `rasa run` with
#            Borgerguide's production adjustments: launch/rasa_server.py)
#   actions  the action server                                   port $ACTION_PORT (5055)
#            (python -m launch.action_server ..., i.e. `rasa run actions`
#            without conversation text in error answers: launch/action_server.py)
# Anything else is run as given, e.g. `python -m bot users add anna --role staff --kommune aarhus`.
# Extra arguments after the role are passed on to the server's command line.
#
# Secrets: for each NAME below, NAME_FILE=/run/secrets/... (Docker/compose
# secrets) sets NAME from that file, so no secret has to be in the environment
# of `docker inspect`.
# POSIX sh on purpose: the slim image's /bin/sh is dash (scripts/check_deploy.sh
# runs sh -n and ShellCheck on this file).
set -eu

for name in RASA_TOKEN BORGERGUIDE_SECRET DB_PASSWORD REDIS_PASSWORD RABBITMQ_PASSWORD; do
  eval "file=\${${name}_FILE:-}"
  if [ -n "$file" ]; then
    if [ ! -r "$file" ]; then
      echo "entrypoint: ${name}_FILE=$file cannot be read" >&2
      exit 1
    fi
    value=$(cat "$file")
    export "$name=$value"
  fi
done

# Database URLs (SQLAlchemy) are built from DB_HOST, DB_PORT, DB_USER and
# DB_PASSWORD when not given whole; the password is URL-quoted. Two databases
# on the same server, because Rasa's tracker store and the event copy both
# have a table named `events`:
#   BORGERGUIDE_TRACKER_DB  Rasa's tracker store (retention)     DB_NAME (Rasa reads DB_NAME itself)
#   BORGERGUIDE_DB          web service + action server data     DB_WEB_NAME (default DB_NAME_web)
#   BORGERGUIDE_EVENTS_DB   the events copied from RabbitMQ      the same as BORGERGUIDE_DB
db_url() {
  DB_URL_NAME=$1 python -c 'import os
from urllib.parse import quote
e = os.environ
print("postgresql+psycopg2://%s:%s@%s:%s/%s" % (
    quote(e.get("DB_USER", "borgerguide"), safe=""), quote(e.get("DB_PASSWORD", ""), safe=""),
    e["DB_HOST"], e.get("DB_PORT", "5432"), e["DB_URL_NAME"]))'
}
if [ -n "${DB_HOST:-}" ]; then
  name=${DB_NAME:-borgerguide}
  web_name=${DB_WEB_NAME:-${name}_web}
  if [ -z "${BORGERGUIDE_DB:-}" ]; then
    BORGERGUIDE_DB=$(db_url "$web_name"); export BORGERGUIDE_DB
  fi
  if [ -z "${BORGERGUIDE_TRACKER_DB:-}" ]; then
    BORGERGUIDE_TRACKER_DB=$(db_url "$name"); export BORGERGUIDE_TRACKER_DB
  fi
  if [ -z "${BORGERGUIDE_EVENTS_DB:-}" ]; then
    BORGERGUIDE_EVENTS_DB=$BORGERGUIDE_DB; export BORGERGUIDE_EVENTS_DB
  fi
fi

need_token() {
  if [ -z "${RASA_TOKEN:-}" ]; then
    echo "entrypoint: RASA_TOKEN (or RASA_TOKEN_FILE) must be set; the Rasa HTTP API is never run without a token." >&2
    exit 1
  fi
  # Unset counts as production: this script only runs in the image, and the
  # image's own default is BORGERGUIDE_ENV=production (Dockerfile).
  if [ "${BORGERGUIDE_ENV:-production}" != "development" ] && [ "$RASA_TOKEN" = "borgerguide-dev-token" ]; then
    echo "entrypoint: RASA_TOKEN is the development default; set a secret token (BORGERGUIDE_ENV=${BORGERGUIDE_ENV:-production})." >&2
    exit 1
  fi
}

health_url() {
  # The role's health URL, read by deploy/healthcheck.py (the image's
  # HEALTHCHECK has no role of its own). The same default path in both.
  printf '%s\n' "$1" > "${BORGERGUIDE_HEALTH_FILE:-/tmp/borgerguide-health-url}"
}

role=${1:-web}
if [ $# -gt 0 ]; then shift; fi
case "$role" in
  web)
    need_token
    port=${WEB_PORT:-8000}
    health_url "http://127.0.0.1:$port/health"
    exec python -m bot --host 0.0.0.0 --port "$port" "$@"
    ;;
  rasa)
    need_token
    port=${RASA_PORT:-5005}
    # 200 only when the model is loaded and the tracker and lock stores answer
    # (launch/rasa_server.py); Rasa's own / answers as soon as the process runs.
    health_url "http://127.0.0.1:$port/health/stores"
    exec python -m launch.rasa_server run --enable-api --auth-token "$RASA_TOKEN" \
      --interface 0.0.0.0 --port "$port" \
      --model "${RASA_MODEL:-models/borgerguide.tar.gz}" \
      --endpoints "${RASA_ENDPOINTS:-endpoints.prod.yml}" "$@"
    ;;
  actions)
    port=${ACTION_PORT:-5055}
    health_url "http://127.0.0.1:$port/health"
    # every interface of the container: compose's internal network confines it to Rasa
    ACTION_HOST=0.0.0.0 exec python -m launch.action_server --actions actions.actions --port "$port" "$@"
    ;;
  *)
    exec "$role" "$@"
    ;;
esac
