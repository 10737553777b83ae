"""Commands about results across machines: export a bundle, merge bundles into a results store."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from agentspec.api.project import results_folder, sandbox_mode
from agentspec.api.reporting import open_results as open_store
from agentspec.api.reporting import select_records
from agentspec.errors import UsageError
from agentspec.store.sqlite import Store

RESULTS_HELP = "results folder (default: [run].results of agentspec.toml, else results/)"


def add_commands(commands: Any) -> None:
    """Register this module's subcommands."""
    export = commands.add_parser("export", help="write recorded attempts, with artifacts and specs, to a bundle")
    export.add_argument("-o", "--output", type=Path, required=True, help="the bundle file to write (.zip)")
    export.add_argument("--results", type=Path, help=RESULTS_HELP)
    export.add_argument("--run", dest="run_id", help="only this run's attempts")
    export.add_argument(
        "--task", "-k", action="append", default=[], metavar="PATTERN", help="task id glob, tag:NAME or kind:NAME"
    )
    export.set_defaults(handler=cmd_export)

    merge = commands.add_parser("merge", help="add bundles made by `agentspec export` to a results store")
    merge.add_argument("bundles", nargs="+", type=Path, metavar="BUNDLE", help="bundle files")
    merge.add_argument("--results", type=Path, help=RESULTS_HELP)
    merge.set_defaults(handler=cmd_merge)

    regrade = commands.add_parser(
        "regrade", help="grade stored final workspaces again against the specs' current tests (no agent runs)"
    )
    regrade.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="spec files or folders (current versions)")
    regrade.add_argument("--results", type=Path, help=RESULTS_HELP)
    regrade.add_argument("--run", dest="run_id", help="only this run's attempts")
    regrade.add_argument(
        "--task", "-k", action="append", default=[], metavar="PATTERN", help="task id glob, tag:NAME or kind:NAME"
    )
    regrade.add_argument(
        "--sandbox",
        choices=["auto", "bwrap", "none"],
        help="how tests are confined (default: [run].sandbox, else auto)",
    )
    regrade.set_defaults(handler=cmd_regrade)


def open_results(folder: Path | None) -> tuple[Path, Store]:
    """The results folder (`folder`, else the project config's, else results/) and its store, which must exist."""
    resolved = results_folder(folder)
    return resolved, open_store(resolved)


def cmd_export(args: argparse.Namespace) -> int:
    """Write the selected attempts to a bundle."""
    from agentspec.store.bundle import export

    folder, store = open_results(args.results)
    with store:
        records = select_records(store, folder, args.run_id, args.task)
        if not records:
            raise UsageError("no attempts match; nothing exported")
        count = export(store, records, args.output)
    print(f"Exported {count} attempts to {args.output}")
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    """Merge each bundle; a bad bundle is refused whole and the others still merge."""
    from agentspec.store.bundle import BundleError, merge

    refused = 0
    with Store(results_folder(args.results)) as store:
        for path in args.bundles:
            try:
                done = merge(store, path)
            except BundleError as exc:
                print(f"agentspec: error: {exc}")
                refused += 1
                continue
            print(
                f"{path}: {len(done.added)} added, {len(done.unchanged)} already present"
                + (f", {len(done.conflicts)} kept apart (same key, different content)" if done.conflicts else "")
            )
            for key, kept in done.conflicts:
                print(f"  {key}: already recorded with other content; this one kept as {kept}")
    return 1 if refused else 0


def cmd_regrade(args: argparse.Namespace) -> int:
    """Regrade the selected attempts whose task is among the given specs; print each verdict change."""
    import asyncio

    from agentspec.runner.regrade import Regraded, regrade
    from agentspec.runner.sweep import make_work_root
    from agentspec.runner.tree import remove_tree
    from agentspec.sandbox import Sandbox
    from agentspec.spec.suite import load_specs

    specs = load_specs(args.paths)
    ids = {spec.id for spec in specs}
    folder, store = open_results(args.results)
    with store:
        records = [r for r in select_records(store, folder, args.run_id, args.task) if r.task in ids]
        if not records:
            raise UsageError("no recorded attempt of these specs matches; nothing to regrade")

        def show(done: Regraded) -> None:
            before = "/".join(filter(None, done.before))
            if done.after is None:
                print(f"{done.task} {done.key}: {before}, left as it is: {done.note}")
            else:
                after = "/".join(filter(None, done.after))
                change = "unchanged" if done.after == done.before else f"{before} -> {after}"
                print(f"{done.task} {done.key}: {change} ({done.note})")

        work_root = make_work_root()
        try:
            sandbox = Sandbox(sandbox_mode(args.sandbox))
            results = asyncio.run(regrade(store, specs, records, sandbox, work_root, show))
        finally:
            remove_tree(work_root)
    changed = sum(1 for r in results if r.after is not None and r.after != r.before)
    print(f"Regraded {sum(1 for r in results if r.after is not None)} of {len(results)} attempts; {changed} changed.")
    return 0
