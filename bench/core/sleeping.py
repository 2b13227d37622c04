"""sleeping.py - Python Trio: resident memory per sleeping task, N tasks in
trio.sleep_forever (RSS delta / N).

Usage: python3 bench/core/sleeping.py [N]
"""
import gc
import sys

import trio
import trio.testing


def rss_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])


async def main(n):
    gc.collect()
    before = rss_kb()
    async with trio.open_nursery() as nursery:
        for _ in range(n):
            nursery.start_soon(trio.sleep_forever)
        await trio.testing.wait_all_tasks_blocked()
        after = rss_kb()
        print(f"RESULT name=sleeping bytes={(after - before) * 1024 / n:.0f}")
        nursery.cancel_scope.cancel()


trio.run(main, int(sys.argv[1]) if len(sys.argv) > 1 else 100000)
