"""spawn.py - Python Trio: task spawn+join per second, N start_soon of an empty
function in nurseries of BATCH tasks each.

Usage: python3 bench/core/spawn.py [N] [BATCH]
"""
import sys

import trio


async def nothing():
    pass


async def main(n, batch):
    t0 = trio.current_time()
    for _ in range(n // batch):
        async with trio.open_nursery() as nursery:
            for _ in range(batch):
                nursery.start_soon(nothing)
    rate = n // batch * batch / (trio.current_time() - t0)
    print(f"RESULT name=spawn rate={rate:.0f}")


args = [int(a) for a in sys.argv[1:]]
trio.run(main, args[0] if args else 200000, args[1] if len(args) > 1 else 1000)
