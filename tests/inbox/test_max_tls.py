"""MAX_CA_FILE reaches requests' `verify`: the MAX fake serves HTTPS with a certificate from a
root CA of its own (as MAX's chains to the Ministry of Digital Development's root, which the usual
bundle lacks). Without the setting every call fails the certificate check; with it sends, long
polling and attachment downloads work; verification is never switched off."""
import shutil
import ssl
import subprocess

import pytest
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.inbox.adapters import adapter_for
from helpdesk.inbox.attachments import download_pending
from helpdesk.inbox.events import process_pending
from helpdesk.inbox.poller import MaxPoller
from helpdesk.inbox.types import DeliveryError
from helpdesk.models import Attachment
from tests.fakes.max import FakeMax
from tests.inbox.conftest import make_platform

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4


def _openssl(*args, cwd) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A root CA and a certificate for 127.0.0.1 signed by it (made with the openssl tool)."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl tool is needed to make the test certificates")
    folder = tmp_path_factory.mktemp("pki")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
             "ca.pem", "-days", "2", "-subj", "/CN=Test Trusted Root CA",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=folder)
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out",
             "server.csr", "-subj", "/CN=127.0.0.1", cwd=folder)
    (folder / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                                    "extendedKeyUsage=serverAuth\n")
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf",
             cwd=folder)
    return folder


class TlsFakeMax(FakeMax):
    """The MAX fake behind TLS."""

    @property
    def url(self) -> str:
        return super().url.replace("http://", "https://", 1)


@pytest.fixture
def tls_fake(pki):
    fake = TlsFakeMax(max_wait=0.2)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki / "server.pem", pki / "server.key")
    fake._server.socket = context.wrap_socket(fake._server.socket, server_side=True)
    with fake:
        yield fake


@pytest.fixture
def ca_setting(app):
    saved = app.config.get("MAX_CA_FILE")
    yield app.config
    app.config["MAX_CA_FILE"] = saved


def test_without_the_ca_file_the_certificate_is_refused(ctx, live, tls_fake, ca_setting):
    ca_setting["MAX_CA_FILE"] = ""
    platform = make_platform("max", tls_fake, live.url)
    adapter = adapter_for(platform.channel)
    assert adapter.verify is True
    with pytest.raises(DeliveryError) as caught:
        adapter.send("32001", "Проверка", 1)
    assert "SSLError" in caught.value.reason and caught.value.retryable
    assert tls_fake.sent == []


def test_the_ca_file_reaches_verify_for_sends_polls_and_downloads(ctx, live, tls_fake, pki,
                                                                  ca_setting, app):
    ca_setting["MAX_CA_FILE"] = str(pki / "ca.pem")
    platform = make_platform("max", tls_fake, live.url, mode="poll")
    adapter = adapter_for(platform.channel)
    bundle = adapter.verify
    assert isinstance(bundle, str)
    text = open(bundle, encoding="ascii", errors="replace").read()
    assert (pki / "ca.pem").read_text().strip() in text  # the extra root ...
    assert text.count("BEGIN CERTIFICATE") > 10             # ... added to the usual ones
    assert adapter.send("32002", "Проверка", 2)
    assert tls_fake.sent_to(32002) == ["Проверка"]
    tls_fake.push_update(tls_fake.message_created(32003, "Фото ямы", image=JPEG))
    assert MaxPoller(platform.channel.id, timeout=1).poll_once() == 1
    process_pending()
    assert download_pending() == 1
    [att] = db.session.scalars(select(Attachment)).all()
    assert att.status == "stored" and att.source.startswith("https://127.0.0.1:")


def test_a_missing_ca_file_is_named(ctx, live, tls_fake, ca_setting, tmp_path):
    ca_setting["MAX_CA_FILE"] = str(tmp_path / "нет-такого.pem")
    platform = make_platform("max", tls_fake, live.url)
    with pytest.raises(DeliveryError) as caught:
        adapter_for(platform.channel).send("32004", "Проверка", 3)
    assert "не найден" in caught.value.reason and caught.value.retryable
    not_pem = tmp_path / "bad.pem"
    not_pem.write_text("это не сертификат")
    ca_setting["MAX_CA_FILE"] = str(not_pem)
    with pytest.raises(DeliveryError, match="PEM"):
        adapter_for(platform.channel).send("32004", "Проверка", 4)
