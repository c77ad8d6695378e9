"""A real SMTP server for tests (aiosmtpd on 127.0.0.1), and fixtures that point Django at it.

Use it from a test module with ``pytest_plugins = ["lien.tests.smtp"]``, then ask for
``smtp_outbox`` (Django sends through SMTP to the server; the list holds what it received) or
``smtp_down`` (Django sends to a port where nothing listens).
"""

import email
import email.policy
import socket
import threading
from dataclasses import dataclass
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


@dataclass
class ReceivedMail:
    """One message as the SMTP server received it: the envelope and the parsed message."""

    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def to(self) -> str:
        return str(self.message["To"])

    @property
    def body(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None, "the message has no text/plain part"
        return part.get_content().replace("\r\n", "\n")


class Mailbox:
    """aiosmtpd handler that keeps every message it accepts."""

    def __init__(self):
        self.received: list[ReceivedMail] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.received.append(
                ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message)  # type: ignore[arg-type]
            )
        return "250 Message accepted for delivery"


def free_port() -> int:
    """A TCP port on which nothing listens right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def smtp_server():
    """One SMTP server per test process, stopped at the end of the session."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname=HOST, port=free_port())
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


def _use_smtp(settings, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = HOST
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5


@pytest.fixture
def smtp_outbox(smtp_server, settings) -> list[ReceivedMail]:
    """Django's e-mail goes through SMTP to the test server; returns what the server received."""
    mailbox: Mailbox = smtp_server.handler
    mailbox.received.clear()
    _use_smtp(settings, smtp_server.port)
    return mailbox.received


@pytest.fixture
def smtp_down(settings) -> int:
    """Django's e-mail goes to a closed port, as when the SMTP server is down; returns the port."""
    port = free_port()
    _use_smtp(settings, port)
    return port
