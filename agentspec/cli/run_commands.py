"""Commands about running: run (plan, run, grade, store) and report.

Parsing stays light: the agents, providers and runner are imported only when `run` runs, so
`agentspec --help`, `report` and the other commands start quickly.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from rich.console import Console

from agentspec.api.observer import RunObserver
from agentspec.api.reporting import report
from agentspec.cli.display import AttemptProgress, make_console, print_summary
from agentspec.config import EXECUTORS
from agentspec.errors import UsageError
from agentspec.store.report import attempt_json
from agentspec.store.sqlite import AttemptRecord


def add_commands(commands: Any) -> None:
    """Register this module's subcommands."""
    run = commands.add_parser("run", help="run specs against agents and models, grade and store the results")
    run.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="spec files or folders")
    run.add_argument("--agent", help="reference, none, or a model-driven agent (default: builtin with --model)")
    run.add_argument("--model", action="append", help="provider/name, e.g. ollama/qwen3.5:27b (repeatable)")
    run.add_argument("--base-url", help="the model server's URL (default: the provider's usual address)")
    run.add_argument("--trials", type=int, help="attempts per (spec, agent, model)")
    run.add_argument("--concurrency", type=int, help="attempts at once (default: one per core)")
    run.add_argument("--endpoint-concurrency", type=int, help="attempts at once against one model server")
    run.add_argument(
        "--results", type=Path, help="results folder (default: [run].results of agentspec.toml, else results/)"
    )
    run.add_argument("--rerun", action="store_true", help="run attempts again even if already recorded")
    run.add_argument(
        "--retry-errors",
        action="store_true",
        help="also run again recorded attempts that ended in an infrastructure error (never model failures)",
    )
    add_selection_options(run)
    run.add_argument("--sandbox", choices=["auto", "bwrap", "none"], help="how model-written code is confined")
    run.add_argument("--executor", choices=EXECUTORS, help="where attempts run: here (local, the default) or on Ray")
    run.add_argument("--ray-address", metavar="ADDR", help="the Ray cluster, e.g. HEAD:6379 (implies --executor ray)")
    run.add_argument(
        "--stream", action=argparse.BooleanOptionalAction, default=True, help="stream model replies (default: yes)"
    )
    run.add_argument(
        "--no-preflight",
        dest="preflight",
        action="store_false",
        help="skip checking each model server first (the builtin agent then asks the server nothing either)",
    )
    run.add_argument(
        "--max-tokens",
        type=int,
        metavar="N",
        help="most tokens per model reply, sent with every request (default 4096)",
    )
    run.set_defaults(handler=cmd_run)

    show = commands.add_parser("report", help="summarise recorded attempts")
    show.add_argument(
        "--results", type=Path, help="results folder (default: [run].results of agentspec.toml, else results/)"
    )
    show.add_argument(
        "--format",
        choices=["table", "json", "markdown", "csv", "junit"],
        default="table",
        help="output format (default: table)",
    )
    show.add_argument("--run", dest="run_id", help="only this run's attempts")
    show.add_argument(
        "--compare",
        nargs=2,
        metavar=("A", "B"),
        help="paired comparison of two entries (agent:model, or the agent alone), e.g. builtin:ollama/m aider:ollama/m",
    )
    add_selection_options(show)
    show.set_defaults(handler=cmd_report)


# The exit code of `run` and `report` when the pass rate is below --fail-under.
FAIL_UNDER_EXIT = 3


def add_selection_options(parser: argparse.ArgumentParser) -> None:
    """--task/-k and --fail-under, shared by run and report."""
    parser.add_argument(
        "--task", "-k", action="append", default=[], metavar="PATTERN", help="task id glob, tag:NAME or kind:NAME"
    )
    parser.add_argument(
        "--fail-under",
        type=_rate,
        metavar="RATE",
        help=f"exit {FAIL_UNDER_EXIT} when the pass rate is below RATE (0.8 or 80%%)",
    )


def _rate(text: str) -> float:
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a rate such as 0.8 or 80%") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not between 0 and 1 (or 0% and 100%)")
    return value


def gate(records: list[Any], fail_under: float | None) -> int:
    """0, or FAIL_UNDER_EXIT (with a message) when the pass rate of `records` is below `fail_under`."""
    if fail_under is None:
        return 0
    passed = sum(1 for r in records if r.outcome == "passed")
    rate = passed / len(records) if records else 0.0
    if rate < fail_under:
        print(
            f"agentspec: pass rate {rate:.1%} ({passed}/{len(records)}) is below --fail-under {fail_under:.1%}",
            file=sys.stderr,
        )
        return FAIL_UNDER_EXIT
    return 0


class TerminalObserver(RunObserver):
    """What `agentspec run` shows while it runs: messages on stderr and a progress bar (a line per attempt in logs)."""

    def __init__(self, console: Console) -> None:
        """Show everything on `console`."""
        self.console = console
        self.progress = AttemptProgress(console)

    def message(self, text: str) -> None:
        """Print one message."""
        self.console.print(text)

    def running(self, total: int) -> AbstractContextManager[None]:
        """The progress bar, while `total` attempts run."""
        return self.progress.live(total)

    def finished(self, record: AttemptRecord) -> None:
        """Count one recorded attempt."""
        self.progress.update(record)


def cmd_run(args: argparse.Namespace) -> int:
    """Plan, run and record the attempts (`agentspec.run`); print the summary."""
    from agentspec.api.evaluate import RunInterrupted, run

    try:
        result = run(
            args.paths,
            agent=args.agent,
            model=args.model,
            base_url=args.base_url,
            trials=args.trials,
            concurrency=args.concurrency,
            endpoint_concurrency=args.endpoint_concurrency,
            results=args.results,
            tasks=args.task,
            rerun=args.rerun,
            retry_errors=args.retry_errors,
            sandbox=args.sandbox,
            executor=args.executor,
            ray_address=args.ray_address,
            stream=args.stream,
            check_endpoints=args.preflight,
            max_tokens=args.max_tokens,
            observer=TerminalObserver(make_console(stderr=True)),
            command=shlex.join(["agentspec", *sys.argv[1:]]),
        )
    except RunInterrupted:
        return 130  # what was recorded, and how to resume, is already said
    print_summary(make_console(), result.records)
    return gate(result.records, args.fail_under)


def cmd_report(args: argparse.Namespace) -> int:
    """Print what the results store holds (`agentspec.report`), as a table, JSON, Markdown, CSV or JUnit."""
    found = report(args.results, run=args.run_id, tasks=args.task)
    records = found.records
    if args.compare:
        from agentspec.store.stats import compare, render_comparison

        try:
            print(render_comparison(compare(records, *args.compare)))
        except KeyError as exc:
            raise UsageError(str(exc.args[0])) from None
        return 0
    if args.format == "json" and found.run is not None:
        print(json.dumps({"run": vars(found.run), "attempts": [attempt_json(r) for r in records]}, indent=2))
    elif args.format == "junit":
        from agentspec.store.junit import render_junit

        sys.stdout.write(render_junit(records))
    elif args.format == "json":
        print(found.json())
    elif args.format == "csv":
        sys.stdout.write(found.csv())
    elif args.format == "markdown":
        sys.stdout.write(found.markdown())
    else:
        print_summary(make_console(), records)
    return gate(records, args.fail_under)
