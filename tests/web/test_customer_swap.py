"""Swap from the customer page, on the WooCommerce sandbox over real HTTP: the page lists the
in-stock alternatives that are not dearer, records the swap once per line, the daemon's next cycle
edits the order in the store once (new line in, old units refunded for the difference and put back
in stock, a note), reads it back (the queue moves on), and the customer gets swap_confirmation."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from connector.cli.main import main
from connector.web.customer_swap import swaps_for
from connector.web.swap_tables import customer_swaps
from connector.web.tables import CancelState
from tests.web.test_customer_cancel import Shop, _shop

SWAP_ON = '\ncustomer_actions = ["keep_waiting", "cancel", "swap"]\n'
ORDER = "27"  # waits for 3 x CHAI-000002-1 at 1524.16 EUR; CHAI-000002-2 has 26 in stock
CHEAPER = Decimal("1400.00")


def _reprice(shop: Shop, sku: str, price: Decimal) -> None:
    """The owner changes a price in the store; the next cycle reads it."""
    with shop.store.lock:
        catalog = shop.store.catalog
        item = catalog.items[catalog.by_sku[sku]]
        item.price = f"{price:.2f}"
        catalog.touch(item)
        if item.parent:
            catalog.touch(catalog.items[item.parent])
    shop.clock.advance(timedelta(minutes=5))
    shop.daemon.run_once()


def _swap_forms(page: str) -> list[tuple[str, str, str, list[str]]]:
    """(action, form token, line, offered variant ids) of each swap form on the page."""
    found = []
    for form in re.findall(r"<form method=\"post\" action=\"[^\"]+/swap\">.*?</form>", page, re.S):
        action = re.search(r'action="([^"]+)"', form)
        token = re.search(r'name="form" value="([^"]+)"', form)
        line = re.search(r'name="line" value="([^"]+)"', form)
        assert action and token and line
        variants = re.findall(r'name="variant" value="([^"]+)"', form)
        found.append(
            (
                f"/orders/{html_lib.unescape(action.group(1))}",
                html_lib.unescape(token.group(1)),
                line.group(1),
                variants,
            )
        )
    return found


def _item_id(shop: Shop, sku: str) -> str:
    with shop.store.lock:
        return str(shop.store.catalog.by_sku[sku])


def _stock(shop: Shop, sku: str) -> int:
    with shop.store.lock:
        catalog = shop.store.catalog
        item = catalog.items[catalog.by_sku[sku]]
        return int(catalog.stock_owner(item).stock or 0)


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Shop]:
    # The sandbox's orders are in EUR: the shop's prices are read in the same currency.
    yield from _shop(tmp_path, monkeypatch, SWAP_ON, edit=_in_euros)


def _in_euros(text: str) -> str:
    return text.replace("requests_per_second = 100", 'requests_per_second = 100\ncurrency = "EUR"')


def test_a_dearer_item_is_not_offered_and_a_forged_swap_is_refused(shop: Shop) -> None:
    token, page = shop.page(ORDER)
    assert _swap_forms(page) == []  # CHAI-000002-2 costs 1855.78: dearer, not offered
    [line] = [e.line_id for e in shop.db.queue("outlet") if e.order_id == ORDER]
    form = shop.links.form_token(token, "swap")
    dearer = _item_id(shop, "CHAI-000002-2")
    answer = shop.client.post(
        f"/orders/{token}/swap", data={"form": form, "line": line, "variant": dearer}
    )
    assert answer.status_code == 303
    assert swaps_for(shop.db.engine, "outlet", ORDER) == []


def test_swap_edits_the_order_once_moves_the_queue_and_mails_the_customer(
    shop: Shop, capsys: pytest.CaptureFixture[str]
) -> None:
    _reprice(shop, "CHAI-000002-2", CHEAPER)
    order = shop.db.order("outlet", ORDER)
    assert order is not None
    _, page = shop.page(ORDER)
    [(url, field, line_id, offered)] = _swap_forms(page)
    alternative = _item_id(shop, "CHAI-000002-2")
    assert offered == [alternative]
    assert "1,400.00" in page or "1 400,00" in page or "1400.00" in page
    assert "in stock" in page or "i lager" in page

    # Refused: a form from elsewhere, a line that does not wait, an item not on offer.
    shop.client.post(url, data={"form": "x" * len(field), "line": line_id, "variant": alternative})
    shop_line = (
        next(x.platform_id for x in order.lines if x.platform_id != line_id)
        if len(order.lines) > 1
        else "999999"
    )
    shop.client.post(url, data={"form": field, "line": shop_line, "variant": alternative})
    shop.client.post(url, data={"form": field, "line": line_id, "variant": line_id})
    assert swaps_for(shop.db.engine, "outlet", ORDER) == []

    stock_before = _stock(shop, "CHAI-000002-2")
    old_stock_before = _stock(shop, "CHAI-000002-1")
    for _ in range(2):  # a double click
        assert (
            shop.client.post(
                url, data={"form": field, "line": line_id, "variant": alternative}
            ).status_code
            == 303
        )
    [record] = swaps_for(shop.db.engine, "outlet", ORDER)
    assert record.state == CancelState.PENDING and record.units == 3
    assert record.difference == Decimal("124.16")
    _, page = shop.page(ORDER)
    assert "changing your order now" in page or "ändrar din order nu" in page

    shop.clock.advance(timedelta(minutes=5))
    shop.daemon.run_once()
    shop.clock.advance(timedelta(minutes=5))
    shop.daemon.run_once()  # a second cycle and a replayed form change nothing more
    shop.client.post(url, data={"form": field, "line": line_id, "variant": alternative})

    # The store: the new line, the old units refunded for the difference and restocked, a note.
    with shop.store.lock:
        woo = shop.store.orders.get(int(ORDER))
        new_lines = [x for x in woo.lines if x.sku == "CHAI-000002-2"]
        refunds = list(woo.refunds or ())
        notes = [n.text for n in woo.notes or ()]
    [new_line] = new_lines
    assert new_line.qty == 3 and new_line.total == "0.00"
    [refund] = refunds
    assert Decimal(refund.amount) == Decimal("124.16") * 3 and refund.refunded_payment is True
    assert [(str(line.id), qty) for _, line, qty, _ in refund.items] == [(line_id, 3)]
    assert sum("replaced by CHAI-000002-2" in n for n in notes) == 1
    assert _stock(shop, "CHAI-000002-2") == stock_before - 3  # taken by the new line
    assert _stock(shop, "CHAI-000002-1") == old_stock_before + 3  # freed for the next in line

    [done] = swaps_for(shop.db.engine, "outlet", ORDER)
    assert done.state == CancelState.DONE and done.attempts == 1
    assert done.amount == Decimal("372.48") and done.new_line_id == str(new_line.id)
    # Read back: the order waits for nothing now, and the customer got one confirmation.
    assert all(e.order_id != ORDER for e in shop.db.queue("outlet"))
    mails = [
        m
        for m in shop.mails_to(order.customer.email)
        if "swap" in m["Subject"].lower() or "bytet" in m["Subject"].lower()
    ]
    assert len(mails) == 1
    # The old line's refund reads back as a cancel: no "cancellation" mail next to the swap's.
    subjects = [m["Subject"].lower() for m in shop.mails_to(order.customer.email)]
    assert not any("cancel" in s or "avbe" in s for s in subjects)
    body = mails[0].get_body(preferencelist=("plain",)).get_content()
    assert "372.48" in body or "372,48" in body
    _, page = shop.page(ORDER)
    assert "was swapped for" in page or "byttes mot" in page

    # Support sees it in connector order N and in the approvals list (nothing open).
    assert main(["--config", str(shop.config), "order", order.number]) == 0
    out = capsys.readouterr().out
    assert "swapped" in out and "CHAI-000002-2" in out


def test_an_item_out_of_stock_or_a_policy_without_swap_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for shop in _shop(tmp_path, monkeypatch, "", edit=_in_euros):  # swap not offered
        _reprice(shop, "CHAI-000002-2", CHEAPER)
        token, page = shop.page(ORDER)
        assert _swap_forms(page) == []
        [line] = [e.line_id for e in shop.db.queue("outlet") if e.order_id == ORDER]
        data = {
            "form": shop.links.form_token(token, "swap"),
            "line": line,
            "variant": _item_id(shop, "CHAI-000002-2"),
        }
        assert shop.client.post(f"/orders/{token}/swap", data=data).status_code == 303
        assert swaps_for(shop.db.engine, "outlet", ORDER) == []


def test_out_of_stock_alternative_is_not_offered(shop: Shop) -> None:
    with shop.store.lock:
        catalog = shop.store.catalog
        item = catalog.items[catalog.by_sku["CHAI-000002-2"]]
        catalog.change_stock(item, -(int(catalog.stock_owner(item).stock or 0) - 2))
    _reprice(shop, "CHAI-000002-2", CHEAPER)  # 2 left, 3 wait: not enough
    token, page = shop.page(ORDER)
    assert _swap_forms(page) == []
    [line] = [e.line_id for e in shop.db.queue("outlet") if e.order_id == ORDER]
    data = {
        "form": shop.links.form_token(token, "swap"),
        "line": line,
        "variant": _item_id(shop, "CHAI-000002-2"),
    }
    shop.client.post(f"/orders/{token}/swap", data=data)
    assert swaps_for(shop.db.engine, "outlet", ORDER) == []


def test_a_swap_needing_approval_waits_for_support_then_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = SWAP_ON + "swap_needs_approval = true\n"
    for shop in _shop(tmp_path, monkeypatch, extra, edit=_in_euros):
        _reprice(shop, "CHAI-000002-2", CHEAPER)
        _, page = shop.page(ORDER)
        [(url, field, line_id, [alternative])] = _swap_forms(page)
        shop.client.post(url, data={"form": field, "line": line_id, "variant": alternative})
        shop.clock.advance(timedelta(minutes=5))
        shop.daemon.run_once()
        [record] = swaps_for(shop.db.engine, "outlet", ORDER)
        assert record.state == CancelState.AWAITING_APPROVAL
        _, page = shop.page(ORDER)
        assert "confirms it shortly" in page or "bekräftar snart" in page
        with shop.store.lock:
            assert not [x for x in shop.store.orders.get(int(ORDER)).lines if x.sku.endswith("-2")]

        config = ["--config", str(shop.config)]
        assert main([*config, "cancels", "list"]) == 0
        out = capsys.readouterr().out
        assert "swap CHAI-000002-1 x3 for CHAI-000002-2" in out and "approval" in out
        order = shop.db.order("outlet", ORDER)
        assert order is not None
        assert main([*config, "cancels", "approve", order.number]) == 0
        assert "to be written to the shop" in capsys.readouterr().out
        shop.clock.advance(timedelta(minutes=5))
        shop.daemon.run_once()
        [done] = swaps_for(shop.db.engine, "outlet", ORDER)
        assert done.state == CancelState.DONE
        assert main([*config, "cancels", "list"]) == 0
        assert "no open cancels or swaps" in capsys.readouterr().out


def test_a_write_whose_answer_was_lost_is_not_swapped_twice_after_a_restart(shop: Shop) -> None:
    _reprice(shop, "CHAI-000002-2", CHEAPER)
    _, page = shop.page(ORDER)
    [(url, field, line_id, [alternative])] = _swap_forms(page)
    shop.client.post(url, data={"form": field, "line": line_id, "variant": alternative})
    shop.clock.advance(timedelta(minutes=5))
    shop.daemon.run_once()
    # The store has the swap; say the daemon died before recording it: its claim is stale.
    with shop.db.engine.begin() as conn:
        conn.execute(
            customer_swaps.update().values(
                state=CancelState.WRITING,
                updated_at=shop.clock() - timedelta(minutes=30),
                new_line_id="",
                amount="",
            )
        )
    shop.clock.advance(timedelta(minutes=5))
    shop.daemon.run_once()
    with shop.store.lock:
        woo = shop.store.orders.get(int(ORDER))
        assert len([x for x in woo.lines if x.sku == "CHAI-000002-2"]) == 1
        assert len(woo.refunds or ()) == 1
        assert sum("replaced by" in n.text for n in woo.notes or ()) == 1
    [done] = swaps_for(shop.db.engine, "outlet", ORDER)
    assert done.state == CancelState.DONE and done.attempts == 2
    assert done.amount == Decimal("372.48") and done.new_line_id


def test_swap_is_offered_only_where_the_platform_can_write_it(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    import connector.web.customer as customer_page
    from connector.model import Platform

    _reprice(shop, "CHAI-000002-2", CHEAPER)
    # A platform without a swap writer: the page must not offer what would fail.
    monkeypatch.setattr(customer_page, "SWAPPABLE", frozenset({Platform.SHOPIFY}))
    token, page = shop.page(ORDER)
    assert _swap_forms(page) == []
    [line] = [e.line_id for e in shop.db.queue("outlet") if e.order_id == ORDER]
    data = {
        "form": shop.links.form_token(token, "swap"),
        "line": line,
        "variant": _item_id(shop, "CHAI-000002-2"),
    }
    shop.client.post(f"/orders/{token}/swap", data=data)
    assert swaps_for(shop.db.engine, "outlet", ORDER) == []


def test_swap_skus_offer_substitutes_from_other_products(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = SWAP_ON + 'swap_skus = ["TABL-*"]\n'
    for shop in _shop(tmp_path, monkeypatch, extra, edit=_in_euros):
        _, page = shop.page(ORDER)
        [(_, _, _, offered)] = _swap_forms(page)
        # The chair's own other colour costs more; the tables match the pattern and are cheaper.
        with shop.store.lock:
            skus = {shop.store.catalog.items[int(i)].sku for i in offered}
        assert "TABL-000005-1" in skus and all(sku.startswith("TABL-") for sku in skus)
