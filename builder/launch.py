"""The console script's first code: pause the cyclic garbage collector, then run the command line.

A command's process imports about 280 modules and then builds a deck; nearly
everything it allocates lives until it exits. The collector's passes during
those imports freed nothing and cost about 8 ms of a 200 ms first build
(measured with bench/run.py's P1). Reference counting still frees everything
else as usual. ``builder watch``, the one command that runs for hours, turns
the collector back on (builder/cli.py).
"""

from __future__ import annotations

import gc


def main() -> None:
    gc.disable()
    from .cli import main as run_command_line

    run_command_line()
