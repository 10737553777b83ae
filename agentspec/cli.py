"""The `agentspec` command line: parses arguments, calls the library, prints, sets the exit code."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from agentspec.errors import UsageError, UserError
from agentspec.spec.schema import spec_schema_text
from agentspec.spec.suite import load_suite

Handler = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see {self.prog} --help)")


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate spec files and report every problem."""
    suite = load_suite(args.paths)
    if args.format == "json":
        report = {
            "specs": [
                {
                    "path": str(path),
                    "id": suite.ids.get(path),
                    "valid": not problems,
                    "errors": [
                        {"line": p.line, "column": p.column, "field": p.field, "message": p.message}
                        for p in problems
                    ],
                }
                for path, problems in suite.problems.items()
            ]
        }
        print(json.dumps(report, indent=2))
    else:
        for problems in suite.problems.values():
            for problem in problems:
                print(problem)
        total = len(suite.problems)
        invalid = sum(1 for problems in suite.problems.values() if problems)
        summary = f"{total - invalid} valid, {invalid} invalid" if invalid else f"{total} valid specs"
        print(summary, file=sys.stderr)
    if not suite.problems:
        raise UsageError("no spec files found (looked for *.toml)")
    return 0 if suite.valid else 1


def cmd_schema(args: argparse.Namespace) -> int:
    """Print the JSON Schema of a spec file."""
    sys.stdout.write(spec_schema_text())
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = _Parser(prog="agentspec", description="Evaluate language models as coding agents.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    validate = commands.add_parser("validate", help="check spec files and report every problem")
    validate.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="spec files or folders")
    validate.add_argument("--format", choices=["text", "json"], default="text")
    validate.set_defaults(handler=cmd_validate)

    schema = commands.add_parser("schema", help="print the JSON Schema of a spec file")
    schema.set_defaults(handler=cmd_schema)
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
