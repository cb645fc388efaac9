"""CLI commands for woocommerce: `connector install woocommerce` and `connector sandbox woocommerce`."""

from __future__ import annotations

import click


def register(*, install: click.Group, sandbox: click.Group) -> None:
    """Add the woocommerce subcommands to the shared `install` and `sandbox` groups."""
