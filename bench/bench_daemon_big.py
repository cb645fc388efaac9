"""The daemon on the benchmark shop (issue 19): ``python bench/bench_daemon_big.py``.

    python bench/bench_daemon_big.py [--variants 100000] [--lines 1000000] [--waiting 200000]
        [--rounds 3] [--hourly] [--profile PREFIX] [--postgres URL] [--wc-version 10.3.0]
        [--census] [--rss-trace FILE]

A second process sets the benchmark shop up in place (bench/big_shop.py: the WooCommerce
sandbox's records and the state database as a first sync and its first writes leave them) and
serves it on 127.0.0.1. This process then runs the daemon's real cycles against it
(``Daemon.run_once``, what ``connector run`` runs, as ``bench_daemon.py --cycles`` does): the
start (the warm engine built from the database), quiet cycles, cycles after 100 new orders (half
of them on SKUs people wait for), and with ``--hourly`` the promise check (the next
``reconcile_orders`` waiting orders re-read, a full plan, the engine check: at this size a share
of ``engine_check_orders`` orders compared with the database). Each cycle prints its SQL
statements by verb and requests by route, and this process's RSS and peak (VmHWM): the
daemon's own, the store lives in the other process. ``--postgres`` takes an empty database (``createdb``) instead of SQLite.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import platform
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_daemon import Counts, _line, _timed_cycle
from big_shop import SHOP, ShopAt, say, serve_shop, settings_for

from connector.clock import FrozenClock


class Remote:
    """The sandbox in the other process, as much of a store as ``Counts`` and the cycles use."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.log = self
        self.store_rss = (0.0, 0.0)

    def ask(self, command: str, value: Any = None) -> Any:
        self.conn.send((command, value))
        return self.conn.recv()

    def clear(self) -> None:
        self.ask("log")

    def entries(self) -> list[Any]:
        from types import SimpleNamespace

        rows, self.store_rss = self.ask("log")
        return [SimpleNamespace(method=m, operation=o, path=o) for m, o in rows]


def trace_rss(path: str) -> None:
    """Sample this process's RSS with the code it is in, so a rise can be put down to a step
    (how the start's 105 MB for rewriting the queue and 110 MB for the history were found)."""
    import threading

    main = threading.get_ident()

    def run() -> None:
        with open(path, "w") as out:
            while True:
                time.sleep(0.25)
                frame = sys._current_frames().get(main)
                where = []
                while frame is not None and len(where) < 4:
                    if "connector" in frame.f_code.co_filename:
                        where.append(f"{frame.f_code.co_name}:{frame.f_lineno}")
                    frame = frame.f_back
                with open("/proc/self/status") as status:
                    rss = next(int(ln.split()[1]) for ln in status if ln.startswith("VmRSS"))
                out.write(f"{time.strftime('%H:%M:%S')} {rss // 1024} MB {' < '.join(where)}\n")
                out.flush()

    threading.Thread(target=run, daemon=True).start()


def census(top: int = 18) -> None:
    """The daemon's heap by type: what its RSS is made of (objects and the strings, numbers and
    dates they hold, each counted once)."""
    import gc
    from collections import Counter

    gc.unfreeze()  # gc.get_objects() leaves out the frozen generation, where the engine lives
    try:
        tracked = gc.get_objects()
        seen = {id(obj): obj for obj in tracked}
        for obj in tracked:
            for inner in gc.get_referents(obj):
                if not gc.is_tracked(inner):
                    seen.setdefault(id(inner), inner)
        count: Counter[str] = Counter()
        size: Counter[str] = Counter()
        for obj in seen.values():
            name = type(obj).__name__
            count[name] += 1
            size[name] += sys.getsizeof(obj)
        del seen, tracked
    finally:
        gc.freeze()
    total = sum(size.values()) / 2**20
    print(f"heap census: {total:.0f} MiB in objects (sys.getsizeof), by type:")
    for name, bytes_ in size.most_common(top):
        print(f"  {name:<24} {count[name]:>10,} {bytes_ / 2**20:>8.1f} MiB")
    _fields_census()


def _fields_census() -> None:
    """Per field of the bulk model types: how many distinct objects its values are (a value
    shared by many rows is one object) and their size, first holder counted."""
    import dataclasses
    import gc

    from connector.model import BackorderEntry, Order, OrderLine, Variant

    kinds = (Order, OrderLine, BackorderEntry, Variant)
    gc.unfreeze()
    try:
        held = [obj for obj in gc.get_objects() if type(obj) in kinds]
    finally:
        gc.freeze()
    claimed: set[int] = set()
    for kind in kinds:
        rows = [obj for obj in held if type(obj) is kind]
        for field in dataclasses.fields(kind):  # type: ignore[arg-type]
            distinct = 0
            bytes_ = 0
            for row in rows:
                value = getattr(row, field.name)
                if value is None or isinstance(value, (bool, int)) or id(value) in claimed:
                    continue
                claimed.add(id(value))
                distinct += 1
                bytes_ += sys.getsizeof(value)
            if bytes_ > 2**20:
                print(
                    f"  {kind.__name__}.{field.name:<22} {distinct:>10,} distinct "
                    f"{bytes_ / 2**20:>8.1f} MiB"
                )


