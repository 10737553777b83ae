"""The `serve` command: a loopback model server with scripted models, for tests and harness dry runs."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Any

from agentspec.errors import UsageError
from agentspec.serve import MODELS, Faults, ModelServer, RequestRecord
from agentspec.serve.faults import MALFORMED_MODES
from agentspec.spec.model import Spec
from agentspec.spec.suite import load_specs


def add_commands(commands: Any) -> None:
    """Register this module's subcommands."""
    serve = commands.add_parser(
        "serve",
        help="a model server speaking Ollama, OpenAI and Anthropic, with scripted models",
        description=(
            "Serve the scripted models reference (solves the spec it recognises in the prompt with the "
            "client's tools), nop (changes nothing) and notools (reference without tool support) over the "
            "Ollama, OpenAI chat completions and Anthropic Messages protocols, on one port."
        ),
    )
    serve.add_argument("paths", nargs="*", type=Path, metavar="SPECS", help="spec files or folders (default: specs/)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=11434, help="port (default: 11434, Ollama's; 0 picks a free one)")
    serve.add_argument(
        "--default-model",
        choices=["nop", "reference", "none"],
        default="nop",
        help="what serves model names that are not reference/nop/notools: nop (default), reference, or none (404)",
    )
    faults = serve.add_argument_group("fault injection (chat requests only)")
    faults.add_argument("--latency", type=float, default=0.0, metavar="S", help="seconds before the first byte")
    faults.add_argument("--error-rate", type=float, default=0.0, metavar="P", help="share of requests failing")
    faults.add_argument(
        "--error-status",
        type=int,
        action="append",
        metavar="STATUS",
        help="HTTP status of injected errors (repeatable; default: 500 and 429)",
    )
    faults.add_argument("--retry-after", type=float, default=1.0, metavar="S", help="Retry-After of 429/503/529")
    faults.add_argument("--seed", type=int, default=0, help="seed of the error draws (default: 0)")
    faults.add_argument(
        "--malformed-tool-calls",
        nargs="?",
        const="json",
        choices=MALFORMED_MODES,
        help="break tool calls: json (invalid arguments, the default), text (calls as plain text), name (unknown tool)",
    )
    faults.add_argument("--drop-mid-stream", action="store_true", help="close the connection after the first chunk")
    faults.add_argument("--error-mid-stream", action="store_true", help="send an in-stream error after the first chunk")
    faults.add_argument("--context-length", type=int, metavar="N", help="refuse prompts longer than N tokens")
    faults.add_argument("--legacy-errors", action="store_true", help="OpenAI errors in vLLM's older flat shape")
    faults.add_argument(
        "--mistral-tool-ids", action="store_true", help="refuse tool call ids a Mistral model refuses (not 9 a-z0-9)"
    )
    serve.add_argument("--quiet", action="store_true", help="do not print a line per request")
    serve.set_defaults(handler=cmd_serve)


def _specs(paths: list[Path]) -> list[Spec]:
    if paths:
        return load_specs(paths)
    default = Path("specs")
    return load_specs([default]) if default.is_dir() else []


def _faults(args: argparse.Namespace) -> Faults:
    try:
        return Faults(
            latency=args.latency,
            error_rate=args.error_rate,
            error_statuses=tuple(args.error_status or (500, 429)),
            retry_after=args.retry_after,
            seed=args.seed,
            malformed=args.malformed_tool_calls,
            drop_mid_stream=args.drop_mid_stream,
            error_mid_stream=args.error_mid_stream,
            context_length=args.context_length,
            legacy_errors=args.legacy_errors,
            mistral_tool_ids=args.mistral_tool_ids,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _log(entry: RequestRecord) -> None:
    parts = [entry.method, entry.path + (f"?{entry.query}" if entry.query else ""), str(entry.status)]
    if entry.model:
        parts.append(f"model={entry.model}")
    if entry.stream is not None:
        parts.append(f"stream={str(entry.stream).lower()}")
    if entry.tools:
        parts.append(f"tools={len(entry.tools)}")
    if entry.fault:
        parts.append(f"fault={entry.fault}")
    print("agentspec serve: " + " ".join(parts), file=sys.stderr, flush=True)


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C (or SIGTERM); print the URLs to use first."""
    specs = _specs(args.paths)
    faults = _faults(args)
    default = None if args.default_model == "none" else args.default_model
    try:
        server = ModelServer(
            specs,
            host=args.host,
            port=args.port,
            faults=faults,
            default_model=default,
            on_request=None if args.quiet else _log,
        )
    except OSError as exc:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    signal.signal(signal.SIGTERM, _stop)
    urls = server.base_urls
    try:
        print(
            f"agentspec serve: listening on {server.url} (Ollama: {urls['ollama']}, OpenAI: {urls['openai']}, "
            f"Anthropic: {urls['anthropic']}); models {', '.join(MODELS)}; {len(specs)} specs; Ctrl-C stops",
            flush=True,
        )
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    print("agentspec serve: stopped", file=sys.stderr, flush=True)
    return 0
