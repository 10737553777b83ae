"""`agentspec import`: a folder of code and tests, or Exercism exercises, turned into specs, layout checked."""

from __future__ import annotations

import argparse
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentspec.errors import UsageError
from agentspec.spec.authoring import import_folder, write_spec
from agentspec.spec.model import Spec

if TYPE_CHECKING:
    from agentspec.runner.collect import LayoutCheck
    from agentspec.sandbox.command import Mode as SandboxMode

LAYOUTS = ("folder", "exercism")


def add_import_command(commands: Any) -> None:
    """Register `agentspec import`."""
    imported = commands.add_parser(
        "import", help="turn a folder of code and tests (or Exercism exercises) into spec files"
    )
    imported.add_argument(
        "dir", type=Path, metavar="DIR", help="the folder: code plus tests, or an exercise / exercises tree"
    )
    imported.add_argument(
        "--from",
        dest="layout",
        choices=LAYOUTS,
        default="folder",
        help="the folder's layout: 'folder' (default) or 'exercism' (one exercise or exercises/practice/)",
    )
    imported.add_argument("--id", help="the spec's id (required for a folder)")
    imported.add_argument("--tests", type=Path, metavar="DIR", help="a folder of tests kept apart from the code")
    imported.add_argument(
        "--solution", type=Path, metavar="DIR", help="a folder whose files overlay the starter: the reference"
    )
    imported.add_argument("--title", help="one line for tables (default: from the id)")
    imported.add_argument("--kind", help="what sort of task (default: bug-fix)")
    imported.add_argument("--instructions", metavar="TEXT", help="the prompt the agent gets")
    imported.add_argument(
        "--instructions-file",
        type=Path,
        metavar="FILE",
        help="a file holding the prompt (default: instructions.md or README.md in the folder, if any)",
    )
    imported.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="PATH",
        help="write the spec here (default: print it); with --from exercism, the suite folder to write into",
    )
    imported.add_argument(
        "--no-layout-check",
        action="store_true",
        help="skip collecting the tests against the starter and the solution before writing",
    )
    imported.add_argument(
        "--sandbox", choices=["auto", "bwrap", "none"], default="auto", help="how the layout check runs pytest"
    )
    imported.set_defaults(handler=cmd_import)


def cmd_import(args: argparse.Namespace) -> int:
    """Turn a folder into a spec, or Exercism exercises into a suite; refuse what cannot be collected."""
    if args.layout == "exercism":
        return _import_exercism(args)
    if args.id is None:
        raise UsageError("import needs --id ID (the spec's id, also its file name)")
    result = import_folder(
        args.dir,
        args.id,
        solution=args.solution,
        tests=args.tests,
        title=args.title,
        kind=args.kind,
        instructions=args.instructions,
        instructions_file=args.instructions_file,
    )
    if result.instructions_file is not None:
        print(f"instructions: from {result.instructions_file}", file=sys.stderr)
    for skipped in result.skipped:
        print(f"not imported: {skipped}", file=sys.stderr)
    if not args.no_layout_check:
        check = _check_layouts([_spec(result.text)], args.sandbox)[0]
        if check.problems:
            raise UsageError(
                f"{args.dir}: the tests cannot even be collected against the solution, so nothing was "
                f"written: {'; '.join(check.problems)} (fix the layout, or pass --no-layout-check)"
            )
        print(f"layout check: {check.note}", file=sys.stderr)
    if args.output is None:
        sys.stdout.write(result.text)
    else:
        print(f"wrote {write_spec(result.text, args.output)}", file=sys.stderr)
    return 0


def _import_exercism(args: argparse.Namespace) -> int:
    """Every exercise under `args.dir` into `args.output/<slug>.toml`; exit 1 if some were not imported."""
    from agentspec.spec.exercism import import_exercises

    if args.output is None:
        raise UsageError("--from exercism writes one spec per exercise: pass -o DIR (e.g. -o specs/exercism)")
    given = [
        f"--{name}" for name in ("id", "tests", "solution", "title", "kind", "instructions") if getattr(args, name)
    ]
    if args.instructions_file is not None:
        given.append("--instructions-file")
    if given:
        raise UsageError(f"{', '.join(given)}: not used with --from exercism (each exercise says its own)")
    exercises = list(import_exercises(args.dir))
    problems: dict[Path, str] = {e.folder: e.problem for e in exercises if e.problem is not None}
    ready: list[tuple[Path, str, Spec]] = []
    for exercise in exercises:
        if exercise.text is None:
            continue
        try:
            ready.append((exercise.folder, exercise.text, _spec(exercise.text)))
        except ValueError as exc:
            problems[exercise.folder] = f"{exercise.folder}: the spec made from it is not valid: {exc}"
    if not args.no_layout_check and ready:
        checks = _check_layouts([spec for _, _, spec in ready], args.sandbox)
        refused = {folder for (folder, _, _), check in zip(ready, checks, strict=True) if check.problems}
        for (folder, _, _), check in zip(ready, checks, strict=True):
            if check.problems:
                problems[folder] = f"{folder}: not imported: {'; '.join(check.problems)}"
        ready = [entry for entry in ready if entry[0] not in refused]
    written = 0
    for folder, text, spec in ready:
        try:
            write_spec(text, args.output / f"{spec.id}.toml")
            written += 1
        except UsageError as exc:
            problems[folder] = str(exc)
    for folder in sorted(problems):
        print(problems[folder], file=sys.stderr)
    print(
        f"imported {written} of {len(exercises)} exercises into {args.output}"
        + (f"; {len(problems)} not imported (above)" if problems else ""),
        file=sys.stderr,
    )
    return 1 if problems else 0


def _spec(text: str) -> Spec:
    """The spec an importer's text describes (every file inline, so no folder is needed to load it)."""
    return Spec.model_validate(tomllib.loads(text))


def _check_layouts(specs: list[Spec], sandbox_mode: SandboxMode) -> list[LayoutCheck]:
    """Collect each spec's tests against its starter and its reference (the runner loads only here)."""
    from agentspec.runner.collect import check_layouts_sync
    from agentspec.sandbox import Sandbox

    with tempfile.TemporaryDirectory(prefix="agentspec-import-") as scratch:
        return check_layouts_sync(specs, Sandbox(sandbox_mode), Path(scratch))
