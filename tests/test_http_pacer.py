"""The pacer follows the store: a quick store sets the pace, the configured rate is only a ceiling,
refusals (429/503 with Retry-After) hold every call and slow us down, slow answers space us out.
No real waits: a :class:`VirtualTimer` stands for time."""

from __future__ import annotations

import pytest

from connector.clock import VirtualTimer
from connector.http import Pacer


def pacer(rate: float, timer: VirtualTimer) -> Pacer:
    return Pacer(rate, monotonic=timer.monotonic, sleep=timer.sleep)


def calls(pace: Pacer, timer: VirtualTimer, latencies: list[float], kind: str = "GET x") -> None:
    for latency in latencies:
        pace.wait()
        timer.advance(latency)  # the store answering
        pace.answered(latency, kind)


def test_a_store_slower_than_the_ceiling_sets_the_pace_and_we_never_wait() -> None:
    timer = VirtualTimer()
    pace = pacer(20, timer)  # at most one call every 50 ms
    calls(pace, timer, [0.12, 0.08, 0.15, 0.1] * 5)
    assert timer.slept == []


def test_the_configured_rate_is_a_ceiling_for_a_store_quicker_than_it() -> None:
    timer = VirtualTimer()
    pace = pacer(5, timer)
    began = timer.now
    calls(pace, timer, [0.01] * 11)
    # 11 calls at most 5 a second: the 11th starts 2 s after the first.
    assert timer.now - began == pytest.approx(2.0 + 0.01)


def test_no_ceiling_and_a_healthy_store_means_no_wait_at_all() -> None:
    timer = VirtualTimer()
    pace = pacer(0, timer)
    calls(pace, timer, [0.002, 0.004, 0.003] * 10)
    assert timer.slept == []


def test_a_refusal_with_retry_after_holds_every_call_then_the_pace_comes_back() -> None:
    timer = VirtualTimer()
    pace = pacer(0, timer)
    calls(pace, timer, [0.01] * 3)
    refused_at = timer.now
    pace.refused(2.0)
    assert pace.wait() == pytest.approx(2.0)  # the next call, whoever makes it, waits
    assert timer.now == pytest.approx(refused_at + 2.0)
    assert pace.gap == pytest.approx(Pacer.MIN_REFUSED_GAP)
    timer.advance(0.01)
    pace.answered(0.01, "GET x")
    spaced = pace.wait()
    assert 0 < spaced <= Pacer.MIN_REFUSED_GAP  # gently after a refusal
    for _ in range(80):
        timer.advance(0.01)
        pace.answered(0.01, "GET x")
        pace.wait()
    assert pace.gap == 0.0  # back to the store's own pace
    assert pace.wait() == 0.0


def test_refusals_in_a_row_double_the_gap_up_to_a_bound() -> None:
    timer = VirtualTimer()
    pace = pacer(10, timer)
    gaps = []
    for _ in range(12):
        pace.refused(None)
        gaps.append(pace.gap)
    assert gaps[:3] == [0.25, 0.5, 1.0]
    assert gaps[-1] == Pacer.MAX_GAP


def test_answers_much_slower_than_usual_space_the_next_call_by_the_excess() -> None:
    timer = VirtualTimer()
    pace = pacer(0, timer)
    calls(pace, timer, [0.05] * 10)
    assert timer.slept == []
    calls(pace, timer, [0.8] * 3)  # the store is busy with someone else
    assert timer.slept and max(timer.slept) > 0.1
    # A different kind of call (a big page) is compared with its own kind, never with quick ones.
    other = VirtualTimer()
    mixed = pacer(0, other)
    calls(mixed, other, [0.02] * 5, "GET products/{id}/variations")
    calls(mixed, other, [0.4] * 5, "GET products")
    assert other.slept == []


