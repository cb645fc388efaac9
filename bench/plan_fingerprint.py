"""Fingerprints of engine plans, to show a speed change left every plan as it was (run by hand).

    PYTHONPATH=. python bench/plan_fingerprint.py [--variants 20000]

Prints one SHA-256 per part (storefront, order actions, notifications, queue, events) of three
plans of the engine bench's shop at a fifth of its size: the cold plan, a full plan 20 days after
the cold one was applied (delays, reminders, dates gone by), and a full plan of that same applied
state 20 days on under a promise-at-risk policy with VIP boosts. Run it before and after a change
and compare the output. Each part is hashed through ``repr`` of its items, in plan order, so
order changes show too.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_engine import DEFAULT, NOW, POLICY, applied, generate

from connector.engine import decide
from connector.model import Plan

_PARTS = ("storefront", "order_actions", "notifications", "queue", "events")


def fingerprint(plan: Plan) -> dict[str, str]:
    """One digest per part of ``plan``, plus its item counts."""
    out: dict[str, str] = {}
    for part in _PARTS:
        items = getattr(plan, part)
        digest = hashlib.sha256()
        for item in items:
            digest.update(repr(item).encode())
            digest.update(b"\n")
        out[part] = f"{len(items):>7} {digest.hexdigest()[:16]}"
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--variants", type=int, default=20_000)
    args = parser.parse_args()
    scale = args.variants / 100_000
    state = generate(args.variants, int(1_000_000 * scale), int(200_000 * scale))
    cold = decide(state, [POLICY], DEFAULT, NOW)
    after = applied(state, cold)
    later = decide(after, [POLICY], DEFAULT, NOW + timedelta(days=20))
    # On the applied state: with promises made, promise-at-risk orders the queue its own way.
    vip = replace(POLICY, queue_rule="promise_at_risk", priority_tags=("VIP",))
    at_risk = decide(after, [vip], DEFAULT, NOW + timedelta(days=20))
    for name, plan in (("cold", cold), ("warm+20d", later), ("vip/at-risk", at_risk)):
        for part, value in fingerprint(plan).items():
            print(f"{name:<12} {part:<14} {value}")


if __name__ == "__main__":
    main()
