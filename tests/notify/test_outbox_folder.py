"""The folder transport (the demo default) and the outbox on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
import sqlalchemy as sa

from connector.clock import FrozenClock
from connector.model import NotificationKind
from connector.notify.outbox import DeliveryReport, Outbox
from connector.notify.samples import sample_notification, sample_shop
from connector.notify.transports import DryRunTransport, FolderTransport, make_transport
from connector.settings import EmailSettings
from tests.notify.conftest import make_engine


class SimulatedCrash(BaseException):
    pass


class CrashAfterWrite(FolderTransport):
    def send(self, message: EmailMessage, sender: str, recipients: list[str]) -> None:
        super().send(message, sender, recipients)
        raise SimulatedCrash


class CrashBeforeWrite(FolderTransport):
    def send(self, message: EmailMessage, sender: str, recipients: list[str]) -> None:
        raise SimulatedCrash


def eml_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.eml"))


def test_folder_transport_writes_one_readable_eml_per_message(
    engine: sa.Engine, clock: FrozenClock, tmp_path: Path
) -> None:
    settings = EmailSettings(folder=str(tmp_path / "outbox"))
    outbox = Outbox(engine, clock, settings)
    outbox.enqueue([sample_notification(k, "sv") for k in NotificationKind], sample_shop("sv"))
    transport = make_transport(settings)
    assert outbox.deliver(transport, settings).sent == len(NotificationKind)
    assert outbox.deliver(transport, settings).sent == 0
    files = eml_files(tmp_path / "outbox")
    assert len(files) == len(NotificationKind)
    message = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert message.get_content_type() == "multipart/alternative"


def crash_then_rerun(
    engine: sa.Engine, clock: FrozenClock, tmp_path: Path, crashing: type[FolderTransport]
) -> tuple[Outbox, DeliveryReport]:
    """One delay mail, a run that dies in ``crashing``, and the rerun ten minutes later."""
    settings = EmailSettings(folder=str(tmp_path / "outbox"))
    outbox = Outbox(engine, clock, settings)
    outbox.enqueue([sample_notification("delay")], sample_shop("en"))
    with pytest.raises(SimulatedCrash):
        outbox.deliver(crashing(settings.folder), settings)
    clock.advance(timedelta(minutes=10))
    return outbox, outbox.deliver(FolderTransport(settings.folder), settings)


def test_crash_after_the_file_is_written_is_reconciled_as_sent(
    engine: sa.Engine, clock: FrozenClock, tmp_path: Path
) -> None:
    outbox, report = crash_then_rerun(engine, clock, tmp_path, CrashAfterWrite)
    assert (report.reconciled, report.sent) == (1, 0)
    assert len(eml_files(tmp_path / "outbox")) == 1
    assert outbox.status("nordic-living").sent == 1


def test_crash_before_the_file_is_written_sends_it_once_on_the_rerun(
    engine: sa.Engine, clock: FrozenClock, tmp_path: Path
) -> None:
    outbox, report = crash_then_rerun(engine, clock, tmp_path, CrashBeforeWrite)
    assert (report.reconciled, report.sent) == (1, 1)
    assert len(eml_files(tmp_path / "outbox")) == 1
    assert outbox.status("nordic-living").sent == 1


def test_dry_run_sends_nothing_anywhere(engine: sa.Engine, clock: FrozenClock) -> None:
    settings = EmailSettings(transport="dry-run")
    outbox = Outbox(engine, clock, settings)
    outbox.enqueue([sample_notification("ship_soon")], sample_shop("en"))
    transport = make_transport(settings)
    assert isinstance(transport, DryRunTransport)
    assert outbox.deliver(transport, settings).sent == 1
    assert [str(m["Subject"]) for m in transport.sent] == [
        "Good news: order #1042 ships by December 18, 2026"
    ]


@pytest.mark.postgres
def test_outbox_on_postgresql_is_idempotent_and_delivers_once(
    pg_schema_url: str, clock: FrozenClock, tmp_path: Path
) -> None:
    engine = make_engine(pg_schema_url)
    try:
        settings = EmailSettings(folder=str(tmp_path / "outbox"))
        outbox = Outbox(engine, clock, settings)
        batch = [sample_notification(k) for k in NotificationKind]
        assert outbox.enqueue(batch, sample_shop("en")) == len(batch)
        assert outbox.enqueue(batch, sample_shop("en")) == 0
        with pytest.raises(SimulatedCrash):
            outbox.deliver(CrashAfterWrite(settings.folder), settings)
        clock.advance(timedelta(minutes=10))
        report = outbox.deliver(FolderTransport(settings.folder), settings)
        assert report.reconciled == 1 and report.sent == len(batch) - 1
        assert len(eml_files(tmp_path / "outbox")) == len(batch)
        status = outbox.status("nordic-living")
        assert status.sent == len(batch) and status.pending == 0
        assert [e.kind for e in outbox.sent_for_order("nordic-living", "#1042")]
    finally:
        engine.dispose()
