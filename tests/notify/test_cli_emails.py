"""`connector emails check` and `connector emails preview`, as a store owner runs them."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest

from connector.cli.main import main


def test_check_passes_on_the_shipped_templates(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["--config", str(tmp_path / "none.toml"), "emails", "check"]) == 0
    assert "ok: 32 messages rendered" in capsys.readouterr().out


def test_check_reports_a_bad_override_and_exits_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "sv").mkdir()
    (tmp_path / "sv" / "reminder.subject.j2").write_text("{{ order.numbr }}", encoding="utf-8")
    code = main(
        [
            "--config",
            str(tmp_path / "none.toml"),
            "emails",
            "check",
            "--templates-dir",
            str(tmp_path),
        ]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert "sv/reminder" in err and "numbr" in err


def test_preview_writes_a_swedish_html_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "delay.html"
    code = main(
        [
            "--config",
            str(tmp_path / "none.toml"),
            "emails",
            "preview",
            "delay",
            "--locale",
            "sv",
            "--order",
            "#2001",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    html = out.read_text(encoding="utf-8")
    assert "Din order är försenad" in html and "#2001" in html and "29 januari 2027" in html


def test_preview_text_to_stdout_and_eml(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert (
        main(["--config", str(tmp_path / "n.toml"), "emails", "preview", "ship_soon", "--text"])
        == 0
    )
    assert "Good news: the stock you were waiting for has arrived." in capsys.readouterr().out
    eml = tmp_path / "m.eml"
    assert (
        main(
            [
                "--config",
                str(tmp_path / "n.toml"),
                "emails",
                "preview",
                "reminder",
                "--out",
                str(eml),
            ]
        )
        == 0
    )
    message = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert message.get_content_type() == "multipart/alternative"
    assert str(message["List-Unsubscribe"]).startswith("<mailto:")


def test_preview_of_an_unknown_event_is_a_usage_error(tmp_path: Path) -> None:
    assert main(["--config", str(tmp_path / "n.toml"), "emails", "preview", "nope"]) == 2


SHOP_CONFIG = """
database_url = "sqlite:///{db}"

[email]
transport = "folder"
folder = "{folder}"

[[shops]]
name = "outlet"
platform = "woocommerce"
url = "https://outlet.example.com"
consumer_key = "env:OUTLET_KEY"
consumer_secret = "env:OUTLET_SECRET"
currency = "EUR"
locale = "de"

[shops.branding]
name = "Fjällstugan Outlet"
primary_color = "#0b6e4f"
"""


@pytest.fixture
def shop_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OUTLET_KEY", "ck_0123456789abcdef0123456789abcdef01234567")
    monkeypatch.setenv("OUTLET_SECRET", "cs_0123456789abcdef0123456789abcdef01234567")
    path = tmp_path / "connector.toml"
    path.write_text(SHOP_CONFIG.format(db=tmp_path / "state.db", folder=tmp_path / "mail"))
    return path


def test_sample_preview_says_sample_and_uses_the_shops_brand_locale_and_currency(
    capsys: pytest.CaptureFixture[str], shop_config: Path
) -> None:
    code = main(["--config", str(shop_config), "emails", "preview", "delay", "--locale", "sv"])
    assert code == 0
    captured = capsys.readouterr()
    assert captured.err.startswith("SAMPLE DATA")  # the terminal says so ...
    assert "SAMPLE" not in captured.out  # ... the email itself does not
    html = captured.out
    assert "Fjällstugan Outlet" in html and "#0b6e4f" in html  # the configured shop's brand
    assert "Vår leverantörs fabrik" in html and "Our supplier" not in html  # Swedish sample text
    assert "Linnesoffa" in html and "Linen sofa" not in html
    assert "449,00\xa0€" in html  # sample money in the shop's currency, Swedish format
    assert "$" not in html.replace("${", "")


def test_preview_of_an_unknown_shop_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], shop_config: Path
) -> None:
    code = main(["--config", str(shop_config), "emails", "preview", "delay", "--shop", "nope"])
    assert code == 2
    assert "outlet" in capsys.readouterr().err


def test_requeue_puts_failed_messages_back_and_refuses_the_rest(
    capsys: pytest.CaptureFixture[str], shop_config: Path, tmp_path: Path
) -> None:
    from dataclasses import replace

    from connector.clock import system_clock
    from connector.db import open_database
    from connector.notify.outbox import Outbox
    from connector.notify.samples import sample_notification, sample_shop

    db = open_database(f"sqlite:///{tmp_path / 'state.db'}")
    outbox = Outbox(db.engine, system_clock)
    shop = replace(sample_shop("en"), name="outlet")
    outbox.enqueue([sample_notification("ship_soon"), sample_notification("delay", email="")], shop)
    db.close()
    # The ship-soon mail failed at the server; the delay has no address and cannot be requeued.
    import sqlalchemy as sa

    from connector.notify.tables import outbox_messages

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'state.db'}")
    with engine.begin() as conn:
        conn.execute(
            sa.update(outbox_messages)
            .where(outbox_messages.c.kind == "ship_soon")
            .values(status="failed", last_error="SMTP refused at end of message: 554 spam")
        )
        ids = dict(conn.execute(sa.select(outbox_messages.c.kind, outbox_messages.c.id)).all())
    engine.dispose()

    base = ["--config", str(shop_config), "emails", "requeue"]
    assert main([*base, "--all-failed", "--shop", "outlet"]) == 0
    assert f"requeued 1 message(s): {ids['ship_soon']}" in capsys.readouterr().out
    assert main([*base, "--id", str(ids["delay"])]) == 1
    assert "never rendered or has no address" in capsys.readouterr().err
    assert main(base) == 2  # neither --id nor --all-failed

    db = open_database(f"sqlite:///{tmp_path / 'state.db'}")
    status = Outbox(db.engine, system_clock).status("outlet")
    db.close()
    assert (status.pending, status.failed) == (1, 1)


@pytest.mark.parametrize("typed", ["1006", "#1006"])
def test_preview_of_a_real_order_takes_the_number_as_support_types_it(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    typed: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`--order 1006` and `--order '#1006'` both show Grace's real mail, not the sample's Ada."""
    from dataclasses import replace

    import sqlalchemy as sa

    from connector.clock import FrozenClock
    from connector.db import open_database
    from connector.notify.outbox import Outbox
    from connector.notify.samples import sample_notification, sample_shop
    from tests.engine.builders import NOW

    monkeypatch.setenv("DEMO_TOKEN", "shpat_0123456789abcdef0123456789abcdef")
    url = f"sqlite:///{tmp_path / 'state.db'}"
    open_database(url).close()
    config = tmp_path / "connector.toml"
    config.write_text(
        f'database_url = "{url}"\n[[shops]]\nname = "demo"\nplatform = "shopify"\n'
        'url = "https://demo.myshopify.com"\naccess_token = "env:DEMO_TOKEN"\n'
    )
    note = replace(
        sample_notification("delay", order_number="#1006", email="grace@example.com"),
        shop="demo",
        name="Grace Hopper",
    )
    engine = sa.create_engine(url)
    assert (
        Outbox(engine, FrozenClock(NOW)).enqueue([note], replace(sample_shop("en"), name="demo"))
        == 1
    )
    engine.dispose()

    code = main(["--config", str(config), "emails", "preview", "delay", "--order", typed, "--text"])
    captured = capsys.readouterr()
    assert code == 0
    assert "SAMPLE DATA" not in captured.err
    assert "order #1006 as stored in the outbox" in captured.err
    assert "Grace Hopper" in captured.out and "Ada" not in captured.out
