"""trio_echo.py - echo server on Python Trio (serve_tcp and streams): a bench peer.

Usage: python3 trio_echo.py PORT
"""
import functools
import resource
import sys

import trio


async def echo(stream):
    try:
        while True:
            data = await stream.receive_some(65536)
            if not data:
                return
            await stream.send_all(data)
    except trio.BrokenResourceError:
        pass


soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
print(f"trio_echo: Python {sys.version.split()[0]}, trio {trio.__version__}", file=sys.stderr)
trio.run(functools.partial(trio.serve_tcp, echo, int(sys.argv[1]), host="127.0.0.1"))
