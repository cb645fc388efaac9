"""What the emails say, read as the customer reads them: the engine's notification rendered in the
shop's language. Internal words (PO ids, queue explanations) never reach a customer; a reason is
the owner's, in the customer's language, or a neutral one; nothing is said that is not known."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from connector.engine import EngineState, decide
from connector.model import Notification, NotificationKind, Plan, Platform
from connector.notify.render import Renderer
from connector.settings import PolicyMatch, PolicyMode, PolicySettings, ShopSettings
from tests.engine.builders import NOW, apply_plan, at, line, order, po, product, state, variant

SOFAS = PolicySettings(
    name="sofas", mode=PolicyMode.BACKORDER, match=PolicyMatch(skus=("SOFA-*",)), handling_days=1
)
DEFAULT = PolicySettings(name="default", mode=PolicyMode.STOP)
SV = ShopSettings(
    name="demo", platform=Platform.SHOPIFY, url="https://d.myshopify.com", locale="sv"
)
EN = replace(SV, locale="en")


def mail(note: Notification, shop: ShopSettings = SV) -> tuple[str, str]:
    rendered = Renderer().render(note, shop)
    return rendered.subject, rendered.text


def only(plan: Plan, kind: NotificationKind) -> Notification:
    [note] = [n for n in plan.notifications if n.kind is kind]
    return note


def confirmed(reason: str = "") -> EngineState:
    """Anna waits for one sofa covered by the supplier's PO-1002, due December 1."""
    first = state(
        products=(product("P1"),),
        variants=(variant("SOFA-OAK", -1),),
        orders=(order("ANNA", at("2026-11-01"), line("A1", "SOFA-OAK", 1)),),
        purchase_orders=(replace(po("PO-1002", "SOFA-OAK", 2, date(2026, 12, 1)), reason=reason),),
    )
    return apply_plan(first, decide(first, [SOFAS], DEFAULT, NOW))


def slipped(current: EngineState, due: date | None, reason: str = "") -> EngineState:
    [supply] = current.purchase_orders
    return replace(current, purchase_orders=(replace(supply, expected_date=due, reason=reason),))


def test_the_owners_reason_reaches_the_customer_and_no_po_id_does() -> None:
    later = slipped(confirmed(), date(2026, 12, 12), reason="Fabriken har julstängt.")
    note = only(decide(later, [SOFAS], DEFAULT, NOW), NotificationKind.DELAY)
    subject, text = mail(note)
    assert subject == "Order #ANNA: nytt beräknat datum 13 december 2026"
    assert "Orsak: Fabriken har julstängt." in text
    for internal in ("PO-1002", "covered by", "due 2026", "ordered 2026"):
        assert internal not in text and internal not in note.reason


def test_the_policy_gives_the_reason_when_the_purchase_order_does_not() -> None:
    words = replace(SOFAS, delay_reason="Our supplier ships later than promised.")
    later = slipped(confirmed(), date(2026, 12, 12))
    note = only(decide(later, [words], DEFAULT, NOW), NotificationKind.DELAY)
    assert "Why: Our supplier ships later than promised." in mail(note, EN)[1]


def test_without_a_reason_the_customer_reads_a_neutral_one_in_their_language() -> None:
    note = only(
        decide(slipped(confirmed(), date(2026, 12, 12)), [SOFAS], DEFAULT, NOW),
        NotificationKind.DELAY,
    )
    assert note.reason == ""
    text = mail(note)[1]
    assert "Orsak: leveransen från vår leverantör kommer senare än planerat." in text
    assert "covered" not in text and "PO-1002" not in text


def test_a_delay_with_no_new_date_says_so_in_the_subject() -> None:
    note = only(decide(slipped(confirmed(), None), [SOFAS], DEFAULT, NOW), NotificationKind.DELAY)
    assert note.promised_date is None
    subject, text = mail(note)
    assert subject == "Order #ANNA är försenad: vi skriver när vi har ett nytt datum"
    assert "Orsak: vår leverantör har inte bekräftat ett nytt leveransdatum ännu." in text
    assert "no dated supply" not in text
    assert mail(note, EN)[0] == "Order #ANNA is delayed: we will write when we have a new date"


