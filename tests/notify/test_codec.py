"""What the outbox stores is the whole notification: `connector emails preview --order N` renders
the stored one again, so a field the codec drops (a captured amount, the digest's payments at
risk) would vanish from the preview the support agent compares with the customer's mail."""

from __future__ import annotations

import pytest

from connector.notify.codec import notification_from_json, notification_to_json
from connector.notify.samples import sample_notification
from templates import EVENTS


@pytest.mark.parametrize("locale", ["en", "sv"])
@pytest.mark.parametrize("event", EVENTS)
def test_every_sample_notification_comes_back_whole(event: str, locale: str) -> None:
    notification = sample_notification(event, locale)
    assert notification_from_json(notification_to_json(notification)) == notification
