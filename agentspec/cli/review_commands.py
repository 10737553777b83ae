"""The `review` command: agentspec's reviewer rules on any Python files or folders."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from agentspec.errors import UsageError

FAILING = ("warning", "error")


def add_commands(commands: Any) -> None:
    """Register this module's subcommands."""
    review = commands.add_parser("review", help="review Python code: thread safety, SQL injection, quadratic code, ...")
    review.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="Python files or folders")
    review.add_argument("--format", choices=["text", "json"], default="text", help="output format (default: text)")
    review.add_argument("--rule", action="append", dest="rules", metavar="ID", help="run only this rule (repeatable)")
    review.add_argument(
        "--thread-safety-required", action="store_true", help="flag classes with shared state and no lock"
    )
    review.add_argument("--info", action="store_true", help="also print info-level properties (text format)")
    review.set_defaults(handler=cmd_review)


def cmd_review(args: argparse.Namespace) -> int:
    """Review the given files; exit 1 when any finding is a warning or an error."""
    from agentspec.review import ReviewConfig, all_rules, review_paths  # libcst loads only for this command

    known = sorted(rule.id for rule in all_rules())
    for rule in args.rules or []:
        if rule not in known:
            raise UsageError(f"unknown rule {rule!r}; choose from {', '.join(known)}")
    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    config = ReviewConfig(rules=args.rules, thread_safety_required=args.thread_safety_required)
    findings = review_paths(args.paths, config)
    if args.format == "json":
        print(json.dumps({"findings": [f.to_dict() for f in findings]}, indent=2))
    else:
        for finding in findings:
            if args.info or finding.severity in FAILING:
                print(finding)
    return 1 if any(f.severity in FAILING for f in findings) else 0
