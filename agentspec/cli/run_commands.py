"""Commands about running: run (plan, run, grade, store) and report.

Parsing stays light: the agents, providers and runner are imported only when `run` runs, so
`agentspec --help`, `report` and the other commands start quickly.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path
from typing import Any

from agentspec.cli.display import make_console, print_summary
from agentspec.cli.results_commands import spec_labels
from agentspec.config import EXECUTORS, find_config
from agentspec.errors import UsageError
from agentspec.selection import selects
from agentspec.store import report
from agentspec.store.sqlite import Store

HINT = (
    "No agent or model given: running the reference solutions. To evaluate a model, name it: "
    "--model ollama/qwen3.5:27b (Ollama), --model openai/NAME --base-url http://127.0.0.1:8000/v1 (vLLM), "
    "with --agent claude-code or --agent aider to go through a harness."
)


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
    run.add_argument("--results", type=Path, help="results folder (default: results/)")
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


def run_manifest(*, specs: Any, cells: Any, **settings: Any) -> dict[str, Any]:
    """What a reader needs to reproduce a run: versions, specs, agents and models, limits, settings, machine."""
    from agentspec.store.bundle import machine
    from agentspec.version import __version__

    return {
        "agentspec_version": __version__,
        "machine": machine(),
        "specs": {s.id: s.content_hash() for s in specs},
        "limits": {s.id: s.limits.model_dump(mode="json") for s in specs},
        "cells": [
            {"agent": c.agent, "model": c.model, "base_url": c.endpoint and c.endpoint.base_url, "trials": c.trials}
            for c in cells
        ],
        **settings,
    }


def cmd_run(args: argparse.Namespace) -> int:
    """Plan, run and record the attempts; print the summary."""
    import asyncio
    from dataclasses import replace

    from agentspec.cli.display import AttemptProgress
    from agentspec.cli.run_setup import (
        backends_by_name,
        cells_to_run,
        check_cells,
        check_matrix,
        make_agents,
        plan_summary,
        preflight_endpoints,
    )
    from agentspec.providers import ProviderSettings
    from agentspec.runner.executors import make_executor
    from agentspec.runner.plan import plan
    from agentspec.runner.run import Runner
    from agentspec.sandbox import Sandbox
    from agentspec.spec.suite import load_specs

    for flag in ("trials", "concurrency", "endpoint_concurrency", "max_tokens"):
        value = getattr(args, flag)
        if value is not None and value < 1:
            raise UsageError(f"--{flag.replace('_', '-')} must be at least 1")
    specs = [s for s in load_specs(args.paths) if selects(args.task, s.id, s.tags, s.kind)]
    if not specs:
        raise UsageError(f"no spec matches --task {' '.join(args.task)}")
    found = find_config(Path.cwd())
    config_path, config = found if found else (None, None)
    if config_path and config and not (args.agent or args.model):
        check_matrix(config_path, config)
    cells, default = cells_to_run(args, config)
    check_cells(cells)
    console = make_console(stderr=True)
    settings = ProviderSettings(stream=args.stream)
    if args.max_tokens is not None:
        settings = replace(settings, max_tokens=args.max_tokens)
    backends = preflight_endpoints(cells, settings, console) if args.preflight else {}
    agents = make_agents(cells, settings, backends, check_backend=args.preflight)
    results = args.results or (config_path.parent / config.run.results if config_path and config else Path("results"))
    sandbox = Sandbox(args.sandbox or (config.run.sandbox if config else "auto"))
    executor = make_executor(
        args.executor or ("ray" if args.ray_address else None) or (config.run.executor if config else "local"),
        address=args.ray_address or (config.run.ray_address if config else None),
        runtime_env=config.run.ray_runtime_env if config else None,
    )
    if default:
        console.print(HINT)

    attempts = plan(specs, cells)
    with Store(results) as store:
        progress = AttemptProgress(console)
        runner = Runner(
            store,
            sandbox,
            agents,
            rerun=args.rerun,
            retry_errors=args.retry_errors,
            on_progress=progress.update,
            endpoint_cap=args.endpoint_concurrency or (config.run.endpoint_concurrency if config else None),
            backends={endpoint: info.as_dict() for endpoint, info in backends.items()},
            executor=executor,
        )
        todo = runner.pending(attempts)
        if not todo:
            console.print(
                f"Nothing new to run: all {len(attempts)} attempts are already recorded in {results}/ "
                "(use --rerun to run them again)."
            )
        else:
            executor.connect()
            wanted = args.concurrency or (config.run.concurrency if config else None)
            runner.concurrency = wanted or executor.capacity() or runner.concurrency
            skipped = len(attempts) - len(todo)
            console.print(
                f"Running {len(todo)} attempt{'s' * (len(todo) != 1)} ({plan_summary(len(specs), cells)}), "
                f"concurrency {runner.concurrency}, sandbox {sandbox.mode}"
                + (f", executor {executor.name}" if executor.name != "local" else "")
                + (f"; {skipped} already recorded, skipped" if skipped else "")
            )
            command = shlex.join(["agentspec", *sys.argv[1:]])
            details = run_manifest(
                specs=specs,
                cells=cells,
                sandbox=sandbox.mode,
                stream=args.stream,
                executor=executor.name,
                backends=backends_by_name(backends),
            )
            try:
                with progress.live(len(todo)):
                    asyncio.run(runner.run(todo, command, details))
            except KeyboardInterrupt:
                recorded = len(store.finished_keys([a.key for a in attempts]))
                # Under --rerun the same command would start every attempt over, so say what resumes.
                again = "Run it again without --rerun" if args.rerun else "Run the same command again"
                console.print(
                    f"Interrupted: {recorded} of {len(attempts)} attempts are recorded in {results}/. "
                    f"{again} to resume."
                )
                return 130
            finally:
                executor.close()
        keys = {a.key for a in attempts}
        records = [r for r in store.attempts() if r.key in keys]
    print_summary(make_console(), records)
    return gate(records, args.fail_under)


def cmd_report(args: argparse.Namespace) -> int:
    """Print what the results store holds, as a table, JSON, Markdown or CSV."""
    if args.results is None:
        found = find_config(Path.cwd())
        args.results = found[0].parent / found[1].run.results if found else Path("results")
    if not (args.results / "results.sqlite").is_file():
        raise UsageError(f"no results in {args.results}/ (run `agentspec run` first, or pass --results DIR)")
    with Store(args.results) as store:
        runs = store.runs()
        if args.run_id and args.run_id not in {r.id for r in runs}:
            raise UsageError(f"no run {args.run_id!r} in {args.results}/")
        records = [
            r for r in store.attempts(args.run_id) if selects(args.task, r.task, *spec_labels(store, r.spec_hash))
        ]
    if args.compare:
        from agentspec.store.stats import compare, render_comparison

        try:
            print(render_comparison(compare(records, *args.compare)))
        except KeyError as exc:
            raise UsageError(str(exc.args[0])) from None
        return 0
    if args.format == "json" and args.run_id:
        run = next(r for r in runs if r.id == args.run_id)
        print(json.dumps({"run": vars(run), "attempts": [report.attempt_json(r) for r in records]}, indent=2))
        return gate(records, args.fail_under)
    if args.format == "junit":
        from agentspec.store.junit import render_junit

        sys.stdout.write(render_junit(records))
    elif args.format == "json":
        print(report.render_json(records))
    elif args.format == "csv":
        sys.stdout.write(report.render_csv(records))
    elif args.format == "markdown":
        sys.stdout.write(report.render_markdown(records))
    else:
        print_summary(make_console(), records)
    return gate(records, args.fail_under)