def test_nothing_is_said_about_payment_unless_the_owner_configured_it() -> None:
    """A product with its own release date is a pre-order under a backorder policy that says
    nothing about payment: the mail must not invent "paid in full at checkout"."""
    shop = state(
        products=(product("P1"),),
        variants=(variant("SOFA-OAK", 5, release_date=date(2026, 12, 27)),),
        orders=(order("ANNA", at("2026-11-18"), line("A1", "SOFA-OAK", 1, preorder=True)),),
    )
    note = only(decide(shop, [SOFAS], DEFAULT, NOW), NotificationKind.PREORDER_CONFIRMATION)
    assert note.payment_terms == ""
    assert "Betalning" not in mail(note)[1]
    terms = replace(SOFAS, payment_terms="Betalas när varan skickas.")
    note = only(decide(shop, [terms], DEFAULT, NOW), NotificationKind.PREORDER_CONFIRMATION)
    assert "Betalning: Betalas när varan skickas." in mail(note)[1]


def test_ship_soon_for_part_of_an_order_says_what_still_waits() -> None:
    """Anna ordered a sofa and a lamp, both waiting. The lamps arrive: her mail says the lamp
    ships and the sofa still waits, never that the whole order is being packed."""
    lamps = replace(SOFAS, name="lamps", match=PolicyMatch(skus=("LAMP-*",)))
    first = state(
        products=(product("P1"), product("P2")),
        variants=(variant("SOFA-OAK", -1), variant("LAMP-1", -1, pid="P2")),
        orders=(
            order("ANNA", at("2026-11-01"), line("A1", "SOFA-OAK", 1), line("A2", "LAMP-1", 1)),
        ),
        purchase_orders=(
            po("PO-1", "SOFA-OAK", 1, date(2026, 12, 10)),
            po("PO-2", "LAMP-1", 1, date(2026, 11, 25)),
        ),
    )
    current = apply_plan(first, decide(first, [SOFAS, lamps], DEFAULT, NOW))
    arrived = replace(
        current,
        variants=(current.variants[0], replace(current.variants[1], available=0)),
        purchase_orders=(current.purchase_orders[0],),
    )
    later = NOW + timedelta(days=5)
    note = only(decide(arrived, [SOFAS, lamps], DEFAULT, later), NotificationKind.SHIP_SOON)
    subject, text = mail(note, EN)
    assert "packing order" not in text
    assert subject.startswith("Good news: part of order #ANNA ships by")
    assert "We are packing these items from order #ANNA now" in text
    assert "Title LAMP-1" in text.split("Still waiting")[0]
    assert "Still waiting" in text and "Title SOFA-OAK" in text.split("Still waiting")[1]
    sv_subject, sv_text = mail(note)
    assert "Vi packar order" not in sv_text and "Väntar fortfarande" in sv_text
    assert sv_subject.startswith("Goda nyheter: en del av order #ANNA skickas")

    # A whole order arriving still reads as before.
    both = replace(
        arrived,
        variants=(replace(arrived.variants[0], available=0), arrived.variants[1]),
        purchase_orders=(),
    )
    whole = [
        n
        for n in decide(both, [SOFAS, lamps], DEFAULT, later).notifications
        if n.kind is NotificationKind.SHIP_SOON
    ]
    assert whole and all("We are packing order #ANNA now" in mail(n, EN)[1] for n in whole)


def test_a_reminder_waits_for_the_minimum_gap_after_any_other_mail() -> None:
    """Anna's confirmation said "date to be confirmed". A minute later the owner adds a PO: the
    date is news, but a second mail a minute after the first is noise. It comes once the gap
    (24 hours by default) has passed, with the date, and only once."""
    first = state(
        products=(product("P1"),),
        variants=(variant("SOFA-OAK", -1),),
        orders=(order("ANNA", at("2026-11-01"), line("A1", "SOFA-OAK", 1)),),
    )
    plan = decide(first, [SOFAS], DEFAULT, NOW)
    assert [n.kind for n in plan.notifications] == [NotificationKind.BACKORDER_CONFIRMATION]
    current = apply_plan(first, plan, NOW)

    minute = NOW + timedelta(minutes=1)
    dated = replace(current, purchase_orders=(po("PO-1", "SOFA-OAK", 1, date(2026, 12, 10)),))
    plan = decide(dated, [SOFAS], DEFAULT, minute)
    assert plan.notifications == ()
    assert [e.eta for e in plan.queue] == [date(2026, 12, 11)]
    current = apply_plan(dated, plan, minute)

    hour = NOW + timedelta(hours=3)
    assert decide(current, [SOFAS], DEFAULT, hour).notifications == ()

    day = NOW + timedelta(hours=24, minutes=1)
    plan = decide(current, [SOFAS], DEFAULT, day)
    note = only(plan, NotificationKind.REMINDER)
    assert note.promised_date == date(2026, 12, 11)
    current = apply_plan(current, plan, day)
    assert decide(current, [SOFAS], DEFAULT, day + timedelta(hours=1)).notifications == ()
