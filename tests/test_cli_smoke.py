from __future__ import annotations

from connector.cli.main import main


def test_version_prints_and_exits_zero(capsys: object) -> None:
    assert main(["--version"]) == 0


def test_unknown_command_is_a_usage_error() -> None:
    assert main(["no-such-command"]) == 2
