"""The order time in a queue explanation reads as it always did (``str()`` of the time, to the
minute), though it is now put together from cached pieces."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from connector.engine.sku import _ordered_text

zones = st.sampled_from(
    [UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-9, minutes=-30))]
)


@given(
    st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2100, 1, 1), timezones=zones)
)
def test_ordered_text_is_str_to_the_minute(moment: datetime) -> None:
    assert _ordered_text(moment) == str(moment)[:16]


def test_ordered_text_example() -> None:
    assert _ordered_text(datetime(2026, 9, 21, 12, 7, 59, 999999, tzinfo=UTC)) == "2026-09-21 12:07"
