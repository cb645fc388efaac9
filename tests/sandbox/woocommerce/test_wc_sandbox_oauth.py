"""The sandbox's OAuth 1.0a nonce rule, as ``WC_REST_Authentication::check_oauth_timestamp_and_nonce``.

A real store keeps each key's nonces for the 15-minute timestamp window and answers a repeat with
401 "Invalid nonce - nonce has already been used." (capture ``error_401_oauth_replayed_nonce.json``).
"""

from __future__ import annotations

import pytest

from connector.sandbox.woocommerce.auth import ApiKey, Authenticator, oauth_signature
from connector.sandbox.woocommerce.catalog import WooError

BASE = "http://127.0.0.1:8088/wp-json/wc/v3/products"


class Wall:
    def __init__(self) -> None:
        self.now = 1_795_303_750.0

    def __call__(self) -> float:
        return self.now


def signed(nonce: str, stamp: float) -> dict[str, str]:
    query = {
        "oauth_consumer_key": "ck_test",
        "oauth_timestamp": str(int(stamp)),
        "oauth_nonce": nonce,
        "oauth_signature_method": "HMAC-SHA256",
    }
    query["oauth_signature"] = oauth_signature("GET", BASE, query, "cs_test", "HMAC-SHA256")
    return query


@pytest.fixture
def wall() -> Wall:
    return Wall()


@pytest.fixture
def auth(wall: Wall) -> Authenticator:
    made = Authenticator(wall=wall)
    made.add(ApiKey("ck_test", "cs_test", "read_write"))
    return made


def refusal(auth: Authenticator, query: dict[str, str]) -> str | None:
    try:
        auth.check("GET", BASE, query, "", https=False)
    except WooError as error:
        return str(error.body()["message"])
    return None


def test_a_nonce_is_refused_for_fifteen_minutes_even_with_a_new_timestamp(
    auth: Authenticator, wall: Wall
) -> None:
    assert refusal(auth, signed("n-1", wall.now)) is None
    wall.now += 14 * 60
    assert refusal(auth, signed("n-1", wall.now)) == "Invalid nonce - nonce has already been used."
    assert refusal(auth, signed("n-2", wall.now)) is None


def test_a_nonce_older_than_fifteen_minutes_is_forgotten(auth: Authenticator, wall: Wall) -> None:
    assert refusal(auth, signed("n-1", wall.now)) is None
    wall.now += 15 * 60 + 1
    assert refusal(auth, signed("n-1", wall.now)) is None


def test_a_collision_can_be_forced_for_the_next_requests(auth: Authenticator, wall: Wall) -> None:
    auth.refuse_nonces(2)
    assert refusal(auth, signed("a", wall.now)) == "Invalid nonce - nonce has already been used."
    assert refusal(auth, signed("b", wall.now)) == "Invalid nonce - nonce has already been used."
    assert refusal(auth, signed("c", wall.now)) is None
