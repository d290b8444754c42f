"""Encrypts Temporal payloads (AES-256-GCM) so personal data never reaches the server in clear.

The Temporal server, its database and its UI see ``binary/encrypted`` payloads carrying the id of
the key that sealed them; the codec server (``devstack.codec_server``) decodes them for authorised
operators. Search attributes are not payloads and are never encrypted: they hold no personal data.

The key also tells the service's own messages from forged ones. Whoever can reach Temporal without
the key (a client with no key or another one) can still send a signal or an update; the worker's
codec opens only what its key sealed and turns anything else (plain JSON, another key's ciphertext,
a tampered payload) into a ``binary/refused`` payload that no converter reads. The SDK then drops
such a signal (logging it) and rejects such an update, and the workflow goes on as if neither had
come: it is not failed, and its task is not stuck on a payload it cannot open.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

ENCODING = b"binary/encrypted"
REFUSED = b"binary/refused"
"""What ``decode`` makes of a payload this key did not seal: no payload converter reads it."""
NONCE_BYTES = 12


class EncryptionCodec(PayloadCodec):
    """AES-GCM over the whole serialised payload. ``decode`` (the worker's and the clients' path) opens
    only what this key sealed and refuses the rest; ``decrypt`` (the codec server's, showing histories to
    operators) lets a plain payload through as it is, so a forged message can be read for what it is."""

    def __init__(self, key: bytes, key_id: str | None = None) -> None:
        if len(key) not in (16, 24, 32):
            raise ValueError("the payload key must be 16, 24 or 32 bytes (AES-128/192/256)")
        self._aes = AESGCM(key)
        self.key_id = key_id or key_id_of(key)

    @classmethod
    def from_base64(cls, key: str, key_id: str | None = None) -> EncryptionCodec:
        """The key as ``PAYLOAD_KEY`` holds it (``python -m runtime.codec`` prints a new one)."""
        return cls(base64.b64decode(key.strip(), validate=True), key_id)

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.open(p) for p in payloads]

    def open(self, payload: Payload) -> Payload:
        """The payload this key sealed, or a ``binary/refused`` one saying why it was not opened."""
        if payload.metadata.get("encoding") != ENCODING:
            return refused("not encrypted: not sent by a holder of the payload key")
        try:
            return self.decrypt(payload)
        except InvalidTag:
            return refused("does not authenticate under the payload key (tampered, or another key)")
        except Exception as error:  # noqa: BLE001 - whatever it is, it is not opened
            return refused(str(error) if isinstance(error, ValueError) else type(error).__name__)

    def encrypt(self, payload: Payload) -> Payload:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aes.encrypt(nonce, payload.SerializeToString(), self.key_id.encode())
        return Payload(
            metadata={"encoding": ENCODING, "encryption-key-id": self.key_id.encode()},
            data=nonce + sealed,
        )

    def decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        key_id = payload.metadata.get("encryption-key-id", b"").decode()
        if key_id != self.key_id:
            raise ValueError(f"payload sealed with key {key_id!r}, this codec holds key {self.key_id!r}")
        nonce, sealed = payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:]
        return Payload.FromString(self._aes.decrypt(nonce, sealed, key_id.encode()))


def key_id_of(key: bytes) -> str:
    """A stable, non-secret id for a key (so a rotated key is told apart from the old one)."""
    return "k-" + hashlib.sha256(b"notice-review-payload-key:" + key).hexdigest()[:12]


def refused(reason: str) -> Payload:
    return Payload(metadata={"encoding": REFUSED, "refused-reason": reason.encode()[:200]})


def new_key() -> str:
    """A fresh base64 AES-256 key for ``PAYLOAD_KEY``."""
    return base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()


if __name__ == "__main__":
    print(new_key())
