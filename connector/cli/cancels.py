"""CLI commands for customers' cancels and swaps (the customer page, ``[web]``): list them, and
approve or decline those waiting for the owner when ``cancel_needs_approval`` or
``swap_needs_approval`` is on. One place for support: ``connector cancels ...`` covers both. An
approved choice is written to the shop by the daemon's next cycle (``run --once`` does it now)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from connector.cli.common import echo_json, open_state, pick_shops
from connector.errors import FatalError

if TYPE_CHECKING:
    from connector.cli.main import AppContext

__all__ = ["register"]


def register(cli: click.Group) -> None:
    """Add the `cancels` group to the `connector` group."""

    @cli.group("cancels")
    def cancels_group() -> None:
        """Customers' cancels and swaps from their order page: list, approve, decline."""

    @cancels_group.command("list")
    @click.option("--shop", "shop_name", help="The shop (default: every shop).")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
    @click.pass_obj
    def list_command(app: AppContext, shop_name: str | None, as_json: bool) -> None:
        """Every cancel and swap not yet done, oldest first (those done show in connector order N)."""
        from connector.web.customer_cancel import open_cancels
        from connector.web.customer_history import describe_cancel, describe_swap
        from connector.web.swap_tables import open_swaps

        settings, db = open_state(app)
        rows = []
        for shop in pick_shops(settings, shop_name):
            for record in open_cancels(db.engine, shop):
                order = db.order(shop, record.order_id)
                rows.append(
                    {
                        "shop": shop,
                        "order": order.number if order else record.order_id,
                        "asked": record.requested_at.isoformat(),
                        "what": "cancel",
                        "state": record.state,
                        "result": describe_cancel(record),
                    }
                )
            for swap in open_swaps(db.engine, shop):
                order = db.order(shop, swap.order_id)
                rows.append(
                    {
                        "shop": shop,
                        "order": order.number if order else swap.order_id,
                        "asked": swap.requested_at.isoformat(),
                        "what": f"swap {swap.old_sku} x{swap.units} for {swap.sku}",
                        "state": swap.state,
                        "result": describe_swap(swap),
                    }
                )
        if as_json:
            echo_json(rows)
            return
        if not rows:
            click.echo("no open cancels or swaps")
        for row in rows:
            what = "" if row["what"] == "cancel" else f"{row['what']}: "
            click.echo(
                f"{row['shop']} order {row['order']} (asked {row['asked']}): {what}{row['result']}"
            )

    def _decide(app: AppContext, order_ref: str, shop_name: str | None, approve: bool) -> None:
        from connector.web.customer_cancel import cancels_for, decide
        from connector.web.customer_history import describe_cancel, describe_swap
        from connector.web.customer_swap import decide_swap
        from connector.web.swap_tables import swaps_for
        from connector.web.tables import CancelState

        settings, db = open_state(app)
        shop = pick_shops(settings, shop_name, one=True)[0]
        order = db.order(shop, order_ref)
        if order is None:
            raise FatalError(f"no order {order_ref!r} in {shop}")
        waiting = [
            c
            for c in cancels_for(db.engine, shop, order.platform_id)
            if c.state == CancelState.AWAITING_APPROVAL
        ]
        swaps = [
            s
            for s in swaps_for(db.engine, shop, order.platform_id)
            if s.state == CancelState.AWAITING_APPROVAL
        ]
        if not waiting and not swaps:
            raise FatalError(
                f"order {order.number} of {shop} has no cancel awaiting approval, nor a swap"
            )
        for record in waiting:
            done = decide(db.engine, record.key, approve=approve, at=db.clock())
            if done is not None:
                click.echo(f"{shop} order {order.number}: {describe_cancel(done)}")
        for swap in swaps:
            decided = decide_swap(db.engine, swap.key, approve=approve, at=db.clock())
            if decided is not None:
                click.echo(
                    f"{shop} order {order.number}: swap {swap.old_sku} for {swap.sku}: "
                    f"{describe_swap(decided)}"
                )

    @cancels_group.command("approve")
    @click.argument("order_ref", metavar="ORDER")
    @click.option("--shop", "shop_name", help="The shop (needed when the config has several).")
    @click.pass_obj
    def approve_command(app: AppContext, order_ref: str, shop_name: str | None) -> None:
        """Let the customer's cancel or swap go to the shop (refund included) at the next cycle."""
        _decide(app, order_ref, shop_name, approve=True)

    @cancels_group.command("decline")
    @click.argument("order_ref", metavar="ORDER")
    @click.option("--shop", "shop_name", help="The shop (needed when the config has several).")
    @click.pass_obj
    def decline_command(app: AppContext, order_ref: str, shop_name: str | None) -> None:
        """Refuse the customer's cancel or swap: the order keeps waiting; write to them why."""
        _decide(app, order_ref, shop_name, approve=False)
