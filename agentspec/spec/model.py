"""The spec: one coding task, as pydantic models that are the format's single source of truth.

Field descriptions feed the JSON Schema (`agentspec schema`) and the authoring guide.
"""

from __future__ import annotations

import errno
import hashlib
import json
import shlex
from pathlib import Path, PurePosixPath
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from agentspec.review.registry import rule_ids

KNOWN_KINDS = ("bug-fix", "tdd", "refactor", "feature", "security-fix", "debug", "implement", "optimize")
GROWTH_CLASSES = ("constant", "log", "linear", "nlogn", "quadratic", "cubic")
# Files that steer pytest: an agent that plants or edits one could change what the tests mean.
PYTEST_CONTROL_FILES = (
    "conftest.py",
    "pytest.ini",
    "setup.cfg",
    "tox.ini",
    "pyproject.toml",
    "sitecustomize.py",
)


# The largest integer SQLite and JSON consumers take without overflow.
MAX_INT = 2**63 - 1
# Most file systems allow 255 bytes per name and 4096 per path.
_MAX_NAME_BYTES = 255
_MAX_PATH_BYTES = 4096
# A scaling setup is a short expression; a longer one is a mistake (and compiling it can recurse out).
MAX_SETUP_CHARS = 2000
MAX_SOURCE_BYTES = 32 * 2**20


class _Strict(BaseModel):
    # strict: TOML has real integers, booleans and strings, so "50" where a number belongs is a mistake.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


Count = Annotated[int, Field(gt=0, le=MAX_INT)]


def check_relative_path(value: str) -> str:
    """Reject paths that are absolute, empty, or leave the workspace."""
    if not value or not value.strip():
        raise ValueError("must not be empty")
    if "\x00" in value:  # no file system allows it, and os functions raise on it
        raise ValueError(f"{value!r} contains a NUL byte")
    if len(value.encode("utf-8", "surrogatepass")) > _MAX_PATH_BYTES:
        raise ValueError(f"is longer than {_MAX_PATH_BYTES} bytes")
    if "\\" in value:
        raise ValueError(f"use forward slashes in {value!r}")
    pure = PurePosixPath(value)
    if pure.is_absolute():
        raise ValueError(f"{value!r} is absolute; give a path relative to the workspace, e.g. 'src/app.py'")
    if any(part == ".." for part in pure.parts):
        raise ValueError(f"{value!r} leaves the workspace ('..' is not allowed)")
    if pure.parts and pure.parts[0] == ".git":
        raise ValueError(f"{value!r} is inside .git")
    if not pure.parts:
        raise ValueError(f"{value!r} names no file; give a file name, e.g. 'src/app.py'")
    for part in pure.parts:
        if len(part.encode("utf-8", "surrogatepass")) > _MAX_NAME_BYTES:
            raise ValueError(f"a name in the path is longer than {_MAX_NAME_BYTES} bytes: {part[:40]!r}...")
    return str(pure)


