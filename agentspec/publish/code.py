"""Code as a reviewer reads it: highlighted files with findings under the lines they point at, diffs, tests."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from pygments import highlight  # type: ignore[import-untyped]
from pygments.formatters import HtmlFormatter  # type: ignore[import-untyped]
from pygments.lexer import Lexer  # type: ignore[import-untyped]
from pygments.lexers import TextLexer, get_lexer_by_name, get_lexer_for_filename  # type: ignore[import-untyped]
from pygments.util import ClassNotFound  # type: ignore[import-untyped]

from agentspec.publish import blocks
from agentspec.publish.escape import clean, text

# Past this size a file is shown without highlighting: Pygments time grows with it, readers do not.
HIGHLIGHT_LIMIT = 200_000
_SEVERITY_ICON = {"error": "✘", "warning": "⚠", "info": "ℹ"}
_DIFF_CLASS = {"+": "gi", "-": "gd", "@": "gu"}
_FORMATTER = HtmlFormatter(nowrap=True)

Finding = Mapping[str, Any]


# Lexers by name for common suffixes: finding one by file name imports every lexer Pygments has.
_BY_SUFFIX = {".py": "python", ".pyi": "python", ".toml": "toml", ".json": "json", ".md": "markdown", ".txt": "text"}


@lru_cache(maxsize=64)
def _lexer(suffix: str) -> Lexer:
    options = {"stripnl": False, "ensurenl": True}
    try:
        if suffix in _BY_SUFFIX:
            return get_lexer_by_name(_BY_SUFFIX[suffix], **options)
        return get_lexer_for_filename(f"file{suffix}", **options)
    except ClassNotFound:
        return TextLexer(**options)


def highlighted_lines(source: str, path: str) -> list[str]:
    """The file's lines as HTML, one string per line, highlighted when the file is small enough."""
    source = clean(source)
    if len(source) > HIGHLIGHT_LIMIT:
        plain = source.removesuffix("\n").split("\n")
        return [text(line) for line in plain]
    suffix = path[path.rfind(".") :] if "." in path.rsplit("/", 1)[-1] else ""
    return list(_highlighted(source, suffix))


# Many attempts end with the same file (trials, and models that agree): highlight each text once.
@lru_cache(maxsize=1024)
def _highlighted(source: str, suffix: str) -> tuple[str, ...]:
    html = str(highlight(source, _lexer(suffix), _FORMATTER))
    # Pygments escapes markup; braces, backticks and tabs are escaped like everywhere else (see escape.text).
    html = html.replace("{", "&#123;").replace("}", "&#125;").replace("`", "&#96;").replace("\t", "&#9;")
    return tuple(html.split("\n")[:-1] or [""])


def finding_note(finding: Finding, *, with_path: bool = False) -> str:
    """One finding as a short line of HTML: severity, rule, place, message."""
    severity = str(finding.get("severity", "info"))
    where = f"{finding.get('path', '')}:" if with_path else ""
    where += f"{finding.get('line', '?')}:{finding.get('column', '?')}"
    return (
        f'<span class="as-finding as-{text(severity)}">{_SEVERITY_ICON.get(severity, "•")} '
        f"<b>{text(finding.get('rule', '?'))}</b> <small>{text(severity)} at {text(where)}</small> "
        f"{text(finding.get('message', ''))}</span>"
    )


def code_view(source: str, path: str, findings: Sequence[Finding] = (), *, anchor: str = "") -> str:
    """A file with line numbers, each finding shown under the line it points at."""
    by_line: dict[int, list[Finding]] = defaultdict(list)
    lines = highlighted_lines(source, path)
    for finding in findings:
        line = finding.get("line")
        by_line[line if isinstance(line, int) and 1 <= line <= len(lines) else len(lines)].append(finding)
    out: list[str] = []
    for number, line in enumerate(lines, start=1):
        flagged = number in by_line
        ident = f' id="{text(anchor)}-{number}"' if anchor else ""
        # A finding is a block of its own: the newline goes before it, none after (that would show a blank line).
        end = "&#10;" if number < len(lines) or flagged else ""
        out.append(f'<span class="as-l{" as-flagged" if flagged else ""}"{ident} data-n="{number}">{line}</span>{end}')
        out.extend(finding_note(f) for f in by_line.get(number, ()))
    body = "".join(out)
    return f'<div class="highlight as-code"><pre><code>{body}</code></pre></div>'


def file_views(
    files: Mapping[str, str], findings: Sequence[Finding], *, anchor: str, unchanged: Mapping[str, str] | None = None
) -> str:
    """Each file under its path, with its findings; findings on files not shown listed after.

    `unchanged` holds starter files the agent left alone: shown only when a finding points into one.
    """
    extra = _pointed_starter(files, findings, unchanged)
    shown = set(files) | set(extra)
    parts = []
    for index, (path, source) in enumerate(sorted({**files, **extra}.items())):
        own = [f for f in findings if f.get("path") == path]
        note = " <small>(unchanged from the starter)</small>" if path in extra else ""
        parts.append(f'<p class="as-path">{blocks.code(path)}{note}</p>')
        parts.append(code_view(source, path, own, anchor=f"{anchor}-f{index}"))
    rest = [f for f in findings if f.get("path") not in shown]
    if rest:
        parts.append('<p class="as-path">Findings in files not shown</p>' + findings_list(rest))
    return "".join(parts)


def _pointed_starter(
    files: Mapping[str, str], findings: Sequence[Finding], unchanged: Mapping[str, str] | None
) -> dict[str, str]:
    pointed = {f.get("path") for f in findings}
    return {p: t for p, t in (unchanged or {}).items() if p in pointed and p not in files}


def line_id(
    anchor: str,
    files: Mapping[str, str],
    findings: Sequence[Finding],
    unchanged: Mapping[str, str] | None,
    path: str,
    line: int,
) -> str:
    """The id `file_views` gives a line of a file it shows with these arguments, or "" when it does not show it."""
    paths = sorted(set(files) | set(_pointed_starter(files, findings, unchanged)))
    return f"{anchor}-f{paths.index(path)}-{line}" if path in paths else ""


def findings_list(findings: Sequence[Finding]) -> str:
    """Findings as a list, each with its path and line."""
    items = "".join(f"<li>{finding_note(f, with_path=True)}</li>" for f in findings)
    return f'<ul class="as-findings">{items}</ul>'


def diff_view(diff: str) -> str:
    """A unified diff, added and removed lines coloured by the theme."""
    if not diff.strip():
        return blocks.paragraph("No changes.")
    out = []
    for line in clean(diff).split("\n"):
        kind = "gh" if line.startswith(("+++", "---")) else _DIFF_CLASS.get(line[:1], "")
        out.append(f'<span class="{kind}">{text(line)}</span>' if kind else text(line))
    return f'<div class="highlight as-diff"><pre><code>{"&#10;".join(out)}</code></pre></div>'


def grading_table(tests: Sequence[Mapping[str, Any]], fail_to_pass: Mapping[str, str]) -> str:
    """Per-test results: outcome, whether the test had to be fixed (failed on the starter), and its message."""
    if not tests:
        return blocks.paragraph("No test results were recorded.")
    rows = []
    for test in tests:
        test_id = str(test.get("id", "?"))
        message = str(test.get("message") or "")
        rows.append(
            [
                blocks.code(test_id),
                blocks.outcome(str(test.get("outcome", "?"))),
                "to fix" if test_id in fail_to_pass else "",
                f"<small>{text(message[:600])}</small>" if message else "",
            ]
        )
    return blocks.table(["Test", "Outcome", "Starter", "Message"], rows, wrapper="as-tests")
