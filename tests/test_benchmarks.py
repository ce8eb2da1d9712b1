"""The load test's own mailbox (``benchmarks/load.py``): a household of the publish spike reads
its sign-in code from the files Django's file e-mail backend writes. A code it cannot find is
counted as the server's error, so the reader must find every code the server sent."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from django.core.mail import EmailMessage
from django.core.mail.backends.filebased import EmailBackend

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def load():
    spec = importlib.util.spec_from_file_location("load_benchmark", ROOT / "benchmarks/load.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def send(directory: Path, to: str, body: str) -> None:
    """As the server sends: a backend object per message, here both named ``mail.log`` as
    when the second object of the same second takes the first one's address (``id()``)."""
    backend = EmailBackend(file_path=str(directory))
    backend._fname = str(directory / "mail.log")  # type: ignore[attr-defined]
    backend.send_messages([EmailMessage("Re:Match", body, "noreply@rematch.example", [to])])


def test_a_code_appended_to_a_file_already_read_is_found(load, tmp_path):
    mailbox = load.Mailbox(tmp_path)
    send(tmp_path, "first@example.org", "Ihr Code:\n\nABCD-EF12\n")
    assert mailbox.code_for("first@example.org", wait=1) == "ABCD-EF12"
    send(tmp_path, "second@example.org", "Ihr Code:\n\nXY34-ZW56\n")
    assert mailbox.code_for("second@example.org", wait=1) == "XY34-ZW56"


def test_a_message_still_being_written_is_read_once_complete(load, tmp_path):
    mailbox = load.Mailbox(tmp_path)
    send(tmp_path, "notice@example.org", "Ihr Angebot ist da.\n")
    (tmp_path / "mail.log").open("ab").write(b"To: late@example.org\n\nQQ11-RR22\n")
    with pytest.raises(RuntimeError, match="no sign-in code"):
        mailbox.code_for("late@example.org", wait=0.1)
    (tmp_path / "mail.log").open("ab").write(b"\n" + b"-" * 79 + b"\n")
    assert mailbox.code_for("late@example.org", wait=1) == "QQ11-RR22"
