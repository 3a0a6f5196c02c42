"""Certificate checks for platforms whose chain ends in a root CA the usual bundle lacks.

MAX's API certificate chains to the Russian Ministry of Digital Development's root CA, which
neither Debian's bundle nor certifi holds. The administrator names a PEM file with that root
(MAX_CA_FILE); requests then verifies against the usual roots *plus* that file, so the
platform's file hosts that use ordinary certificates keep working. Verification is never
switched off: without the setting the usual roots alone are used.
"""
import hashlib
import os
import tempfile
import threading
from pathlib import Path

import certifi

_bundles: dict[tuple, str] = {}
_lock = threading.Lock()


class CaFileError(OSError):
    """The configured CA file cannot be used (missing, unreadable or not PEM)."""


def verify_setting(ca_file: str | None) -> str | bool:
    """What to pass as requests' `verify`: True (usual roots) or a bundle path with the extra CA."""
    if not ca_file:
        return True
    path = Path(ca_file)
    try:
        stat = path.stat()
    except OSError:
        raise CaFileError(f"файл корневого сертификата не найден: {ca_file}") from None
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    with _lock:
        bundle = _bundles.get(key)
        if bundle is None or not os.path.exists(bundle):
            bundle = _bundles[key] = _combine(path)
    return bundle


def _combine(path: Path) -> str:
    """Write certifi's roots followed by the extra file; returns the combined bundle's path."""
    try:
        extra = path.read_bytes()
    except OSError:
        raise CaFileError(f"файл корневого сертификата не читается: {path}") from None
    if b"-----BEGIN CERTIFICATE-----" not in extra:
        raise CaFileError(f"в файле нет сертификата в формате PEM: {path}")
    data = Path(certifi.where()).read_bytes().rstrip(b"\n") + b"\n" + extra
    name = f"helpdesk-ca-{hashlib.sha256(data).hexdigest()[:24]}.pem"
    target = Path(tempfile.gettempdir()) / name
    if not target.exists():
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".helpdesk-ca-")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temp, target)
    return str(target)
