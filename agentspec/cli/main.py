"""The `agentspec` command line: parses arguments, calls the library, prints, sets the exit code."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from agentspec.cli import results_commands, review_commands, run_commands, serve_commands, site_commands, spec_commands
from agentspec.errors import UsageError, UserError
from agentspec.version import __version__

Handler = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see {self.prog} --help)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = _Parser(prog="agentspec", description="Evaluate language models as coding agents.")
    parser.add_argument("--version", action="version", version=f"agentspec {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    spec_commands.add_commands(commands)
    run_commands.add_commands(commands)
    results_commands.add_commands(commands)
    review_commands.add_commands(commands)
    serve_commands.add_commands(commands)
    site_commands.add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    try:
        args = build_parser().parse_args(argv)
        handler: Handler = args.handler
        return handler(args)
    except UserError as exc:
        print(f"agentspec: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("agentspec: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return _closed_pipe()


def _closed_pipe() -> int:
    """The reader went away (`agentspec report --format json | head`): stop quietly, as `cat` would."""
    # Point stdout at /dev/null so that the interpreter's final flush does not raise again.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 141  # 128 + SIGPIPE, what a shell reports for a process stopped by a closed pipe
