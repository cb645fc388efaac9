"""``connector init`` (write a starter config) and ``connector check`` (is everything ready?).

``check`` exit codes: 0 every enabled shop is ready, 1 a check failed (a shop or the database),
2 the config is wrong (every problem listed, one per line). The codes travel as exceptions that
:func:`connector.cli.main.main` maps (it does not pass on ``ctx.exit`` codes).
"""

from __future__ import annotations

import contextlib
import json
import sys
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.table import Table

from connector.config import load_settings
from connector.config_template import DEFAULT_URLS, env_prefix, render_template
from connector.errors import ConfigError, ConnectorError
from connector.logs import redact
from connector.model import Platform, StockStatus
from connector.platform import CheckReport
from connector.settings import Settings, ShopSettings

if TYPE_CHECKING:
    from connector.cli.main import AppContext
    from connector.clock import Clock
    from connector.db import Database

__all__ = ["CheckFailed", "check_shop", "register"]


class CheckFailed(ConnectorError):
    """``connector check`` found a problem (exit code 1); the details were printed above."""


def register(cli: click.Group) -> None:
    """Add ``init`` and ``check`` to the ``connector`` group."""
    cli.add_command(init)
    cli.add_command(check)


# -- init --------------------------------------------------------------------------------------------


@click.command()
@click.option(
    "--path",
    "path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the config (default: the --config path, connector.toml).",
)
@click.option(
    "--platform",
    type=click.Choice([p.value for p in Platform]),
    default=None,
    help="The first shop's platform (asked on a terminal; default shopify).",
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.pass_context
def init(ctx: click.Context, path: Path | None, platform: str | None, force: bool) -> None:
    """Write a starter config for one shop. Asks a few questions only when run on a terminal."""
    target = path or ctx.obj.config_path
    if target.exists() and not force:
        raise click.UsageError(f"{target} already exists; use --force to overwrite it")
    interactive = sys.stdin.isatty()
    chosen = Platform(platform) if platform else None
    if chosen is None:
        chosen = Platform.SHOPIFY
        if interactive:
            answer = click.prompt(
                "Platform", type=click.Choice([p.value for p in Platform]), default="shopify"
            )
            chosen = Platform(answer)
    name, url = "my-shop", DEFAULT_URLS[chosen]
    if interactive:
        name = click.prompt("Shop name (yours to choose)", default=name)
        url = click.prompt("Shop URL", default=url)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_template(chosen, name, url), encoding="utf-8")
    click.echo(f"Wrote {target}.")
    prefix = env_prefix(name)
    needed = (
        [f"{prefix}_ACCESS_TOKEN"]
        if chosen is Platform.SHOPIFY
        else [f"{prefix}_CONSUMER_KEY", f"{prefix}_CONSUMER_SECRET"]
    )
    click.echo(f"Next: set {' and '.join(needed)} in the environment, edit the file, then run:")
    click.echo(f"  connector --config {target} check")


# -- check -------------------------------------------------------------------------------------------


@dataclass
class _Outcome:
    database_url: str = ""
    schema_version: int | None = None
    database_problem: str = ""
    reports: list[tuple[CheckReport, str]] = field(default_factory=list)
    notes: dict[str, list[str]] = field(default_factory=dict)
    """Per shop, what the state database shows the owner should know (not failures)."""

    @property
    def ok(self) -> bool:
        return not self.database_problem and all(
            report.ok for report, status in self.reports if status != "disabled"
        )


def check_shop(shop: ShopSettings, clock: Clock, debug: bool = False) -> CheckReport:
    """One shop's :class:`CheckReport`; a failure to even check becomes a failed report, not a crash."""
    import adapters

    try:
        adapter = adapters.create_adapter(shop, clock=clock)
    except ConnectorError as error:
        return _failed(shop, str(error))
    except (ImportError, NotImplementedError, ValueError) as error:
        return _failed(shop, f"no working {shop.platform.value} adapter: {error}")
    try:
        return adapter.check()
    except ConnectorError as error:
        return _failed(shop, str(error))
    except Exception as error:  # a bug in one adapter must not hide the other shops
        if debug:
            traceback.print_exc()
        if _is_network_error(error):
            # requests' own text is a pool dump with the full URL (keys and signatures included).
            return _failed(
                shop, f"cannot reach {shop.url} ({type(error).__name__}); is the address right?"
            )
        return _failed(shop, f"unexpected error ({type(error).__name__}): {error}")
    finally:
        # Closing is best effort: the report is what matters.
        with contextlib.suppress(Exception):
            adapter.close()


_SWAP_SCOPE = "write_order_edits"


