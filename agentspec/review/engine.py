"""The review engine: parse each file once, run every enabled rule in one batched traversal."""

from __future__ import annotations

import ast
import re
import tokenize
from collections.abc import Iterable, Iterator
from io import BytesIO
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper

from agentspec.review.config import ReviewConfig
from agentspec.review.finding import Finding
from agentspec.review.registry import all_rules
from agentspec.review.rule import Rule
from agentspec.review.rules.syntax_error import SyntaxErrorRule
from agentspec.review.source import SourceFile
from agentspec.review.walk import BatchedWalk

_IGNORE = re.compile(r"#\s*agentspec:\s*ignore\b(?:\[([^\]]*)\])?")
_SKIPPED_DIRS = frozenset({"__pycache__", "node_modules"})


def review_source(source: str, path: str, config: ReviewConfig | None = None) -> list[Finding]:
    """Review one file's text.

    Args:
        source: The file's content.
        path: The path reported in findings (some rules also look at the file name).
        config: Which rules run and what the task requires; default: every rule.

    Returns:
        The findings, sorted by line and column; a file that does not parse gives a
        ``syntax-error`` finding plus what the text-reading rules find.

    Raises:
        ValueError: ``config.rules`` names a rule that does not exist.
    """
    config = config or ReviewConfig()
    source = source.removeprefix("\ufeff")
    file = SourceFile(path, source, config)
    rules = [rule_class(file) for rule_class in selected_rules(config)]
    try:
        module = cst.parse_module(source)
    except (cst.ParserSyntaxError, RecursionError) as error:
        _report_unparsed(file, rules, error)
    else:
        file.module = file.positions.module = module
        _traverse(file, module, rules)
    return _unsuppressed(file)


def review_paths(paths: Iterable[Path], config: ReviewConfig | None = None) -> list[Finding]:
    """Review files and folders (every ``*.py`` below a folder, hidden folders skipped).

    Args:
        paths: Files and folders to review.
        config: Which rules run and what the task requires; default: every rule.

    Returns:
        The findings of all files, in path order.

    Raises:
        FileNotFoundError: A path does not exist.
        ValueError: ``config.rules`` names a rule that does not exist.
    """
    selected_rules(config or ReviewConfig())
    findings: list[Finding] = []
    for file in _python_files(paths):
        text, problem = _read(file)
        if problem is None:
            findings.extend(review_source(text, str(file), config))
        elif (config or ReviewConfig()).runs(SyntaxErrorRule.id):
            findings.append(Finding(SyntaxErrorRule.id, SyntaxErrorRule.severity, str(file), 1, 1, problem))
    return findings


def selected_rules(config: ReviewConfig) -> list[type[Rule]]:
    """Return the rule classes ``config`` enables, checking that every named id exists."""
    candidates = [*all_rules(), *config.extra_rules]
    if config.rules is not None:
        unknown = sorted(set(config.rules) - {rule.id for rule in candidates})
        if unknown:
            raise ValueError(f"unknown rule id(s): {', '.join(unknown)}")
    return [rule for rule in candidates if config.runs(rule.id)]


def _traverse(file: SourceFile, module: cst.Module, rules: list[Rule]) -> None:
    providers = {provider for rule in rules for provider in rule.METADATA_DEPENDENCIES}
    if providers:
        try:
            file.metadata = MetadataWrapper(module, unsafe_skip_copy=True).resolve_many(providers)
        except RecursionError:  # libcst's metadata providers recurse; the walk itself does not
            _report_unparsed(file, rules, RecursionError("nested too deeply to review"))
            return
    BatchedWalk(file, rules).walk(module)
    file.locate_pending()


def _report_unparsed(file: SourceFile, rules: list[Rule], error: Exception) -> None:
    file.module = None
    line, column, message = _syntax_error(file.text, file.path, error)
    for rule in rules:
        if isinstance(rule, SyntaxErrorRule):
            rule.report_at(line, column, message)
        else:
            rule.review_text()


def _syntax_error(text: str, path: str, error: Exception) -> tuple[int, int, str]:
    if isinstance(error, RecursionError):
        return 1, 1, "the file is nested too deeply to parse and review"
    try:
        compile(text, path, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as located:
        return located.lineno or 1, located.offset or 1, f"the file does not parse: {located.msg}"
    except ValueError as bad:
        return 1, 1, f"the file does not parse: {bad}"
    assert isinstance(error, cst.ParserSyntaxError)
    return error.raw_line, error.raw_column + 1, f"the file does not parse: {error.message}"


def _unsuppressed(file: SourceFile) -> list[Finding]:
    kept = []
    for finding in file.findings:
        match = _IGNORE.search(file.line_text(finding.line))
        if match is not None:
            named = match.group(1)
            if named is None or finding.rule in {part.strip() for part in named.split(",")}:
                continue
        kept.append(finding)
    return sorted(kept, key=lambda f: (f.line, f.column, f.rule, f.message))


def _python_files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            for file in sorted(path.rglob("*.py")):
                parts = file.relative_to(path).parts[:-1]
                if not any(part.startswith(".") or part in _SKIPPED_DIRS for part in parts):
                    yield file
        elif path.exists():
            yield path
        else:
            raise FileNotFoundError(f"no such file or folder: {path}")


def _read(path: Path) -> tuple[str, str | None]:
    data = path.read_bytes()
    try:
        encoding, _ = tokenize.detect_encoding(BytesIO(data).readline)
        return data.decode(encoding), None
    except (SyntaxError, UnicodeDecodeError, LookupError) as error:
        return "", f"the file cannot be decoded: {error}"
