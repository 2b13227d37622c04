"""checkpoints.py - Python Trio: checkpoints per second, one task doing trio.sleep(0).

Usage: python3 bench/core/checkpoints.py [SECONDS]
"""
import sys

import trio


async def main(secs):
    n, t0 = 0, trio.current_time()
    while True:
        for _ in range(1000):
            await trio.sleep(0)
        n += 1000
        if trio.current_time() - t0 >= secs:
            break
    print(f"RESULT name=checkpoints rate={n / (trio.current_time() - t0):.0f}")


trio.run(main, float(sys.argv[1]) if len(sys.argv) > 1 else 2.0)