def _with_policy_scopes(settings: Settings, report: CheckReport) -> CheckReport:
    """Add the scopes only some settings need (Shopify deposits and pay on release; the customer
    page's swap, an order edit) to a report that read the granted scopes: a shop that uses
    neither is not asked for them."""
    from connector.selling_plans import DEFERRED_SCOPES, missing_deferred_scopes

    if report.platform is not Platform.SHOPIFY or not report.granted:
        return report
    needed = dict(DEFERRED_SCOPES)
    missing = missing_deferred_scopes(settings, report.shop, report.granted)
    if "swap" in settings.web.customer_actions and _SWAP_SCOPE not in report.granted:
        needed[_SWAP_SCOPE] = "the customer page's swap (an order edit)"
        missing.append(_SWAP_SCOPE)
    if not missing:
        return report
    problems = [f"scope {s} is missing: {needed[s]} is off" for s in missing]
    return replace(
        report,
        ok=False,
        missing=(*report.missing, *missing),
        problems=(*report.problems, *problems),
    )


def _failed(shop: ShopSettings, problem: str) -> CheckReport:
    return CheckReport(
        shop=shop.name, platform=shop.platform, ok=False, problems=(redact(problem),)
    )


def _is_network_error(error: BaseException) -> bool:
    import requests

    return isinstance(error, requests.RequestException | OSError)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (for scripts).")
@click.pass_context
def check(ctx: click.Context, as_json: bool) -> None:
    """Check the config, the database and every shop's credentials and permissions."""
    from connector.http import safe_url

    config_path: Path = ctx.obj.config_path
    debug: bool = ctx.obj.debug
    try:
        settings = load_settings(config_path)
    except ConfigError as error:
        if as_json:
            _print_config_error_json(error)
        raise  # main() prints every problem, one per line, and exits 2
    outcome = _Outcome()
    _check_database(settings, ctx.obj, outcome)
    _check_rules(settings, outcome)
    for shop in settings.shops:
        if not shop.enabled:
            outcome.reports.append((CheckReport(shop.name, shop.platform, ok=True), "disabled"))
            continue
        if not as_json:
            # An unreachable shop costs seconds of retries: say what is being asked meanwhile.
            click.echo(
                f"checking {shop.name} ({shop.platform.value}) at {safe_url(shop.url)} ...",
                err=True,
            )
        report = _with_policy_scopes(settings, check_shop(shop, ctx.obj.clock, debug))
        outcome.reports.append((report, "ok" if report.ok else "failed"))
    if as_json:
        click.echo(json.dumps(_as_json(config_path, outcome), indent=2))
    else:
        _print_outcome(config_path, outcome)
    if not outcome.ok:
        # The summary line above already said so; exit 1 without a second message on stderr.
        raise click.exceptions.Exit(1)


def _check_database(settings: Settings, app: AppContext, outcome: _Outcome) -> None:
    from connector.db import safe_url

    try:
        outcome.database_url = safe_url(settings.database_url)
    except Exception:  # an unparsable URL was already refused by the config; be safe anyway
        outcome.database_url = "(unreadable URL)"
    try:
        db = app.open_database(settings)
    except ConnectorError as error:
        outcome.database_problem = redact(str(error))
        return
    try:
        outcome.schema_version = db.schema_version()
        for shop in settings.shops:
            if shop.enabled:
                outcome.notes[shop.name] = shop_notes(db, shop.name)
                outcome.notes[shop.name] += _unseen_collections(db, settings, shop.name)
                if shop.platform is Platform.WOOCOMMERCE:
                    outcome.notes[shop.name] += _read_before_types(db, shop.name)
    finally:
        db.close()


def _unseen_collections(db: Database, settings: Settings, shop: str) -> list[str]:
    """Collection rules naming what no stored product of ``shop`` is in (none before a sync)."""
    from connector.rule_reach import unseen_collections

    if not any(policy.match.collections for policy in settings.policies):
        return []
    products = db.products(shop)
    if not products:
        return []  # not synced yet: nothing is known to be missing
    known = {name.casefold() for product in products for name in product.collections}
    return unseen_collections(settings, shop, known)


def _read_before_types(db: Database, shop: str) -> list[str]:
    """WooCommerce products stored by a version that read no type and categories by name only:
    every WooCommerce product has a type, so an empty one was read before. They are read again
    only when they change, so say how to read them now."""
    old = sum(1 for product in db.products(shop) if not product.product_type)
    if not old:
        return []
    return [
        f"{old} product(s) were read before the connector read WooCommerce product types and "
        "category slugs and ids: product_types and collections rules miss them until "
        f"`connector resync --shop {shop} --all` reads them again"
    ]


