"""The sandbox's customers in WooCommerce's REST v3 shape: ``role`` and ``meta_data`` (VIP priority
reads them), ``include`` batches and the ``role`` filter that defaults to "customer"."""

from __future__ import annotations

from woocommerce import API

from connector.sandbox.woocommerce import WooCommerceSandbox


def test_customers_carry_role_and_meta_and_the_role_filter_defaults_to_customer() -> None:
    with WooCommerceSandbox() as store:
        creds = store.credentials()
        api = API(store.base_url, creds["consumer_key"], creds["consumer_secret"], version="wc/v3")
        plain = store.customers.add("ada@example.com", name="Ada Lovelace")
        trade = store.customers.add(
            "bob@example.com", role="wholesale_customer", meta={"vip": "yes"}
        )
        one = api.get(f"customers/{trade}").json()
        assert one["role"] == "wholesale_customer" and one["email"] == "bob@example.com"
        assert [(m["key"], m["value"]) for m in one["meta_data"]] == [("vip", "yes")]
        assert isinstance(one["meta_data"][0]["id"], int)
        assert {"billing", "shipping", "username", "date_created_gmt"} <= one.keys()
        include = f"{plain},{trade}"
        # As in WooCommerce: without role=all only role "customer" is listed, include or not.
        default = api.get("customers", params={"include": include}).json()
        assert [c["id"] for c in default] == [plain]
        both = api.get("customers", params={"include": include, "role": "all"}).json()
        assert [(c["id"], c["role"]) for c in both] == [
            (plain, "customer"),
            (trade, "wholesale_customer"),
        ]
        assert api.get("customers/999").status_code == 404
        order = store.place_order("bob@example.com", [], checkout=False)
        store.attach_customer(order, trade)
        assert api.get(f"orders/{order}").json()["customer_id"] == trade
