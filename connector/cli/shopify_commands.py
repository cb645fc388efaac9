"""CLI commands for shopify: `connector install shopify` and `connector sandbox shopify`."""

from __future__ import annotations

import click


def register(*, install: click.Group, sandbox: click.Group) -> None:
    """Add the shopify subcommands to the shared `install` and `sandbox` groups."""
