"""Fuzzing the loaders with mutated real specs and configs: nothing escapes, every rejection is located.

Hypothesis runs derandomized (the same examples on every machine) with a bounded number of examples,
so CI stays stable and fast.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentspec.config import find_config, load_config
from agentspec.errors import ConfigError
from agentspec.spec.load import try_load_spec
from agentspec.spec.locate import locate_keys
from tests.conftest import SPECS

SEEDS = sorted(SPECS.glob("*.toml"))
CONFIGS = [
    '[run]\ntrials = 3\nconcurrency = 2\nresults = "out"\n\n[[matrix]]\nagent = "claude-code"\n'
    'models = ["ollama/qwen3.5:27b", "ollama/gemma4:31b"]\nresources = {claude = 1}\n\n'
    '[[matrix]]\nagent = "reference"\n',
    '[run]\nexecutor = "ray"\nray_address = "head:6379"\nray_runtime_env = {env_vars = {A = "1"}}\n',
]
# Characters that matter to TOML and to the locator: quotes, brackets, escapes, separators, newlines.
PIECES = st.sampled_from(
    ['"', "'", '"""', "'''", "[", "]", "[[", "{", "}", ",", "=", ".", "#", "\\", "\n", " ", "\x00", "é", "1", "-", "x"]
)
FUZZ = settings(
    max_examples=150,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
LOCATED = re.compile(r"^(?P<path>.+):(?P<line>\d+):(?P<column>\d+): \S")


@st.composite
def mutated(draw: st.DrawFn, texts: list[str]) -> str:
    """A real document with a few edits: slices deleted, duplicated, or TOML-significant text inserted."""
    text = draw(st.sampled_from(texts))
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 40)))
        action = draw(st.sampled_from(["delete", "insert", "duplicate", "repeat"]))
        if action == "delete":
            text = text[:start] + text[end:]
        elif action == "insert":
            text = text[:start] + "".join(draw(st.lists(PIECES, min_size=1, max_size=6))) + text[start:]
        elif action == "duplicate":
            text = text[:end] + text[start:end] + text[end:]
        else:
            text = text[:start] + draw(PIECES) * draw(st.integers(50, 400)) + text[start:]
    return text


@pytest.fixture(scope="module")
def suite_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed specs with their folders of referenced files, in a scratch folder the fuzzer writes into."""
    folder = tmp_path_factory.mktemp("fuzz")
    for seed in SEEDS:
        if (SPECS / seed.stem).is_dir():
            shutil.copytree(SPECS / seed.stem, folder / seed.stem)
    return folder


def _lines(text: str) -> int:
    return text.count("\n") + 1


@FUZZ
@given(text=mutated([seed.read_text(encoding="utf-8") for seed in SEEDS]))
def test_a_mutated_spec_loads_or_is_rejected_with_positions(suite_copy: Path, text: str) -> None:
    stems = [seed.stem for seed in SEEDS]
    # Written next to every seed's folder under each name in turn, so `source` references resolve.
    path = suite_copy / f"{stems[len(text) % len(stems)]}.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    spec, problems = try_load_spec(path)
    assert (spec is None) == bool(problems)
    for problem in problems:
        assert problem.path == path
        assert 1 <= problem.line <= _lines(text)
        assert problem.column >= 1
        assert problem.message and "\n" not in problem.message
        assert "Input should" not in problem.message  # pydantic's own wording is rewritten


@FUZZ
@given(text=mutated(CONFIGS), pyproject=st.booleans())
def test_a_mutated_config_loads_or_is_rejected_with_positions(tmp_path: Path, text: str, pyproject: bool) -> None:
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    if pyproject:
        text = "[tool.agentspec]\n" + text.replace("[run]", "[tool.agentspec.run]").replace(
            "[[matrix]]", "[[tool.agentspec.matrix]]"
        )
        path = folder / "pyproject.toml"
    else:
        path = folder / "agentspec.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        find_config(folder) if pyproject else load_config(path)
    except ConfigError as exc:
        for line in str(exc).splitlines():
            match = LOCATED.match(line)
            assert match, line
            assert match["path"] == str(path)
            assert 1 <= int(match["line"]) <= _lines(text)


def test_the_fuzzer_starts_from_valid_seed_specs() -> None:
    assert SEEDS
    assert all(try_load_spec(seed)[1] == [] for seed in SEEDS)


@pytest.mark.parametrize("opening", ['"""', "'''", '"', "'"])
def test_a_long_unterminated_string_is_located_at_its_start(opening: str) -> None:
    # 200,000 characters: a backtracking scanner would never finish; a linear one takes milliseconds.
    text = 'id = "x"\nnote = ' + opening + "a\\b c" * 40_000
    assert locate_keys(text).unterminated == (2, 8)
