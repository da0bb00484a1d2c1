"""The filed agreement's PDF, signed: one PAdES signature per party (pyHanko), made with the
deployment's signing certificate on each party's behalf, naming the signer, their position and
the time they signed in the portal.

This is an advanced electronic signature of the deployment, not a certified one (TTE of
BSrE/BSSN): ``AgreementSigner`` is the one class a BSrE integration would replace.

For a rehearsal and the tests, ``make_test_ca`` makes a certificate authority and a signing
certificate of its own.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers


@dataclass(frozen=True)
class SignedBy:
    """One party's signature as the PDF carries it."""

    field: str
    """The signature field: PIHAK_KESATU, PIHAK_KEDUA."""
    name: str
    position: str
    party: str
    """PIHAK KESATU or PIHAK KEDUA."""
    signed_at: str
    """When they signed in the portal, as the letters write it."""


@dataclass(frozen=True)
class SigningFiles:
    key: Path
    cert: Path
    chain: Path | None = None


class AgreementSigner:
    """Signs with the deployment's key; each party's signature is an incremental update, so the
    first stays valid under the second and the last covers the whole file."""

    def __init__(self, files: SigningFiles) -> None:
        self.signer = signers.SimpleSigner.load(
            str(files.key),
            str(files.cert),
            ca_chain_files=(str(files.chain),) if files.chain else None,
        )
        if self.signer is None:
            raise ValueError(f"cannot read the signing key {files.key} or certificate {files.cert}")

    def sign(self, pdf: bytes, parties: list[SignedBy], place: str) -> bytes:
        signed = pdf
        for party in parties:
            writer = IncrementalPdfFileWriter(io.BytesIO(signed))
            metadata = signers.PdfSignatureMetadata(
                field_name=party.field,
                name=f"{party.name}, {party.position}",
                reason=(
                    f"Berita Acara Kesepakatan Rakortekrenbang, ditandatangani sebagai {party.party} "
                    f"pada {party.signed_at}"
                ),
                location=place,
                subfilter=fields.SigSeedSubFilter.PADES,
                md_algorithm="sha256",
            )
            out = signers.sign_pdf(writer, metadata, signer=self.signer)
            signed = out.getvalue()
        return signed


def make_test_ca(folder: Path, organisation: str = "Rakortek rehearsal") -> SigningFiles:
    """A certificate authority and a document-signing certificate under it, in ``folder``:
    ca.pem, signer.pem, signer-key.pem. For rehearsals and tests only."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(organisation, "Test CA")
    ca = _certificate(ca_name, ca_name, ca_key, ca_key, authority=True)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = _name(organisation, "Rakortekrenbang document signing")
    cert = _certificate(subject, ca_name, key, ca_key, authority=False)
    files = SigningFiles(key=folder / "signer-key.pem", cert=folder / "signer.pem", chain=folder / "ca.pem")
    files.chain.write_bytes(ca.public_bytes(serialization.Encoding.PEM))  # type: ignore[union-attr]
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    files.key.chmod(0o600)
    return files


def _name(organisation: str, common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _certificate(
    subject: x509.Name,
    issuer: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    authority: bool,
) -> x509.Certificate:
    """A ten-year certificate: the authority's (signs certificates) or a document signer's
    (signs documents, non-repudiation)."""
    now = dt.datetime.now(dt.UTC)
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=not authority,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=authority,
        crl_sign=authority,
        encipher_only=False,
        decipher_only=False,
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(usage, critical=True)
    )
    if authority:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
    else:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())
