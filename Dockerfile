# The service's image: the worker by default; docker-compose.yml also runs the migration job, the API
# and the codec server from it.
FROM python:3.11-slim

# Bytecode is compiled at build time and kept: the worker re-imports workflow modules for every
# workflow sandbox, which without .pyc files means compiling them from source each time.
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# Exactly the pinned, hash-checked set first (its own layer, rebuilt only when the lock changes),
# then the project itself without resolving anything again. PyICU (rigour's transliteration) builds
# against ICU: the build tools leave with the layer, the ICU runtime stays.
COPY requirements.lock ./
RUN apt-get update \
    && apt-get install -y --no-install-recommends libicu72 libicu-dev pkg-config g++ \
    && pip install -r requirements.lock \
    && apt-get purge -y --auto-remove libicu-dev pkg-config g++ \
    && rm -rf /var/lib/apt/lists/*
COPY . .
RUN pip install --no-deps -e . \
    && python -m compileall -q /app \
    && useradd --system --home /app notices && mkdir -p var && chown notices var
USER notices

STOPSIGNAL SIGTERM
CMD ["python", "-m", "worker"]