def main() -> None:
    from connector import daemon as daemon_module
    from connector.daemon import Daemon
    from connector.db import open_database

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.basicConfig(level=logging.WARNING)
    parser = argparse.ArgumentParser()
    parser.add_argument("--variants", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--waiting", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--hourly", action="store_true", help="also the hourly promise check")
    parser.add_argument("--profile", default="", help="cProfile PREFIX.start/quiet/new.prof")
    parser.add_argument("--report", action="store_true", help="then time the console's report once")
    parser.add_argument("--postgres", default="", help="an empty PostgreSQL database's URL")
    parser.add_argument(
        "--census", action="store_true", help="after the start, the daemon's heap by type"
    )
    parser.add_argument(
        "--rss-trace",
        default="",
        help="write the daemon's RSS and where it is (connector frames) every 0.25 s to FILE",
    )
    parser.add_argument(
        "--wc-version",
        default="10.3.0",
        help="the WooCommerce version the store reports (before 10.3: no /variations route)",
    )
    args = parser.parse_args()
    if args.rss_trace:
        trace_rss(args.rss_trace)
    print(
        f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cpus, Python "
        f"{platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, "
        f"load {os.getloadavg()[0]:.1f}"
    )
    with tempfile.TemporaryDirectory() as folder:
        url = args.postgres or f"sqlite:///{folder}/state.db"
        here, there = multiprocessing.get_context("fork").Pipe()
        child = multiprocessing.get_context("fork").Process(
            target=serve_shop, args=(there, args, url, folder)
        )
        child.start()
        base_url, credentials, now = here.recv()
        store = Remote(here)
        clock = FrozenClock(now)
        settings = settings_for(ShopAt(base_url, credentials), folder)
        db = open_database(url, clock=clock)
        say("daemon process before start")
        daemon = Daemon(settings, db, clock=clock, renew_every=0)
        counts = Counts(db, store, daemon.adapter(SHOP))
        warm = daemon.warm_engine(SHOP)
        assert warm is not None
        prof = args.profile
        views: list[float] = []
        publish = daemon_module.after_cycle

        def timed_views(*args: Any, **kw: Any) -> None:
            # The console's report and suggestions, worked out after a cycle now and then: timed
            # apart (with the frozen clock their refresh looks free, so it comes every cycle).
            began = time.perf_counter()
            try:
                publish(*args, **kw)
            finally:
                views.append(time.perf_counter() - began)

        daemon_module.after_cycle = timed_views  # type: ignore[assignment]

        def cycle(label: str, profile: str = "") -> None:
            store.ask("advance", 300)  # _timed_cycle moves the daemon's clock as much
            views.clear()
            took, report, requests = _timed_cycle(daemon, SHOP, clock, counts, profile)
            print(_line(label, took, report, requests, 0, counts=counts))
            after = sum(views)
            say(
                f"    of which the console's report after the cycle {after:.2f} s, the cycle "
                f"{took - after:.2f} s; daemon process (sandbox's: {store.store_rss[0]:.0f} MB)"
            )

        try:
            cycle("start (engine built from the database)", f"{prof}.start.prof" if prof else "")
            if args.census:
                census()
            for number in range(1, args.rounds + 1):
                where = f"{prof}.quiet.prof" if prof and number == 1 else ""
                cycle(f"quiet cycle {number}", where)
            for number in range(1, args.rounds + 1):
                store.ask("orders", 100)
                where = f"{prof}.new.prof" if prof and number == 1 else ""
                cycle(f"100 new orders {number}", where)
                cycle(f"  then quiet {number}")
            if args.hourly:
                clock.advance(timedelta(hours=1))
                store.ask("advance", 3600)
                counts.start()
                began = time.perf_counter()
                report = daemon.promise_check(SHOP)
                assert report is not None and report.ok, report and report.error
                print(
                    _line(
                        "hourly promise check (waiting re-read in turn, warm full plan, engine check)",
                        time.perf_counter() - began,
                        report,
                        report.reconciled.requests,
                        0,
                        counts=counts,
                    )
                )
                say(
                    f"  warm engine: {warm.builds} build(s), {warm.checks} check(s), "
                    f"{warm.differences} difference(s)"
                )
            if args.report:
                from connector.reports import shop_reorder, shop_report

                began = time.perf_counter()
                shop_report(db, SHOP, clock())
                shop_reorder(db, db.engine, settings, SHOP, clock())
                say(
                    f"the console's report and reorder (after a cycle, with a [console]): "
                    f"{time.perf_counter() - began:.1f} s"
                )
        finally:
            daemon.close()
            db.close()
            store.ask("stop")
            child.join()
    say("daemon process at the end")


if __name__ == "__main__":
    main()
