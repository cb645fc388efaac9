"""The ``connector`` command: one click group, one module per group of subcommands.

Exit codes: 0 fine, 1 a check or run failed, 2 bad usage or config. A user error prints one clear
line and no traceback; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import logging
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

import click

from connector import __version__
from connector.errors import ConfigError, ConnectorError, UsageError
from connector.logs import configure_logging
from connector.settings import Settings

DEFAULT_CONFIG = "connector.toml"


@dataclass
class AppContext:
    """What every subcommand gets through ``click.pass_obj``."""

    config_path: Path
    debug: bool

    def settings(self) -> Settings:
        """Load and validate the config (raises ConfigError listing every problem)."""
        from connector.config import load_settings

        return load_settings(self.config_path)


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
@click.pass_context
def cli(ctx: click.Context, config_path: Path, debug: bool) -> None:
    """Backorder and pre-order connector for Shopify and WooCommerce."""
    # The one log setup (redacting, shop on every line); `connector run` re-configures it with the
    # config's log format once the settings are loaded.
    configure_logging("text", level=logging.DEBUG if debug else logging.WARNING)
    ctx.obj = AppContext(config_path=config_path, debug=debug)


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
        daemon,
        emails,
        engine,
        setup,
        shopify_commands,
        woocommerce_commands,
    )

    for module in (setup, engine, emails, daemon):
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