class File(_Strict):
    """A file placed in the workspace: its text inline (`content`) or read from the spec's folder (`source`)."""

    path: str = Field(description="Where the file goes, relative to the workspace root, with forward slashes.")
    content: str | None = Field(
        default=None,
        description="The file's text, inline. Use a literal string ('''...''') to keep backslashes.",
    )
    source: str | None = Field(
        default=None,
        description="A file to read the text from, relative to the folder that holds the spec file.",
    )

    @field_validator("path")
    @classmethod
    def _path_in_workspace(cls, value: str) -> str:
        return check_relative_path(value)

    @field_validator("source")
    @classmethod
    def _source_exists(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        check_relative_path(value)
        root = (info.context or {}).get("root")
        if root is not None:
            try:
                target = resolve_source(Path(root), value)
                if target.stat().st_size > MAX_SOURCE_BYTES:
                    raise ValueError(f"{value!r} is larger than {MAX_SOURCE_BYTES // 2**20} MB")
                target.read_bytes().decode("utf-8")
            except OSError as exc:
                raise ValueError(f"{value!r} cannot be read: {exc.strerror or exc}") from None
            except UnicodeDecodeError:
                raise ValueError(f"{value!r} is not UTF-8 text; only text files are supported") from None
        return value

    @model_validator(mode="after")
    def _content_or_source(self) -> File:
        if (self.content is None) == (self.source is None):
            raise ValueError("give exactly one of 'content' (inline text) or 'source' (a file next to the spec)")
        return self

    @property
    def text(self) -> str:
        """The file's text; only call on a loaded spec, whose sources are resolved."""
        if self.content is None:
            raise RuntimeError(f"{self.path}: source {self.source!r} was not resolved; load the spec with load_spec")
        return self.content


class TestFile(File):
    """A test file: visible to the agent unless `hidden`, always restored from the spec before grading."""

    __test__ = False  # not a pytest class
    hidden: bool = Field(
        default=False,
        description="Keep this file from the agent; it is added to the workspace only for grading.",
    )


def resolve_source(root: Path, source: str) -> Path:
    """Return the real file behind `source`, refusing anything outside `root` (symlinks included)."""
    try:
        base = root.resolve()
        target = (root / source).resolve(strict=True)
        is_folder = target.is_dir()
    except FileNotFoundError:
        raise ValueError(f"{source!r} does not exist next to the spec (looked in {root.resolve()})") from None
    except RuntimeError:  # Python 3.11 reports a symlink loop this way; later versions raise OSError
        raise ValueError(f"{source!r} is a symlink loop") from None
    except OSError as exc:
        reason = "is a symlink loop" if exc.errno == errno.ELOOP else f"cannot be read: {exc.strerror or exc}"
        raise ValueError(f"{source!r} {reason}") from None
    if not target.is_relative_to(base):
        raise ValueError(f"{source!r} resolves outside the spec's folder (through a symlink?)")
    if is_folder:
        raise ValueError(f"{source!r} is a folder; name a file (list each file of the folder separately)")
    if not target.is_file():
        raise ValueError(f"{source!r} is not a regular file")
    return target


def _command_list(value: Any) -> Any:
    if isinstance(value, str):
        try:
            value = shlex.split(value)
        except ValueError as exc:  # an unclosed quote
            raise ValueError(f"cannot split the command into arguments: {exc}") from None
    if value == []:
        raise ValueError("must not be empty: give the test command, e.g. 'python -m pytest'")
    return value


class Grading(_Strict):
    """How the final workspace is graded."""

    command: Annotated[
        list[str], Field(min_length=1), BeforeValidator(_command_list, json_schema_input_type=str | list[str])
    ] = Field(
        default_factory=lambda: ["python", "-m", "pytest"],
        description=(
            "The test command, a string or a list of arguments. It must run pytest; agentspec adds its own "
            "flags (JUnit XML, no cache). Default: python -m pytest."
        ),
    )
    timeout_s: float = Field(default=300.0, gt=0, description="Wall-clock limit for one grading run, in seconds.")


class Limits(_Strict):
    """What the agent may spend on the task."""

    time_s: float = Field(default=900.0, gt=0, description="Wall-clock limit for the agent, in seconds.")
    turns: Count = Field(default=50, description="Most model turns (requests) the agent may make.")
    tokens: Count | None = Field(default=None, description="Most tokens (prompt + completion) the agent may use.")
    max_tokens: Count | None = Field(
        default=None,
        description="Most tokens per model reply, sent with each request by the builtin agent; replies cut at it twice "
        "in a row end as `output_truncated`.",
    )


class Scaling(_Strict):
    """A function whose running time agentspec measures at growing input sizes."""

    function: str = Field(description="'module:function' to time, e.g. 'dupes:find_duplicates'.")
    setup: str = Field(
        max_length=MAX_SETUP_CHARS,
        description=(
            "A Python expression in `n` that builds the call's arguments as a tuple, e.g. "
            "'(list(range(n)) * 2,)'. It runs before timing starts."
        ),
    )
    sizes: list[Count] = Field(
        default_factory=lambda: [1000, 2000, 4000, 8000, 16000],
        min_length=3,
        description="Input sizes to time, at least three, smallest first.",
    )
    max_class: Literal["constant", "log", "linear", "nlogn", "quadratic", "cubic"] = Field(
        default="linear", description="The slowest growth class that passes."
    )

    @field_validator("function")
    @classmethod
    def _module_colon_function(cls, value: str) -> str:
        module, sep, name = value.partition(":")
        if not sep or not module or not name:
            raise ValueError(f"{value!r} should look like 'module:function', e.g. 'dupes:find_duplicates'")
        return value

    @field_validator("setup")
    @classmethod
    def _expression(cls, value: str) -> str:
        try:
            compile(value, "<setup>", "eval")
        except SyntaxError as exc:
            raise ValueError(f"not a Python expression: {exc.msg}") from None
        except (RecursionError, MemoryError):
            raise ValueError(
                "the expression is nested too deeply to compile; build the arguments more simply"
            ) from None
        return value

    @field_validator("sizes")
    @classmethod
    def _increasing(cls, value: list[int]) -> list[int]:
        if value != sorted(set(value)):
            raise ValueError("sizes must be distinct and in increasing order")
        return value


def _rule_id_enum(schema: dict[str, Any]) -> None:
    for branch in schema.get("anyOf", [schema]):
        if branch.get("type") == "array":
            branch["items"] = {"enum": rule_ids(), "type": "string"}


class Review(_Strict):
    """Which reviewers run on the agent's code, and what the task requires of it."""

    rules: list[str] | None = Field(
        default=None,
        description="Reviewer rules to run; default: all of them.",
        # The ids come from the reviewer's registry (review/registry.py) when the schema is made.
        json_schema_extra=lambda schema: _rule_id_enum(schema),
    )
    thread_safety: Literal["required", "optional"] = Field(
        default="optional",
        description="'required' flags any class with shared state that owns no lock.",
    )
    scaling: list[Scaling] = Field(
        default_factory=list, description="Functions whose measured growth must stay within a class."
    )

    @field_validator("rules")
    @classmethod
    def _known_rules(cls, value: list[str] | None) -> list[str] | None:
        known = rule_ids()
        for rule in value or ():
            if rule not in known:
                raise ValueError(f"unknown rule {rule!r}; rules are {', '.join(known)}")
        return value


class Spec(_Strict):
    """One coding task: what the agent is told, what it starts from, and how its work is judged."""

    id: str = Field(
        pattern=r"^[a-z0-9][a-z0-9._-]*$",
        max_length=80,
        description="Unique in the suite: lowercase letters, digits, '.', '_' and '-'.",
    )
    title: str = Field(min_length=1, max_length=200, description="One line for tables and page titles.")
    kind: str = Field(
        min_length=1,
        max_length=80,
        description="What sort of task: " + ", ".join(KNOWN_KINDS) + ", or another word of your own.",
    )
    difficulty: Literal["easy", "medium", "hard"] = Field(default="medium", description="easy, medium or hard.")
    tags: list[str] = Field(default_factory=list, description="Free labels for filtering and the site.")
    instructions: str = Field(min_length=1, description="The prompt the agent gets, verbatim.")
    files: list[File] = Field(default_factory=list, description="Starter files, written to the workspace first.")
    tests: list[TestFile] = Field(
        min_length=1,
        description="Test files: the grading truth, restored from here before every grading run.",
    )
    solution: list[File] = Field(
        default_factory=list,
        description="The reference solution: files that replace or add to the starter. Never a test file.",
    )
    grading: Grading = Field(default_factory=Grading, description="How the workspace is graded.")
    limits: Limits = Field(default_factory=Limits, description="The agent's budget.")
    review: Review = Field(default_factory=Review, description="Code review settings.")
    metadata: dict[str, str | int | float | bool | list[str]] = Field(
        default_factory=dict, description="Free facts about the task: author, source, license, ..."
    )

    @field_validator("metadata")
    @classmethod
    def _integers_fit(cls, value: dict[str, Any]) -> dict[str, Any]:
        for key, item in value.items():
            if isinstance(item, int) and not isinstance(item, bool) and abs(item) > MAX_INT:
                raise ValueError(f"{key!r}: {item} is too large; write it as a string")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Spec:
        # Only what the checks read: dumping every file's text would double the work on a large spec.
        outline = {
            "files": [{"path": f.path} for f in self.files],
            "tests": [{"path": t.path} for t in self.tests],
            "solution": [{"path": s.path} for s in self.solution],
            "review": self.review.model_dump(mode="python"),
        }
        problems = cross_field_problems(outline)
        if problems:
            raise ValueError("; ".join(f"{field}: {message}" for field, message in problems))
        return self

    def content_hash(self) -> str:
        """A short hash of everything that defines the task; editing the spec changes it."""
        data = self.model_dump(mode="json", exclude={"metadata"})
        if data["limits"]["max_tokens"] is None:
            del data["limits"]["max_tokens"]  # added later: unset, it leaves the hashes (and attempt keys) as they were
        payload = json.dumps(data, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


def cross_field_problems(data: Any) -> list[tuple[str, str]]:
    """Problems that involve several fields, found on raw data of any shape (so they show with the rest)."""
    if not isinstance(data, dict):
        return []
    problems: list[tuple[str, str]] = []
    for section in ("files", "tests", "solution"):
        seen: dict[str, int] = {}
        for index, path in _paths(data.get(section)):
            if path in seen:
                problems.append(
                    (
                        f"{section}[{index}].path",
                        f"{path!r} is listed twice (first at {section}[{seen[path]}])",
                    )
                )
            else:
                seen[path] = index
    test_paths = {path for _, path in _paths(data.get("tests"))}
    for index, path in _paths(data.get("files")):
        if path in test_paths:
            problems.append((f"files[{index}].path", f"{path!r} is also a test file; list it only under [[tests]]"))
    for index, path in _paths(data.get("solution")):
        if path in test_paths:
            problems.append((f"solution[{index}].path", f"the reference solution must not edit the test file {path!r}"))
    review = data.get("review")
    if isinstance(review, dict):
        rules = review.get("rules")
        if review.get("thread_safety") == "required" and isinstance(rules, list) and "thread-safety" not in rules:
            problems.append(("review.thread_safety", "is 'required' but review.rules leaves out 'thread-safety'"))
        code_paths = {path for section in ("files", "solution") for _, path in _paths(data.get(section))}
        scaling = review.get("scaling")
        for index, entry in enumerate(scaling if isinstance(scaling, list) else []):
            function = entry.get("function") if isinstance(entry, dict) else None
            if isinstance(function, str) and ":" in function:
                module = function.split(":", 1)[0].replace(".", "/")
                if not {f"{module}.py", f"{module}/__init__.py"} & code_paths:
                    problems.append(
                        (
                            f"review.scaling[{index}].function",
                            f"no file {module}.py among the starter or solution files",
                        )
                    )
    return problems


def _paths(entries: Any) -> list[tuple[int, str]]:
    if not isinstance(entries, list):
        return []
    found = []
    for index, entry in enumerate(entries):
        if isinstance(entry, dict) and isinstance(entry.get("path"), str):
            found.append((index, str(PurePosixPath(entry["path"]))))
    return found
