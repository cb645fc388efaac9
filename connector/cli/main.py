"""The ``connector`` command: one click group, one module per group of subcommands.

Exit codes: 0 fine, 1 a check or run failed, 2 bad usage or config. A user error prints one clear
line and no traceback; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import logging
import sys
import traceback
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import click

from connector import __version__
from connector.clock import NOW_ENV, Clock, FrozenClock, parse_instant, system_clock
from connector.errors import ConfigError, ConnectorError, UsageError
from connector.logs import configure_logging
from connector.settings import Settings

if TYPE_CHECKING:
    from connector.db import Database

DEFAULT_CONFIG = "connector.toml"


_LOOPBACK = ("localhost", "::1")


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in _LOOPBACK or host.startswith("127.")


@dataclass
class AppContext:
    """What every subcommand gets through ``click.pass_obj``.

    ``clock`` is the one clock of this invocation: the system clock, or the instant given with
    ``--now`` / ``CONNECTOR_NOW`` (``fixed_now``). Every command takes time from it, directly or
    through the database it opens with :meth:`open_database`.
    """

    config_path: Path
    debug: bool
    fixed_now: datetime | None = None
    clock: Clock = field(default=system_clock)
    warned: bool = False
    """The config's warnings were printed (a command may load the config twice)."""

    def __post_init__(self) -> None:
        if self.fixed_now is not None and self.clock is system_clock:
            self.clock = FrozenClock(self.fixed_now)

    def settings(self) -> Settings:
        """Load and validate the config (raises ConfigError listing every problem)."""
        import adapters
        from connector.config import load_settings
        from connector.config_rules_money_woo import payment_warnings
        from connector.rule_reach import never_matching, rule_gaps

        settings = load_settings(self.config_path)
        if not self.warned:
            # A rule no shop can match is a warning, not an error (connector check lists them all).
            self.warned = True
            for line in never_matching(settings, rule_gaps(settings, adapters.rule_limits)):
                click.echo(f"warning: {line}", err=True)
            for _shop, line in payment_warnings(settings):
                click.echo(f"warning: {line}", err=True)
        return settings

    def open_database(self, settings: Settings, *, read_only: bool = False) -> Database:
        """The state database on this invocation's clock; ``read_only`` never creates or
        migrates one (a typo in ``database_url`` must say so, not show an empty database)."""
        from connector.db import open_database, open_existing_database

        if read_only:
            return open_existing_database(settings.database_url, clock=self.clock)
        return open_database(settings.database_url, clock=self.clock)

    def refuse_fixed_clock(self, settings: Settings, what: str, *, daemon: bool = False) -> None:
        """A fixed clock must not write to a real shop or mail its customers.

        Plans, reports and lookups at another instant are safe anywhere. Writing at one is not:
        the shop would get dates and tags of another day and its customers wrong promises. So a
        command that writes is refused under ``--now`` unless every enabled shop is on this
        machine (a sandbox), and the long-running daemon is refused always (its time must move).
        """
        if self.fixed_now is None:
            return
        option = f"--now / {NOW_ENV}"
        if daemon:
            raise UsageError(f"{option} cannot be used with the daemon; add --once")
        remote = [s.name for s in settings.shops if s.enabled and not _is_loopback(s.url)]
        if remote:
            raise UsageError(
                f"{option} is for reading and for sandbox shops: {what} would write to "
                f"{', '.join(remote)} at a moved clock"
            )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="connector")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="CONNECTOR_CONFIG",
    default=DEFAULT_CONFIG,
    show_default=True,
    help="The TOML config file (or set CONNECTOR_CONFIG).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.option(
    "--now",
    "now_text",
    envvar=NOW_ENV,
    hidden=True,
    help="Run at this instant (ISO date or time; a support tool, see docs/support.md).",
)
@click.pass_context
def cli(ctx: click.Context, config_path: Path, debug: bool, now_text: str | None) -> None:
    """Backorder and pre-order connector for Shopify and WooCommerce."""
    # The one log setup (redacting, shop on every line); `connector run` re-configures it with the
    # config's log format once the settings are loaded.
    configure_logging("text", level=logging.DEBUG if debug else logging.WARNING)
    fixed_now = None
    if now_text:
        try:
            fixed_now = parse_instant(now_text)
        except ValueError as error:
            raise UsageError(f"--now ({NOW_ENV}) {error}") from None
    ctx.obj = AppContext(config_path=config_path, debug=debug, fixed_now=fixed_now)


@cli.group()
def install() -> None:
    """Connect the connector to a shop (OAuth or key flows)."""


@cli.group()
def sandbox() -> None:
    """Run a local sandbox store that speaks a platform's wire format."""


def _register_all() -> None:
    # Each module owns one group of subcommands and adds them here; platform modules add their own
    # subcommands to the shared `install` and `sandbox` groups.
    from connector.cli import (
        cancels,
        console,
        daemon,
        emails,
        engine,
        po,
        setup,
        shopify_commands,
        woocommerce_commands,
    )

    for module in (setup, engine, po, emails, daemon, console, cancels):
        module.register(cli)
    for platform_module in (shopify_commands, woocommerce_commands):
        platform_module.register(install=install, sandbox=sandbox)


_register_all()


def main(argv: list[str] | None = None) -> int:
    """Entry point: runs the CLI and maps errors to one line and an exit code."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        # Without standalone mode click hands back ctx.exit(n)'s code instead of exiting.
        result = cli.main(args=argv, prog_name="connector", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except click.exceptions.Exit as done:
        return int(done.exit_code)
    except click.ClickException as error:
        error.show()
        return 2
    except (ConfigError, UsageError) as error:
        if debug:
            traceback.print_exc()
        click.echo(f"error: {error}", err=True)
        return 2
    except ConnectorError as error:
        if debug:
            traceback.print_exc()
        click.echo(f"error: {error}", err=True)
        return 1
    except KeyboardInterrupt:
        return 130
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
