"""agentspec's own time per model turn against a real llama.cpp server, beside the server's time.

Starts the real-server tier's llama.cpp server (SmolLM2-135M through xllamacpp, tests/real_server/llama.py; the
first start provisions it), runs the builtin agent on the validators spec for a few turns at concurrency 1 and 2, and
prints per turn: the whole turn, the request (the server's time as the client sees it: prompt processing and
generation), the tools run in the sandbox, and what is left: agentspec's own time (building the request,
reading the reply, the loop). Target: agentspec's share under 5% of the turn.

    python benchmarks/real_server_turns.py [--turns 3] [--max-tokens 64] [--base-url URL]

With --base-url no server is started (an OpenAI-compatible server such as a running llama-server, or
`agentspec serve` with --model reference to see agentspec's own time when the server takes none).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from agentspec.agents.base import AgentResult, AgentTask, Endpoint  # noqa: E402
from agentspec.agents.builtin import BuiltinAgent  # noqa: E402
from agentspec.providers import ProviderSettings, Timeouts  # noqa: E402
from agentspec.runner.workspace import make_workspace  # noqa: E402
from agentspec.sandbox import Sandbox  # noqa: E402
from agentspec.spec.model import Limits, Spec  # noqa: E402
from agentspec.spec.suite import load_specs  # noqa: E402


def turn_times(result: AgentResult) -> list[dict[str, float]]:
    """Per turn: whole turn, request, tools, and agentspec's own time (the rest), in seconds."""
    entries = result.transcript
    ends = [e["at_s"] for e in entries[1:]] + [result.duration_s]
    rows = []
    for entry, end in zip(entries, ends, strict=True):
        tools = sum(c.get("duration_s", 0.0) for c in entry.get("tool_calls") or [])
        whole = end - entry["at_s"]
        request = float(entry.get("request_s") or 0.0)
        rows.append({"turn": whole, "server": request, "tools": tools, "agentspec": max(whole - request - tools, 0.0)})
    return rows


async def attempts(
    spec: Spec, endpoint: Endpoint, concurrency: int, settings: ProviderSettings, root: Path
) -> list[AgentResult]:
    agent = BuiltinAgent(settings, check_backend=False)

    async def one(index: int) -> AgentResult:
        folder = root / f"c{concurrency}-{index}"
        make_workspace(spec, folder / "workspace")
        (folder / "scratch").mkdir(parents=True)
        task = AgentTask(spec, folder / "workspace", folder / "scratch", Sandbox("auto"), endpoint)
        return await agent.act(task)

    return list(await asyncio.gather(*(one(i) for i in range(concurrency))))


def report(label: str, results: list[AgentResult]) -> None:
    rows = [row for result in results for row in turn_times(result)]
    if not rows:
        print(f"{label}: no turns ({[r.error for r in results]})")
        return
    total = {k: sum(r[k] for r in rows) for k in rows[0]}
    own = [r["agentspec"] for r in rows]
    share = total["agentspec"] / total["turn"] * 100 if total["turn"] else 0.0
    print(
        f"{label}: {len(rows)} turns; per turn: whole {total['turn'] / len(rows):.2f}s, "
        f"server {total['server'] / len(rows):.2f}s, tools {total['tools'] / len(rows):.3f}s, "
        f"agentspec {statistics.mean(own) * 1000:.1f} ms (median {statistics.median(own) * 1000:.1f} ms, "
        f"max {max(own) * 1000:.1f} ms); agentspec's share {share:.2f}%"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--base-url", help="an OpenAI-compatible server's URL (default: start the real-server tier's)")
    parser.add_argument("--model", default="smollm2", help="the model's name on that server (default: smollm2)")
    args = parser.parse_args()
    [spec] = load_specs([REPO / "specs" / "validators.toml"])
    spec = spec.model_copy(update={"limits": Limits(time_s=3600, turns=args.turns)})
    settings = ProviderSettings(max_tokens=args.max_tokens, timeouts=Timeouts(first_token_s=1800, total_s=3600))
    server: Any = None
    if args.base_url:
        url = args.base_url
    else:
        from tests.real_server.llama import start

        server = start()
        url = server.url + "/v1"
    try:
        with tempfile.TemporaryDirectory() as scratch:
            for concurrency in (1, 2):
                endpoint = Endpoint("openai", args.model, url)
                results = asyncio.run(attempts(spec, endpoint, concurrency, settings, Path(scratch)))
                report(f"concurrency {concurrency}", results)
    finally:
        if server is not None:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
