"""Shopify collection rules as a store owner uses them, through the real CLI against the sandbox:
a product put in a collection by hand starts selling on backorder under the collection's policy,
and taken out it falls back to the default policy at the next sync; the storefront shows both."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from connector.cli.main import main
from connector.clock import NOW_ENV, FrozenClock
from connector.sandbox.seed import demo_spec
from connector.sandbox.shopify import ShopifySandbox
from tests.e2e.test_policy_rules import _backordered, _rules

CONFIG = """database_url = "sqlite:///{db}"

[[shops]]
name = "outlet"
platform = "shopify"
url = "{url}"
access_token = "env:SHOP_KEY"
client_secret = "env:SHOP_HOOK"
requests_per_second = 100
bulk_threshold = {bulk_threshold}

[[policies]]
name = "garden"
mode = "backorder"
lead_time_days = 21

[policies.match]
collections = {values}

[default_policy]
name = "default"
mode = "stop"
"""


class Rig:
    def __init__(
        self, tmp_path: Path, store: ShopifySandbox, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self.tmp_path, self.store, self.monkeypatch = tmp_path, store, monkeypatch
        self.written = 0

    def config(
        self, values: list[str], *, db: str = "state.db", bulk_threshold: int = 10_000
    ) -> Path:
        self.written += 1  # each config its own file: a test may go back to an earlier one
        path = self.tmp_path / f"{db}-{self.written}.toml"
        path.write_text(
            CONFIG.format(
                db=self.tmp_path / db,
                url=self.store.base_url,
                values=json.dumps(values),
                bulk_threshold=bulk_threshold,
            )
        )
        return path

    def later(self, seconds: int = 60) -> None:
        """The shop's time and the connector's move on together."""
        self.store.advance_clock(timedelta(seconds=seconds))
        self.monkeypatch.setenv(NOW_ENV, self.store.clock().isoformat())

    def settle(self, config: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A sync that reads back what our own writes changed (they moved the product), so that
        only the collection can tell the next sync about a product put in or taken out."""
        self.later()
        assert main(["--config", str(config), "plan", "--sync"]) == 0
        assert "nothing to change" in capsys.readouterr().out

    def policy(self, sku: str) -> str:
        """What the storefront does for ``sku`` out of stock: CONTINUE (keeps selling) or DENY."""
        with self.store.data.lock:
            return self.store.data.variants[self.store.data.by_sku[sku]].policy


@pytest.fixture
def rig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Rig]:
    clock = FrozenClock(demo_spec().start)
    store = ShopifySandbox(demo_spec(), clock=clock)
    creds = store.credentials()
    # Set before the sandbox's threads start (see tests/e2e/test_policy_rules.py).
    monkeypatch.setenv("SHOP_KEY", creds["access_token"])
    monkeypatch.setenv("SHOP_HOOK", "hook-secret")
    monkeypatch.setenv(NOW_ENV, clock().isoformat())
    with store:
        yield Rig(tmp_path, store, monkeypatch)


