"""The command line: the only floor that sees argparse (see docs/architecture.md).

``expressim`` (the console script) and ``python -m expressim.model`` call :func:`entry`.
"""

from expressim.model.cli.program import build_parser, entry, main

__all__ = ["build_parser", "entry", "main"]
