# syntax=docker/dockerfile:1
# Borgerguide: one image for the Rasa server, the action server and the web
# service (the command picks which). Build: docker build -t borgerguide .

FROM python:3.10.13-slim-bookworm AS build
WORKDIR /app
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
COPY requirements.txt constraints.txt ./
RUN pip install --upgrade "pip==26.3" "setuptools==70.3.0" "wheel==0.45.1" \
 && pip install -r requirements.txt -c constraints.txt
COPY config.yml domain.yml ./
COPY data ./data
COPY nlu_components ./nlu_components
ENV RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2
RUN rasa train --fixed-model-name borgerguide --out models

FROM python:3.10.13-slim-bookworm
RUN useradd --create-home --uid 10001 borgerguide
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app/models ./models
COPY --chown=borgerguide:borgerguide . .
ENV PATH=/opt/venv/bin:$PATH RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 \
    SQLALCHEMY_SILENCE_UBER_WARNING=1 PYTHONUNBUFFERED=1
USER borgerguide
EXPOSE 5005 5055 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s \
  CMD python -c "import urllib.request,os; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('HEALTH_PORT', '5005') + '/', timeout=4)"
# Rasa server by default; the action server: `rasa run actions --actions actions.actions`,
# the web service: `python -m bot --host 0.0.0.0`.
CMD ["sh", "-c", "rasa run --enable-api --auth-token \"$RASA_TOKEN\" --interface 0.0.0.0 --port 5005 --model models/borgerguide.tar.gz --endpoints ${ENDPOINTS:-endpoints.yml}"]