def _run_once(config: Path, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(["--config", str(config), "run", "--once"]) == 0
    return capsys.readouterr().out


def test_a_product_put_in_a_collection_keeps_selling_and_taken_out_falls_back(
    rig: Rig, capsys: pytest.CaptureFixture[str]
) -> None:
    sku, _ = _backordered()
    config = rig.config(["Garden Sofas"])
    due = (rig.store.clock() + timedelta(days=14)).date().isoformat()
    assert main(["--config", str(config), "po", "add", "--sku", sku, "--quantity", "30",
                 "--expected", due]) == 0  # fmt: skip
    rig.store.create_collection("Garden Sofas")
    assert rig.policy(sku) == "CONTINUE"  # as the shop was set up by hand

    # Not in the collection: the default policy (stop) stops selling it.
    _run_once(config, capsys)
    assert rig.policy(sku) == "DENY"
    rig.settle(config, capsys)

    # Put in the collection in the admin: the product's updatedAt does not move, yet the next
    # sync sees it, plan names the collection's policy, and the storefront keeps selling.
    rig.later()
    rig.store.add_to_collection("garden-sofas", sku)
    assert _rules(config, capsys)[sku] == {"policy garden"}
    _run_once(config, capsys)
    assert rig.policy(sku) == "CONTINUE"
    assert main(["--config", str(config), "plan", "--json"]) == 0
    [plan] = json.loads(capsys.readouterr().out)
    assert [c for c in plan["storefront"] if c["sku"] == sku] == []  # nothing left to change
    rig.settle(config, capsys)

    # Taken out: the next sync falls back to the default policy, and the storefront stops.
    rig.later()
    rig.store.remove_from_collection("garden-sofas", sku)
    out = _run_once(config, capsys)
    assert "0 storefront changes" not in out
    assert rig.policy(sku) == "DENY"
    assert main(["--config", str(config), "plan", "--sync"]) == 0
    assert "nothing to change" in capsys.readouterr().out


@pytest.mark.parametrize("bulk_threshold", [10_000, 1], ids=["paged", "bulk"])
def test_a_collection_matches_by_title_handle_or_id_on_a_first_sync(
    rig: Rig, capsys: pytest.CaptureFixture[str], bulk_threshold: int
) -> None:
    sku, _ = _backordered()
    collection = rig.store.create_collection("Garden Sofas", skus=[sku])
    number = collection.rsplit("/", 1)[1]
    for n, value in enumerate(("Garden Sofas", "GARDEN-SOFAS", number, "Other")):
        config = rig.config([value], db=f"state{n}.db", bulk_threshold=bulk_threshold)
        expected = "default policy" if value == "Other" else "policy garden"
        assert _rules(config, capsys)[sku] == {expected}, value


def test_check_lists_no_shopify_collection_rule_as_unable_to_match_but_names_a_typo(
    rig: Rig, capsys: pytest.CaptureFixture[str]
) -> None:
    sku, _ = _backordered()
    rig.store.create_collection("Garden Sofas", skus=[sku])
    config = rig.config(["Garden Sofas"])
    capsys.readouterr()
    assert main(["--config", str(config), "check"]) == 0
    captured = capsys.readouterr()
    assert "collections" not in captured.out and "matches nothing" not in captured.out
    assert "warning" not in captured.err

    # Once the shop is synced, a value no product carries is named (a typo, or an empty
    # collection): said, not left to send the products to the default policy in silence.
    typo = rig.config(["Garden Sofa", "garden-sofas"])
    assert main(["--config", str(typo), "plan", "--sync"]) == 0
    capsys.readouterr()
    assert main(["--config", str(typo), "check"]) == 0
    assert (
        "! outlet: policies[garden].match.collections: no product of outlet is in 'Garden Sofa' "
        "(as of the last sync); that value matches nothing yet"
    ) in capsys.readouterr().out
    only_typo = rig.config(["Garden Sofa"])
    assert main(["--config", str(only_typo), "check", "--json"]) == 0
    [report] = json.loads(capsys.readouterr().out)["shops"]
    assert (
        "policies[garden].match.collections: no product of outlet is in 'Garden Sofa' "
        "(as of the last sync); this rule matches nothing yet"
    ) in report["notes"]
    assert main(["--config", str(config), "check"]) == 0
    assert "matches nothing" not in capsys.readouterr().out


def test_a_smart_collection_follows_the_products_own_edit(
    rig: Rig, capsys: pytest.CaptureFixture[str]
) -> None:
    sku, _ = _backordered()
    rig.store.create_collection("Clearance", rules=[("TAG", "EQUALS", "clearance")])
    config = rig.config(["clearance"])
    assert _rules(config, capsys)[sku] == {"default policy"}
    # The owner tags the product: it joins the smart collection through its own edit (which
    # moves the product; collections/update is not sent for that, as Shopify documents).
    rig.later()
    with rig.store.data.lock:
        product = rig.store.data.products[
            rig.store.data.variants[rig.store.data.by_sku[sku]].product_id
        ]
        product.tags = [*product.tags, "clearance"]
        product.updated_at = rig.store.clock()
    assert _rules(config, capsys)[sku] == {"policy garden"}
