"""Commands about publishing: site (the static results website)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from agentspec.api.project import results_folder


def add_commands(commands: Any) -> None:
    """Register this module's subcommands."""
    site = commands.add_parser("site", help="build the results website (MkDocs + Material) from recorded attempts")
    site.add_argument(
        "--results", type=Path, help="results folder (default: [run].results of agentspec.toml, else results/)"
    )
    site.add_argument("-o", "--output", type=Path, default=Path("site"), help="where the site goes (default: site/)")
    site.add_argument("--config", type=Path, help="base MkDocs config (default: ./mkdocs.yml, else agentspec's)")
    site.add_argument(
        "--specs",
        type=Path,
        action="append",
        help="spec files or folders, for instructions and reference solutions (default: specs/; repeatable)",
    )
    site.add_argument("--run", dest="run_id", help="publish only this run's attempts")
    site.add_argument("--sources", type=Path, help="keep the generated Markdown pages in this folder")
    site.add_argument(
        "--task", "-k", action="append", default=[], metavar="PATTERN", help="task id glob, tag:NAME or kind:NAME"
    )
    site.set_defaults(handler=cmd_site)


def cmd_site(args: argparse.Namespace) -> int:
    """Generate the pages and build them with MkDocs; print where the site is."""
    from agentspec.publish import build_site  # MkDocs and its plugins: imported only to build

    built = build_site(
        results_folder(args.results),
        args.output,
        config_file=args.config,
        spec_paths=args.specs or [Path("specs")],
        run_id=args.run_id,
        sources=args.sources,
        tasks=args.task,
    )
    timings = ", ".join(f"{step} {seconds:.1f}s" for step, seconds in built.timings.items())
    print(
        f"wrote {built.output}/index.html: {built.pages} pages from {built.attempts} attempts ({timings}). "
        f"View it with: python -m http.server -d {built.output}",
        file=sys.stderr,
    )
    return 0
