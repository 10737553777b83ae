"""`command:` agents for site tests: each writes prepared code into the workspace, so entries differ without GPUs.

The code travels inside the command as base64 (no quoting trouble, no file outside the sandbox to read).
A prepared solution is the spec's reference solution, changed the way a model might: its lock taken
out, or a line of reasoning left in a comment.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from pathlib import Path

from agentspec.spec.model import Spec

LEAK = "    # Wait, the tests do not explicitly check this; keep it simple for now."

_SCRIPT = (
    "import base64,json,os,pathlib;"
    "files=json.loads(base64.b64decode('{payload}'));"
    "counter=pathlib.Path('{counter}') if '{counter}' else None;"
    "n=int(counter.read_text()) if counter and counter.exists() else 0;"
    "counter and counter.write_text(str(n+1));"
    "[pathlib.Path(p).write_text(t if not counter or n==0 else t.replace(chr(10)+'{leak}',''))"
    " for p,t in files.items() if os.path.exists(p)]"
)


def solutions(specs: list[Spec], change: Callable[[str, str], str]) -> dict[str, str]:
    """Every spec's solution files, each passed through `change(path, text)`."""
    return {f.path: change(f.path, f.text) for spec in specs for f in spec.solution}


def unlocked(path: str, source: str) -> str:
    """The solution without its lock: every `with self._lock:` becomes `if True:`."""
    return source.replace("self._lock = threading.Lock()", "pass").replace("with self._lock:", "if True:")


def leaky(path: str, source: str) -> str:
    """The solution with a line of the model's reasoning left after its first function's docstring."""
    lines = source.split("\n")
    start = next((index for index, line in enumerate(lines) if line.startswith("def ")), None)
    if start is None:
        return source
    end = next(index for index in range(start + 1, len(lines)) if lines[index].rstrip().endswith('"""'))
    lines.insert(end + 1, LEAK)
    return "\n".join(lines)


def command_agent(files: Mapping[str, str], counter: Path | None = None) -> str:
    """An agent that writes `files` over those the workspace has; with `counter`, only its first attempt leaks."""
    payload = base64.b64encode(json.dumps(dict(files)).encode()).decode()
    script = _SCRIPT.format(payload=payload, counter=counter or "", leak=LEAK)
    return f'command:python3 -c "{script}"'
