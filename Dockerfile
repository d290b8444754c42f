# The worker image (also runs the migration job and the codec server in docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY . .
RUN pip install -e . && useradd --system --home /app notices && mkdir -p var && chown notices var
USER notices

STOPSIGNAL SIGTERM
CMD ["python", "-m", "worker"]
