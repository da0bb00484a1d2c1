"""The Temporal client every rakortek process uses: worker, command line, board and portal.

Address, namespace, TLS (or mTLS) and API key come from the settings (the Temporal CLI's own
variable names); payloads are pydantic JSON, encrypted when RAKORTEK_PAYLOAD_KEY is set.
"""

from __future__ import annotations

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter
from temporalio.service import TLSConfig

from security.codec import parse_key, with_encryption
from settings import Settings


def tls_config(settings: Settings) -> TLSConfig | bool:
    """TLS for a cluster or Temporal Cloud: server CA, client certificate (mTLS), server name."""
    files = (settings.temporal_tls_ca, settings.temporal_tls_cert, settings.temporal_tls_key)
    if not any(files) and not settings.temporal_tls_server_name:
        # Temporal Cloud's API keys travel only over TLS.
        return settings.temporal_tls or settings.temporal_api_key is not None
    if bool(settings.temporal_tls_cert) != bool(settings.temporal_tls_key):
        raise ValueError("TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together (mTLS needs both)")
    read = lambda path: path.read_bytes() if path else None  # noqa: E731
    return TLSConfig(
        server_root_ca_cert=read(settings.temporal_tls_ca),
        client_cert=read(settings.temporal_tls_cert),
        client_private_key=read(settings.temporal_tls_key),
        domain=settings.temporal_tls_server_name,
    )


def data_converter(settings: Settings) -> DataConverter:
    """Pydantic payloads, encrypted when RAKORTEK_PAYLOAD_KEY is set."""
    key = parse_key(settings.payload_key.get_secret_value()) if settings.payload_key else None
    return with_encryption(pydantic_data_converter, key)


async def connect_client(settings: Settings) -> Client:
    api_key = settings.temporal_api_key.get_secret_value() if settings.temporal_api_key else None
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings),
        tls=tls_config(settings),
        api_key=api_key,
    )
