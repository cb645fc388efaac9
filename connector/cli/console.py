"""CLI commands of the support console (``[console]``): ``connector console hash-password``."""

from __future__ import annotations

import sys

import click

from connector.errors import UsageError

__all__ = ["register"]


def register(cli: click.Group) -> None:
    """Add the `console` group to the `connector` group."""

    @cli.group("console")
    def console_group() -> None:
        """The support console at /console (docs/console.md)."""

    @console_group.command("hash-password")
    def hash_password_command() -> None:
        """Ask for a password (twice on a terminal) and print the line for [[console.users]].

        Off a terminal the password is read from the first line of standard input. The password
        itself is never printed or stored.
        """
        from connector.web.passwords import MIN_LENGTH, hash_password

        if sys.stdin.isatty():
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        else:
            password = sys.stdin.readline().rstrip("\r\n")
        if len(password) < MIN_LENGTH:
            raise UsageError(f"a console password needs at least {MIN_LENGTH} characters")
        click.echo(f'password_hash = "{hash_password(password)}"')
