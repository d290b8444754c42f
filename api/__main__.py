"""``python -m api``: serve the API with uvicorn on ``API_HOST``:``API_PORT`` (default 127.0.0.1:8000).

It connects to Temporal and the registry as configured by the environment (``runtime.config``), and
authenticates callers with the credentials ``api.auth`` provides (local API keys, and JWTs when an
identity provider is configured).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
import sys

import uvicorn

from api.app import create_app
from api.principal import Authenticator
from registry.database import Database
from runtime.client import connect
from runtime.config import Settings, settings

log = logging.getLogger("notice.api")


def build_authenticator(config: Settings) -> Authenticator:
    """From ``api.auth`` (imported here, lazily, so the app itself depends only on the contract): the
    combined authenticator when it offers one, else local credentials alone."""
    auth = importlib.import_module("api.auth")
    for name in ("build_authenticator", "authenticator_from_env"):
        factory = getattr(auth, name, None)
        if callable(factory):
            built: Authenticator = factory()
            return built
    for name in ("CombinedAuthenticator", "LocalAuthenticator"):
        cls = getattr(auth, name, None)
        if cls is not None:
            made: Authenticator = cls.from_env() if hasattr(cls, "from_env") else cls()
            return made
    raise RuntimeError("api.auth offers no authenticator (CombinedAuthenticator or LocalAuthenticator)")


async def serve(config: Settings, host: str, port: int) -> None:
    client = await connect(config)
    db = Database.from_url(config.database_url)
    app = create_app(client, db, config, build_authenticator(config))
    level = os.environ.get("LOG_LEVEL", "info").lower()
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level=level))
    log.info("API on http://%s:%d (docs at /docs), Temporal %s", host, port, config.temporal_address)
    try:
        await server.serve()
    finally:
        await db.dispose()


def main() -> None:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(name)s %(message)s")
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