def _check_rules(settings: Settings, outcome: _Outcome) -> None:
    """Policy rules a shop's platform cannot match: each one, on each shop, with the reason."""
    import adapters
    from connector.config_rules_money_woo import payment_notes
    from connector.rule_reach import rule_gaps

    for gap in rule_gaps(settings, adapters.rule_limits):
        outcome.notes.setdefault(gap.shop, []).append(gap.line)
    for shop, line in payment_notes(settings):
        outcome.notes.setdefault(shop, []).append(line)


_HAND_SET = {
    StockStatus.BACKORDER: "stock management off, set to On backorder by hand: every unit sold "
    "waits until you record supply (connector po add) or change the status",
    StockStatus.OUT_OF_STOCK: "stock management off, set to Out of stock by hand: not selling, "
    "so no pre-order or backorder label is shown",
}


def shop_notes(db: Database, shop: str) -> list[str]:
    """What the state database shows about ``shop`` that the owner should know before trusting a
    plan: supply for SKUs the shop does not have, and products whose stock the owner sets by hand
    (the connector never switches those to managed stock)."""
    notes = [
        f"purchase order {po.id} is for {po.sku}, which no product of the shop has "
        "(a typo, or a product not synced yet): it serves nobody"
        for po in db.purchase_orders_for_unknown_skus(shop)
    ]
    by_status: dict[StockStatus, list[str]] = {}
    for variant in db.variants(shop):
        if not variant.tracked and variant.untracked_status in _HAND_SET:
            by_status.setdefault(variant.untracked_status, []).append(variant.sku or variant.title)
    for status, skus in by_status.items():
        shown = ", ".join(sorted(skus)[:8]) + (
            f" and {len(skus) - 8} more" if len(skus) > 8 else ""
        )
        notes.append(f"{len(skus)} variant(s) with {_HAND_SET[status]}: {shown}")
    return notes


def _print_config_error_json(error: ConfigError) -> None:
    problems = [{"key": p.key, "message": p.message} for p in error.problems]
    click.echo(json.dumps({"ok": False, "config": error.source, "problems": problems}, indent=2))


def _scopes(report: CheckReport) -> str:
    if report.missing:
        return f"{len(report.granted)} granted, missing: {', '.join(report.missing)}"
    if report.granted:
        return f"{len(report.granted)} granted"
    return "-"


def _print_outcome(config_path: Path, outcome: _Outcome) -> None:
    console = Console(highlight=False, soft_wrap=False)
    console.print(f"config: {config_path}")
    if outcome.database_problem:
        console.print(f"database: {outcome.database_url} [red]unavailable[/red]")
    else:
        console.print(f"database: {outcome.database_url} (schema version {outcome.schema_version})")
    table = Table("shop", "platform", "status", "scopes")
    for report, status in outcome.reports:
        style = {"ok": "green", "failed": "red"}.get(status, "dim")
        table.add_row(
            report.shop,
            report.platform.value,
            f"[{style}]{status}[/{style}]",
            "-" if status == "disabled" else _scopes(report),
        )
    console.print(table)
    if outcome.database_problem:
        click.echo(f"✗ database: {outcome.database_problem}")
    for report, status in outcome.reports:
        for scope in report.missing:
            click.echo(f"✗ {report.shop}: missing scope or permission {scope}")
        for problem in report.problems:
            click.echo(f"✗ {report.shop}: {redact(problem)}")
        if status == "failed" and not (report.missing or report.problems):
            click.echo(f"✗ {report.shop}: check failed")
        if report.details.get("payments"):
            click.echo(f"· {report.shop}: {report.details['payments']}")
    for shop, notes in outcome.notes.items():
        for note in notes:
            click.echo(f"! {shop}: {note}")
    click.echo("All checks passed." if outcome.ok else "Some checks failed.")


def _as_json(config_path: Path, outcome: _Outcome) -> dict[str, Any]:
    return {
        "ok": outcome.ok,
        "config": str(config_path),
        "database": {
            "url": outcome.database_url,
            "schema_version": outcome.schema_version,
            "ok": not outcome.database_problem,
            "problem": outcome.database_problem or None,
        },
        "shops": [
            {
                "shop": report.shop,
                "platform": report.platform.value,
                "status": status,
                "ok": report.ok,
                "granted": list(report.granted),
                "missing": list(report.missing),
                "problems": [redact(problem) for problem in report.problems],
                "details": dict(report.details),
                "notes": outcome.notes.get(report.shop, []),
            }
            for report, status in outcome.reports
        ],
    }
