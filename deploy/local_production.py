"""What `make serve` needs to run Braid's production configuration on this machine, made once under a folder.

Production makes up nothing (app.security.deploy refuses a missing key), so this plays the operator: random keys
(mode 0600), a field keyring, a learner key store and an audit heads file apart from the SQLite database, a metrics
token, and a self-signed certificate for 127.0.0.1, since production links are https:// only. Then it writes
`env` (mode 0600), the variables the server and its jobs worker read. Running it again changes nothing: the
keys that sealed the data are never replaced. For this machine only: a real deployment's keys come from its
operator (README: Running in production).

    python deploy/local_production.py instance/serve 8000
"""
from __future__ import annotations

import ipaddress
import os
import secrets
import shlex
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from the repository

from app.security.keys import Keyring, write_key_file


def _private(path: Path, text: str) -> None:
    """`text` into a new file only its owner can read (never over an existing one)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def _kept(path: Path, make) -> str:
    if not path.exists():
        _private(path, make())
    return path.read_text().strip()


def _certificate(folder: Path) -> None:
    """A self-signed certificate for 127.0.0.1 and localhost (a browser warns once; HSTS ignores an IP address)."""
    cert_file, key_file = folder / "tls.crt", folder / "tls.key"
    if cert_file.exists() and key_file.exists():
        return
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Braid on this machine")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                    x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_file.unlink(missing_ok=True)
    _private(key_file, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption()).decode())
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


def prepare(folder: Path, port: int) -> Path:
    folder = folder.resolve()
    for part in ("", "data", "keys", "audit-heads"):
        (folder / part).mkdir(mode=0o700, parents=True, exist_ok=True)
    token = lambda: secrets.token_urlsafe(48)  # noqa: E731
    field_keys = folder / "field_keys.json"
    if not field_keys.exists():
        write_key_file(field_keys, Keyring.generate(), exclusive=True)
    _certificate(folder)
    variables = {
        "BRAID_CONFIG": "production",
        "BRAID_INSTANCE_PATH": folder,
        "DATABASE_URL": f"sqlite:///{folder / 'data' / 'braid.sqlite3'}",
        "SECRET_KEY": _kept(folder / "secret_key", token),
        "BRAID_AUDIT_KEY": _kept(folder / "audit_key", token),
        "BRAID_FIELD_KEY_FILE": field_keys,
        "BRAID_KEY_STORE_URL": f"sqlite:///{folder / 'keys' / 'learner_keys.sqlite3'}",
        "BRAID_AUDIT_HEAD_FILE": folder / "audit-heads" / "heads.jsonl",
        "BRAID_METRICS_TOKEN": _kept(folder / "metrics_token", token),
        "BRAID_BASE_URL": f"https://127.0.0.1:{port}",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "PROMETHEUS_MULTIPROC_DIR": folder / "metrics",
    }
    env = folder / "env"
    env.unlink(missing_ok=True)
    _private(env, "".join(f"{name}={shlex.quote(str(value))}\n" for name, value in variables.items()))  # for `. env`
    return env


if __name__ == "__main__":
    print(prepare(Path(sys.argv[1]), int(sys.argv[2])))
