"""Encrypts Temporal payloads (AES-256-GCM) so personal data never reaches the server in clear.

The Temporal server, its database and its UI see ``binary/encrypted`` payloads carrying the id of
the key that sealed them; the codec server (``devstack.codec_server``) decodes them for authorised
operators. Search attributes are not payloads and are never encrypted: they hold no personal data.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Sequence

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

ENCODING = b"binary/encrypted"
NONCE_BYTES = 12


class EncryptionCodec(PayloadCodec):
    """AES-GCM over the whole serialised payload; unencrypted payloads pass through decode."""

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
        return [self.decrypt(p) for p in payloads]

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


def new_key() -> str:
    """A fresh base64 AES-256 key for ``PAYLOAD_KEY``."""
    return base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()


if __name__ == "__main__":
    print(new_key())
