"""Commands about specs: validate, schema, check (task health)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.table import Table

from agentspec.cli.display import make_console
from agentspec.cli.import_command import add_import_command
from agentspec.errors import UsageError
from agentspec.spec.authoring import write_new_spec
from agentspec.spec.schema import spec_schema_text
from agentspec.spec.suite import load_suite

if TYPE_CHECKING:
    from agentspec.runner.check import Health


def add_commands(commands: Any) -> None:
    """Register this module's subcommands."""
    validate = commands.add_parser("validate", help="check spec files and report every problem")
    validate.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="spec files or folders")
    validate.add_argument(
        "--format", choices=["text", "json"], default="text", help="text (file:line:col: field: message) or json"
    )
    validate.set_defaults(handler=cmd_validate)

    schema = commands.add_parser("schema", help="print the JSON Schema of a spec file")
    schema.set_defaults(handler=cmd_schema)

    check = commands.add_parser("check", help="task health: tests fail on the starter, pass on the reference")
    check.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="spec files or folders")
    check.add_argument("--format", choices=["table", "json"], default="table", help="output format (default: table)")
    check.add_argument(
        "--sandbox",
        choices=["auto", "bwrap", "none"],
        help="how the tests are confined (default: [run].sandbox of agentspec.toml, else auto)",
    )
    check.add_argument("--concurrency", type=int, default=2, help="specs checked at once (default: 2)")
    check.add_argument(
        "--repeat", type=int, default=1, metavar="N", help="grade the reference N times; a test that varies is flaky"
    )
    check.set_defaults(handler=cmd_check)

    new = commands.add_parser("new", help="write a commented skeleton spec that validates")
    new.add_argument("id", help="the spec's id, also its file name")
    new.add_argument("--kind", default="bug-fix", help="bug-fix, tdd, refactor, feature, security-fix, debug, ...")
    # Not specs/ by default: a half-written task there would join every `agentspec run specs/`.
    new.add_argument(
        "--dir", type=Path, default=Path("."), help="where to write <id>.toml (default: the current folder)"
    )
    new.set_defaults(handler=cmd_new)

    add_import_command(commands)


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate spec files and report every problem."""
    suite = load_suite(args.paths)
    if not suite.problems:
        raise UsageError("no spec files found (looked for *.toml)")
    if args.format == "json":
        report = {
            "specs": [
                {
                    "path": str(path),
                    "id": suite.ids.get(path),
                    "valid": not problems,
                    "errors": [
                        {"line": p.line, "column": p.column, "field": p.field, "message": p.message} for p in problems
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
        print(
            f"{total - invalid} valid, {invalid} invalid" if invalid else f"{total} valid",
            file=sys.stderr,
        )
    return 0 if suite.valid else 1


def cmd_schema(args: argparse.Namespace) -> int:
    """Print the JSON Schema of a spec file."""
    sys.stdout.write(spec_schema_text())
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Grade each spec's starter and reference solution (`agentspec.check`); exit 1 if any spec is unhealthy."""
    from agentspec.api.health import check  # the runner (and libcst) load only for this command

    health = check(args.paths, sandbox=args.sandbox, concurrency=args.concurrency, repeat=args.repeat)
    if args.format == "json":
        print(json.dumps({"specs": [_health_json(h) for h in health.specs]}, indent=2))
    else:
        _print_health(health.specs, health.sandbox)
    return 0 if health.healthy else 1


def cmd_new(args: argparse.Namespace) -> int:
    """Write a skeleton spec."""
    path = write_new_spec(args.id, args.kind, args.dir)
    print(f"wrote {path}; edit it, then: agentspec validate {path} && agentspec check {path}", file=sys.stderr)
    return 0


def _health_json(health: Health) -> dict[str, Any]:
    return {
        "id": health.spec.id,
        "healthy": health.healthy,
        "problems": health.problems,
        "required": list(health.test_set.required),
        "fail_to_pass": health.fail_to_pass,
        "pass_to_pass": health.pass_to_pass,
        "excluded": health.excluded,
        "flaky": health.flaky,
        "reference": {"passed": health.reference.tests_passed, "total": health.reference.tests_total},
        "scaling": {
            "starter": [m.as_dict() for m in health.starter_scaling],
            "reference": [m.as_dict() for m in health.reference_scaling],
        },
    }


def _growth(health: Health) -> str:
    pairs = zip(health.starter_scaling, health.reference_scaling, strict=True)
    return "; ".join(
        f"{ref.function.split(':')[-1]}: starter {start.growth or '?'}, reference {ref.growth or '?'}"
        for start, ref in pairs
    )


def _print_health(results: list[Health], sandbox_mode: str) -> None:
    console = make_console()
    table = Table(title=f"Task health (sandbox: {sandbox_mode})")
    for column in ("spec", "starter fails", "reference passes", "measured growth", "healthy"):
        table.add_column(column)
    for health in results:
        reference = health.reference
        table.add_row(
            health.spec.id,
            f"{len(health.fail_to_pass)} of {len(health.test_set.required)} required failing",
            f"{reference.tests_passed}/{reference.tests_total}",
            _growth(health),
            "[green]yes[/]" if health.healthy else "[red]no[/]",
        )
    console.print(table)
    for health in results:
        for problem in health.problems:
            console.print(f"[red]{health.spec.id}[/]: {escape(problem)}", highlight=False)
        for test_id, reason in health.excluded.items():
            why = reason.removeprefix("skipped: ")
            line = f"{health.spec.id}: excluded {escape(test_id)}: skipped by the test file ({escape(why)})"
            console.print(line, highlight=False)
    healthy = sum(h.healthy for h in results)
    console.print(
        f"{healthy} healthy, {len(results) - healthy} unhealthy" if healthy < len(results) else f"{healthy} healthy"
    )
