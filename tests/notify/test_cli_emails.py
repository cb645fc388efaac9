"""`connector emails check` and `connector emails preview`, as a store owner runs them."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest

from connector.cli.main import main


def test_check_passes_on_the_shipped_templates(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["--config", str(tmp_path / "none.toml"), "emails", "check"]) == 0
    assert "ok: 28 messages rendered" in capsys.readouterr().out


def test_check_reports_a_bad_override_and_exits_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "sv").mkdir()
    (tmp_path / "sv" / "reminder.subject.j2").write_text("{{ order.numbr }}", encoding="utf-8")
    code = main(
        [
            "--config",
            str(tmp_path / "none.toml"),
            "emails",
            "check",
            "--templates-dir",
            str(tmp_path),
        ]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert "sv/reminder" in err and "numbr" in err


def test_preview_writes_a_swedish_html_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "delay.html"
    code = main(
        [
            "--config",
            str(tmp_path / "none.toml"),
            "emails",
            "preview",
            "delay",
            "--locale",
            "sv",
            "--order",
            "#2001",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    html = out.read_text(encoding="utf-8")
    assert "Din order är försenad" in html and "#2001" in html and "29 januari 2027" in html


def test_preview_text_to_stdout_and_eml(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert (
        main(["--config", str(tmp_path / "n.toml"), "emails", "preview", "ship_soon", "--text"])
        == 0
    )
    assert "Good news: the stock you were waiting for has arrived." in capsys.readouterr().out
    eml = tmp_path / "m.eml"
    assert (
        main(
            [
                "--config",
                str(tmp_path / "n.toml"),
                "emails",
                "preview",
                "reminder",
                "--out",
                str(eml),
            ]
        )
        == 0
    )
    message = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert message.get_content_type() == "multipart/alternative"
    assert str(message["List-Unsubscribe"]).startswith("<mailto:")


def test_preview_of_an_unknown_event_is_a_usage_error(tmp_path: Path) -> None:
    assert main(["--config", str(tmp_path / "n.toml"), "emails", "preview", "nope"]) == 2