class Bucket:
    """A store's leaky bucket (Shopify's): a call runs only when the bucket holds its requested
    cost, which is taken, then refunded down to the actual cost; every answer reports the bucket."""

    def __init__(self, timer: VirtualTimer, size: float, rate: float) -> None:
        self.timer, self.size, self.rate = timer, size, rate
        self.level, self.at = size, timer.now
        self.refused = 0

    def _restore(self) -> None:
        self.level = min(self.size, self.level + (self.timer.now - self.at) * self.rate)
        self.at = self.timer.now

    def call(self, requested: float, actual: float) -> bool:
        self._restore()
        if self.level < requested:
            self.refused += 1
            return False
        self.level -= actual
        return True


def bucket_calls(pace: Pacer, timer: VirtualTimer, store: Bucket, count: int) -> None:
    """``count`` calls asking 500 points, each actually costing 300, answered in 20 ms."""
    for _ in range(count):
        while True:
            pace.wait(500)
            timer.advance(0.02)
            ran = store.call(500, 300)
            pace.bucket_reported(store.size, store.level, store.rate)
            if ran:
                pace.answered(0.02, "Orders")
                break
            timer.sleep(pace.throttled(500) or 0.0)


def test_a_cost_bucket_is_waited_for_so_a_long_run_is_never_throttled() -> None:
    timer = VirtualTimer()
    pace = pacer(0, timer)  # no ceiling: the bucket is the store's
    store = Bucket(timer, 2000, 100)
    began = timer.now
    bucket_calls(pace, timer, store, 40)
    assert store.refused == 0
    # 40 x 300 points spent, 2000 in the bucket at the start, 100 a second: the pace the points
    # allow (10 s), not a ceiling's; the wait is for what the calls actually cost.
    assert 100 <= timer.now - began <= 110


def test_a_full_bucket_never_waits_and_an_unknown_cost_waits_for_nothing() -> None:
    timer = VirtualTimer()
    pace = pacer(0, timer)
    pace.bucket_reported(2000, 2000, 100)
    assert pace.wait(500) == 0.0
    assert pace.wait() == 0.0
    assert timer.slept == []


def test_throttled_holds_every_call_until_the_bucket_holds_what_was_asked() -> None:
    timer = VirtualTimer()
    pace = pacer(0, timer)
    pace.bucket_reported(1000, 100, 50)
    retry = pace.throttled(600)
    assert retry == pytest.approx((600 + 1 - 100) / 50)
    # Any call, even one asking few points, waits out the refusal first.
    assert pace.wait(10) == pytest.approx(retry)
    assert pace.gap == 0.0  # the bucket said when: no doubling as after a 429


def test_an_answer_lost_after_it_ran_counts_its_points_spent() -> None:
    timer = VirtualTimer()
    pace = pacer(0, timer)
    pace.bucket_reported(1000, 1000, 50)
    pace.spent(900)
    # The next 500-point call waits for 400 points (and the margin) to come back.
    assert pace.wait(500) == pytest.approx((500 + 1 + 5 - 100) / 50)


def test_both_kinds_of_signal_go_to_one_pacer_and_the_longest_wait_wins() -> None:
    timer = VirtualTimer()
    pace = pacer(0, timer)
    pace.bucket_reported(1000, 0, 100)  # 5 s until 500 points
    pace.refused(2.0)  # and a 429 saying two seconds
    assert pace.wait(500) == pytest.approx((500 + 1 + 10) / 100)  # plus the margin
    timer.advance(0.01)
    pace.answered(0.01, "GET x")
    # After the refusal, calls are spaced (gently back), whatever the bucket holds.
    assert 0 < pace.wait() <= Pacer.MIN_REFUSED_GAP


def test_a_session_for_one_host_reads_the_proxy_settings_once_and_keeps_no_proxy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from connector.http import make_session

    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/company.pem")
    outside = make_session(base_url="https://shop.example")
    assert outside.proxies.get("https") == "http://proxy.example:3128"
    assert outside.verify == "/etc/ssl/company.pem" and outside.trust_env is False
    inside = make_session(base_url="https://internal.example")
    assert "https" not in inside.proxies
    assert make_session().trust_env is True  # without a host: requests reads it per call
