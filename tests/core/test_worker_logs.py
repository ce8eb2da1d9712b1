"""The Celery worker as docker-compose starts it logs JSON lines with no personal data in them.

An invitation's mail task carries the address and a link with a secret token; a mail server
that refuses the recipient answers with the address, and smtplib puts that answer into its
exception. The worker runs in its own process against Redis and the test database (PostgreSQL),
sending to a small SMTP server in this process that accepts one address, refuses one for good
(550: recorded, not retried) and puts one off (450: retried).
Skipped without REDIS_URL and PostgreSQL, failed in CI, like tests/matching/test_celery_worker.py.
"""

from __future__ import annotations

import json
import shlex
import socketserver
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest
import yaml

from accounts.roles import Role
from accounts.services.invitations import invitation_create
from core import mail
from tests.matching.test_celery_worker import real_broker  # noqa: F401  (a fixture)
from tests.workers import worker_environment

ROOT = Path(__file__).resolve().parents[2]
ACCEPTED = "accepted.applicant@example.org"
REFUSED = "refused.applicant@example.org"
DEFERRED = "deferred.applicant@example.org"
pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


class SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for Django's backend: RCPT TO the refused address gets a 550 naming it,
    the deferred one a 450, as real servers answer."""

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        server = self.server
        self.reply("220 mail.test ESMTP")
        while command := self.rfile.readline().decode().strip():
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 mail.test")
            elif verb == "RCPT":
                address = command.split("<", 1)[1].rstrip(">")
                server.recipients.append(address)  # type: ignore[attr-defined]
                if address == REFUSED:
                    self.reply(f"550 5.1.1 <{address}>: Recipient address rejected")
                elif address == DEFERRED:
                    self.reply(f"450 4.2.1 <{address}>: Mailbox busy, try again later")
                else:
                    self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 go ahead")
                while self.rfile.readline() not in (b".\r\n", b""):
                    pass
                server.delivered += 1  # type: ignore[attr-defined]
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:  # MAIL, RSET, NOOP
                self.reply("250 ok")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SMTPHandler)
    server.daemon_threads = True
    server.recipients = []  # type: ignore[attr-defined]
    server.delivered = 0  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def compose_worker_command() -> list[str]:
    """The worker's command line from docker-compose.yml, so the test runs what is deployed."""
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    command = shlex.split(services["worker"]["command"])
    assert command[0] == "celery"
    return [sys.executable, "-m", *command]


@pytest.fixture
def queue(real_broker) -> Iterator[str]:  # noqa: F811
    """A queue of the test's own: a worker started by a parallel test neither takes these tasks
    nor purges them. Deleted afterwards with the retry the stopped worker put back."""
    name = f"test-logs-{uuid.uuid4().hex[:8]}"
    with mock.patch.object(
        mail.deliver,
        "delay",
        lambda **kwargs: mail.deliver.apply_async(kwargs=kwargs, queue=name),
    ):
        yield name
    with real_broker.connection_for_write() as broker:
        declared = real_broker.amqp.queues[name].bind(broker.default_channel)
        declared.declare()  # known to this connection, so it can delete it
        declared.delete()


class Worker:
    """A worker process whose stdout and stderr go to files."""

    def __init__(self, command: list[str], env: dict[str, str], folder: Path) -> None:
        self.stdout, self.stderr = folder / "stdout", folder / "stderr"
        with self.stdout.open("wb") as out, self.stderr.open("wb") as err:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err)

    def output(self) -> str:
        return self.stdout.read_text() + self.stderr.read_text()

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.output()


@pytest.fixture
def worker(real_broker, smtp_server, queue, tmp_path):  # noqa: F811
    env = worker_environment(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_server.server_address[1]),
        EMAIL_USE_TLS="false",
        LOG_LEVEL="INFO",
    )
    options = ["--concurrency=1", "--without-gossip", "--without-mingle", f"--queues={queue}"]
    process = Worker([*compose_worker_command(), *options], env, tmp_path)
    yield process
    process.stop()


def wait_until(condition, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"no {what} after {seconds} s")


def test_a_worker_logs_mails_as_json_lines_without_addresses_or_tokens(
    worker, smtp_server, coordinator, organisation
):
    tokens = []
    for address in (ACCEPTED, REFUSED, DEFERRED):
        _, token = invitation_create(
            by=coordinator, email=address, role=Role.CASEWORKER, organisation=organisation
        )
        tokens.append(token)

    tried = smtp_server.recipients
    wait_until(lambda: smtp_server.delivered == 1 and {REFUSED, DEFERRED} <= set(tried), "mail")
    # The deferred mail is retried later (backoff); the refused one is recorded, not retried.
    wait_until(lambda: " retry: " in worker.output(), "retry line")
    wait_until(lambda: "email.refused" in worker.output(), "refusal line")
    output = worker.stop()

    for secret in (ACCEPTED, REFUSED, DEFERRED, "example.org", *tokens):
        assert secret not in output
    # Celery's signal handlers write their few words with os.write, logging being unsafe in
    # a signal handler: the one line not in JSON.
    written = [line for line in output.splitlines() if line.strip()]
    assert [line for line in written if not line.startswith("{")] == [
        "worker: Warm shutdown (MainProcess)"
    ]
    lines = [json.loads(line) for line in written if line.startswith("{")]
    assert {"celery.apps.worker", "celery.worker.strategy", "celery.app.trace"} <= {
        line["logger"] for line in lines
    }
    messages = [line["message"] for line in lines]
    assert any("core.mail.deliver[" in m and " succeeded in " in m for m in messages), output
    retry = next(m for m in messages if " retry: " in m)
    assert retry.endswith(": SMTPRecipientsRefused"), retry
    refusal = next(line for line in lines if line["message"] == "email.refused")
    assert (refusal["error"], refusal["code"]) == ("smtplib.SMTPRecipientsRefused", 550)
    assert sum(1 for m in messages if " retry: " in m) == 1  # the deferred mail only
