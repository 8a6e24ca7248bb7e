"""A builder command line that sends itself a signal at its Nth file operation.

Run as ``python -c SCRIPT N builder-args...``: every ``os.replace``, ``rename``,
``fsync`` and ``unlink`` is counted, the Nth one is preceded by the signal, and
the count is printed on stderr at exit (N = 0 only counts). The kill and Ctrl-C
tests use it to stop a real build at each of its file operations in turn.
"""

from __future__ import annotations

import textwrap


def signal_at_file_operation(signal_name: str) -> str:
    """The script for ``SIGKILL`` (a crash) or ``SIGINT`` (Ctrl-C, as at a terminal even in the background)."""
    as_at_a_terminal = "signal.signal(signal.SIGINT, signal.default_int_handler)" if signal_name == "SIGINT" else ""
    return textwrap.dedent(f"""\
        import atexit, os, signal, sys
        {as_at_a_terminal}
        target, calls = int(sys.argv.pop(1)), 0
        def signalling(operation):
            def wrapper(*args, **kwargs):
                global calls
                calls += 1
                if calls == target:
                    os.kill(os.getpid(), signal.{signal_name})
                return operation(*args, **kwargs)
            return wrapper
        for name in ("replace", "rename", "fsync", "unlink"):
            setattr(os, name, signalling(getattr(os, name)))
        atexit.register(lambda: sys.stderr.write(f"file operations: {{calls}}\\n"))
        from builder.cli import main
        sys.argv[0] = "builder"
        main()
    """)
