"""Code with findings under their lines, diffs, tests tables and transcripts, as HTML."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from agentspec.publish.code import code_view, diff_view, file_views, grading_table, highlighted_lines
from agentspec.publish.transcript import transcript_view

SOURCE = 'import threading\n\n\nclass Cache:\n    """A cache."""\n\n    def get(self):\n        return 1\n'


class _Tags(HTMLParser):
    """Collects start tags and checks that every element closes in order."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag not in ("input", "br", "img"):
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1] if self.stack else None}>"
        self.stack.pop()


def well_formed(fragment: str) -> list[str]:
    parser = _Tags()
    parser.feed(fragment)
    parser.close()
    assert not parser.stack
    return parser.tags


def finding(line: int, rule: str = "thread-safety", message: str = "not locked") -> dict[str, object]:
    return {"rule": rule, "severity": "warning", "path": "cache.py", "line": line, "column": 5, "message": message}


def test_every_line_is_numbered_and_highlighted() -> None:
    lines = highlighted_lines(SOURCE, "cache.py")
    assert len(lines) == SOURCE.count("\n")
    assert '<span class="k">class</span>' in lines[3]
    view = code_view(SOURCE, "cache.py")
    assert re.findall(r'data-n="(\d+)"', view) == [str(n) for n in range(1, 9)]
    assert "\n" not in view
    well_formed(view)


def test_a_finding_sits_right_under_its_line() -> None:
    view = code_view(SOURCE, "cache.py", [finding(4), finding(99, "docstrings", "past the end")])
    after_four = view.split('data-n="4"', 1)[1].split('data-n="5"', 1)[0]
    assert "thread-safety" in after_four and "not locked" in after_four
    assert "as-flagged" in view.split('data-n="4"', 1)[0].rsplit("<span", 1)[1]
    after_last = view.split('data-n="8"', 1)[1]
    assert "past the end" in after_last
    well_formed(view)


def test_files_and_findings_on_files_not_shown() -> None:
    view = file_views({"cache.py": SOURCE}, [finding(2), {**finding(1), "path": "gone.py"}], anchor="x")
    assert "cache.py" in view and "Findings in files not shown" in view and "gone.py" in view
    well_formed(view)


def test_an_unchanged_starter_file_is_shown_when_a_finding_points_into_it() -> None:
    starter = {"cache.py": SOURCE, "other.py": "x = 1\n"}
    view = file_views({}, [finding(4)], anchor="x", unchanged=starter)
    assert "unchanged from the starter" in view and "not locked" in view and "other.py" not in view
    assert "Findings in files not shown" not in view


def test_unknown_suffixes_and_huge_files_are_shown_plainly() -> None:
    assert highlighted_lines("a <b>\n", "notes.unknownext") == ["a &lt;b&gt;"]
    huge = "x = 1\n" * 50_000
    assert len(highlighted_lines(huge, "big.py")) == 50_000


def test_diff_lines_are_coloured_by_kind() -> None:
    diff = "--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-old <b>\n+new\n same\n"
    view = diff_view(diff)
    assert '<span class="gd">-old &lt;b&gt;</span>' in view and '<span class="gi">+new</span>' in view
    assert '<span class="gu">@@ -1 +1 @@</span>' in view
    assert "No changes" in diff_view("")
    well_formed(view)


def test_grading_table_marks_the_tests_to_fix() -> None:
    tests = [{"id": "t::a", "outcome": "passed", "message": ""}, {"id": "t::b", "outcome": "failed", "message": "<x>"}]
    view = grading_table(tests, {"t::a": "passed"})
    assert "to fix" in view and "&lt;x&gt;" in view and "as-failed" in view
    well_formed(view)


def test_transcripts_of_every_shape() -> None:
    builtin_turn = {
        "turn": 1,
        "tokens_in": 10,
        "text": "I will write it <now>",
        "tool_calls": [
            {
                "name": "write_file",
                "arguments": json.dumps({"path": "a.py", "content": "x = 1\ny = 2\n"}),
                "ok": True,
                "result": "wrote a.py",
            },
            {"name": "run", "arguments": "not json {", "ok": False, "result": "boom"},
        ],
    }
    chat = {
        "role": "assistant",
        "content": "hi",
        "thinking": "hmm <b>",
        "tool_calls": [{"name": "ls", "arguments": {}}],
    }
    anthropic = {
        "role": "user",
        "content": [
            {"type": "text", "text": "go"},
            {"type": "tool_use", "name": "Bash", "input": {"command": "ls"}},
            {"type": "tool_result", "content": "a.py"},
        ],
    }
    view = transcript_view([builtin_turn, chat, anthropic, "a bare string", 42, None])
    for expected in (
        "turn 1",
        "tokens_in 10",
        "I will write it &lt;now&gt;",
        "write_file",
        "path=&quot;a.py&quot;",
        "x = 1&#10;y = 2",
        "wrote a.py",
        "failed",
        "not json &#123;",
        "thinking",
        "hmm &lt;b&gt;",
        "Bash",
        "command=&quot;ls&quot;",
        "a bare string",
    ):
        assert expected in view, expected
    assert "\n" not in view
    well_formed(view)
    assert "No transcript" in transcript_view([])


def test_claude_code_stream_events_are_shown_as_turns_not_json() -> None:
    events = [
        {"type": "system", "subtype": "init", "model": "m", "cwd": "/w", "tools": 12},
        {
            "type": "assistant",
            "session_id": "s",
            "message": {
                "id": "msg_1",
                "role": "assistant",
                "content": [
                    {"type": "text", "text": "Let me run the tests."},
                    {"type": "tool_use", "id": "t1", "name": "Bash", "input": {"command": "pytest -q"}},
                ],
            },
        },
        {
            "type": "user",
            "message": {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "3 passed", "is_error": False}],
            },
        },
        {"type": "result", "subtype": "success", "result": "All done.", "num_turns": 2, "session_id": "s"},
    ]
    html = transcript_view(events)
    assert "as-json" not in html
    assert "<b>assistant</b>" in html and "Let me run the tests." in html
    assert "calls <code>Bash</code>" in html and "pytest -q" in html
    assert "<b>user</b>" in html and "3 passed" in html and ">result</p>" in html
    assert "<b>result (success)</b>" in html and "All done." in html and "session_id" not in html
