"""One cold plan of a small bench shop, for counting instructions (run by hand, under valgrind).

    valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        python bench/cold_plan_once.py --variants 2000            # generate and plan
    valgrind ... python bench/cold_plan_once.py --variants 2000 --no-plan   # generate only

The difference of the two ``Collected`` totals is the cold plan's instruction count: unlike wall
time on a shared machine, it does not move with the load (docs/engine.md, round 5).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_engine import DEFAULT, NOW, POLICY, generate

from connector.engine import decide


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--variants", type=int, default=2_000)
    parser.add_argument("--no-plan", action="store_true", help="only generate the shop")
    args = parser.parse_args()
    scale = args.variants / 100_000
    state = generate(args.variants, int(1_000_000 * scale), int(200_000 * scale))
    if not args.no_plan:
        plan = decide(state, [POLICY], DEFAULT, NOW)
        print(len(plan.notifications), len(plan.order_actions), len(plan.events))


if __name__ == "__main__":
    main()
