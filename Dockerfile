# syntax=docker/dockerfile:1
# Borgerguide: one image for the web service, the Rasa server and the action
# server; the command picks the role (deploy/entrypoint.sh):
#   docker run IMAGE web | rasa | actions
# Build: docker build -t borgerguide:VERSION .   Deployment: deploy/README.md.
# scripts/docker_build_steps.sh runs these build steps as a script (no Docker
# engine needed); scripts/check_deploy.sh lints this file with hadolint.

# --- build: the virtualenv and the trained model -----------------------------
FROM python:3.10.13-slim-bookworm AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    RASA_TELEMETRY_ENABLED=false \
    TF_CPP_MIN_LOG_LEVEL=2 \
    SQLALCHEMY_SILENCE_UBER_WARNING=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app
# The same pins as `make setup` (requirements.txt + constraints.txt), less the
# test-only packages (pytest, Playwright, ruff and mypy are not needed in the image).
COPY requirements.txt constraints.txt ./
RUN pip install "pip==26.3" "setuptools==70.3.0" "wheel==0.45.1" \
 && grep -vE '^(pytest|pytest-asyncio|pytest-aiohttp|playwright|ruff|mypy)==' requirements.txt > requirements.image.txt \
 && pip install -r requirements.image.txt -c constraints.txt \
 && pip check
COPY config.yml domain.yml ./
COPY data ./data
COPY nlu_components ./nlu_components
RUN rasa train --fixed-model-name borgerguide --out models

# --- runtime: non-root, code read-only to the service user -------------------
FROM python:3.10.13-slim-bookworm AS runtime
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN groupadd --gid 10001 borgerguide \
 && useradd --uid 10001 --gid 10001 --create-home --home-dir /home/borgerguide \
      --shell /usr/sbin/nologin borgerguide
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    RASA_TELEMETRY_ENABLED=false \
    TF_CPP_MIN_LOG_LEVEL=2 \
    SQLALCHEMY_SILENCE_UBER_WARNING=1 \
    BORGERGUIDE_ENV=production
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY . .
COPY --from=build /app/models ./models
# var/ is the only place the services may write (development fallbacks).
RUN mkdir -p /app/var \
 && chown borgerguide:borgerguide /app/var \
 && chmod 0750 /app/var \
 && python -m compileall -q borgerguide actions bot launch nlu_components
USER 10001:10001
EXPOSE 8000 5005 5055
HEALTHCHECK --interval=15s --timeout=5s --start-period=180s --retries=3 \
  CMD ["python", "/app/deploy/healthcheck.py"]
ENTRYPOINT ["/app/deploy/entrypoint.sh"]
CMD ["web"]
