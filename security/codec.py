"""Encrypts every workflow payload (names, addresses, items) before it reaches the Temporal server.

With RAKORTEK_PAYLOAD_KEY set, workers, the starter and the board encode payloads, and the
messages and stack traces of failures, with AES-256-GCM; the server, its database and its Web UI
hold only ciphertext. The key never leaves
the deployment: a client without it cannot read histories, and a history needs the key it was
written with (each payload names its key id, so a wrong key is reported as such).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import os
from collections.abc import Sequence

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import (
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    PayloadCodec,
)

ENCODING = b"binary/encrypted"
NONCE_BYTES = 12


class PayloadKeyError(ValueError):
    """The key in the environment is not a usable AES-256 key."""


def parse_key(text: str) -> bytes:
    """A 32-byte key written as base64 (.env.example shows how to make one)."""
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except binascii.Error as exc:
        raise PayloadKeyError(f"RAKORTEK_PAYLOAD_KEY is not base64: {exc}") from None
    if len(key) != 32:
        raise PayloadKeyError(f"RAKORTEK_PAYLOAD_KEY must hold 32 bytes (AES-256), it holds {len(key)}")
    return key


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:16]


class EncryptionCodec(PayloadCodec):
    def __init__(self, key: bytes) -> None:
        self.current = key_id(key)
        self.keys = {self.current: AESGCM(key)}

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        cipher = self.keys[self.current]
        encoded = []
        for payload in payloads:
            nonce = os.urandom(NONCE_BYTES)
            sealed = cipher.encrypt(nonce, payload.SerializeToString(), None)
            encoded.append(
                Payload(
                    metadata={"encoding": ENCODING, "encryption-key-id": self.current.encode()},
                    data=nonce + sealed,
                )
            )
        return encoded

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        decoded = []
        for payload in payloads:
            if payload.metadata.get("encoding") != ENCODING:
                # Written before encryption was switched on: readable as it is.
                decoded.append(payload)
                continue
            kid = payload.metadata.get("encryption-key-id", b"").decode()
            cipher = self.keys.get(kid)
            if cipher is None:
                raise ValueError(f"payload encrypted with key {kid!r}, which this process does not hold")
            plain = cipher.decrypt(payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:], None)
            decoded.append(Payload.FromString(plain))
        return decoded


def with_encryption(converter: DataConverter, key: bytes | None) -> DataConverter:
    """Payloads encrypted, and failures' messages and stack traces too: moved into an encoded
    attribute (Temporal's encode_common_attributes), so that an error naming a person is not
    stored or shown in clear."""
    if key is None:
        return converter
    return dataclasses.replace(
        converter,
        payload_codec=EncryptionCodec(key),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )
