"""``python -m api``: serve the API with uvicorn on ``API_HOST``:``API_PORT`` (default 127.0.0.1:8000).

It connects to Temporal and the registry as configured by the environment (``runtime.config``), and
authenticates callers with ``api.auth.authenticator_from_settings``: the local API keys in
``API_CREDENTIAL_REGISTRY``, and JWTs when an identity provider is configured (``OIDC_*``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys

import uvicorn

from api.app import create_app
from api.auth import authenticator_from_settings
from registry.database import Database
from runtime.client import connect
from runtime.config import Settings, settings
from runtime.logs import configure_logging

log = logging.getLogger("notice.api")


async def serve(config: Settings, host: str, port: int) -> None:
    client = await connect(config)
    db = Database.from_url(config.database_url)
    app = create_app(client, db, config, authenticator_from_settings(config))
    level = os.environ.get("LOG_LEVEL", "info").lower()
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level=level))
    log.info("API on http://%s:%d (docs at /docs), Temporal %s", host, port, config.temporal_address)
    try:
        await server.serve()
    finally:
        await db.dispose()


def main() -> None:
    configure_logging(os.environ.get("LOG_LEVEL", "INFO"))
    host = os.environ.get("API_HOST", "127.0.0.1")
    port = int(os.environ.get("API_PORT", "8000"))
    code = 0
    try:
        asyncio.run(serve(settings(), host, port))
    except KeyboardInterrupt:
        pass
    except Exception:
        log.exception("the API failed")
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # temporalio/sdk-python#300: avoid an abort at interpreter exit


if __name__ == "__main__":
    main()
