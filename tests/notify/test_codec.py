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


def test_a_digest_queued_before_its_sentences_were_structured_still_reads() -> None:
    """Rows written with the old ``reorder_note``/``choices_note`` sentences decode (their mail was
    rendered when queued); a re-render leaves those sentences out rather than failing."""
    import json

    digest = sample_notification("digest", "en")
    body = json.loads(notification_to_json(digest))
    del body["reorder"], body["choices"]
    body["reorder_note"] = "To order within a week: 12 units of 2 SKUs, the first by 2026-11-23"
    body["choices_note"] = "3 customers chose to keep waiting."
    old = notification_from_json(json.dumps(body))
    assert old.reorder is None and old.choices is None
    assert old.lines == digest.lines
