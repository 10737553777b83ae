"""Run llama.cpp's own HTTP server (tools/server, in-process through PyPI `xllamacpp`) with llama-server's flags.

Runs in the real-server tier's cache venv, not agentspec's (only the standard library and xllamacpp), as a
process of its own: it prints the address it listens on, then serves until it is terminated (SIGTERM).

    python serve_llama.py --model M.gguf --alias smollm2 --port 18080 -c 16384 -np 2 -n 256 \
        --chat-template-file Qwen-Qwen2.5-7B-Instruct.jinja -t 1

Every flag means what it means to `llama-server`; `--jinja` is always on (a chat template file needs it).
Why xllamacpp and not a prebuilt llama-server: its wheel is built for generic x86-64 (AVX2), while the
prebuilt binaries on PyPI are -march=native builds that die with SIGILL on CPUs without AVX-512.
"""

from __future__ import annotations

import argparse
import threading
from pathlib import Path


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """llama-server's flags that the tier uses, spelled as llama-server spells them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-m", "--model", required=True, help="the GGUF file")
    parser.add_argument("-a", "--alias", default="", help="the model's name in /v1/models and in replies")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("-c", "--ctx-size", type=int, default=4096, help="total context, shared by the slots")
    parser.add_argument("-np", "--parallel", type=int, default=1, help="slots; each serves ctx-size / parallel")
    parser.add_argument("-n", "--n-predict", type=int, default=-1, help="cap on generated tokens per reply")
    parser.add_argument("--chat-template-file", help="a Jinja chat template replacing the model's own")
    parser.add_argument("-t", "--threads", type=int, default=1, help="CPU threads (generation and prompt)")
    parser.add_argument("--jinja", action="store_true", help="accepted for llama-server's sake; always on")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Start the server with the flags given, print its address, serve until terminated."""
    import xllamacpp  # type: ignore[import-not-found]  # only in the cache venv

    args = parse(argv)
    params = xllamacpp.CommonParams()
    params.model.path = args.model
    if args.alias:
        params.model_alias = {args.alias}  # a set of names: llama-server's --alias takes a comma-separated list
    params.hostnames = [args.host]
    params.port = args.port
    params.n_ctx = args.ctx_size
    params.n_parallel = args.parallel
    # llama-server's -n: the server's cap on every reply (a request's own max_tokens cannot raise it); /props
    # still shows the per-request default (-1).
    params.n_predict = args.n_predict
    params.use_jinja = True
    if args.chat_template_file:
        params.chat_template = Path(args.chat_template_file).read_text()
    params.cpuparams.n_threads = args.threads
    params.cpuparams_batch.n_threads = args.threads
    server = xllamacpp.Server(params)
    print(server.listening_address, flush=True)
    threading.Event().wait()  # the server threads run in the extension; SIGTERM's default action ends the process


if __name__ == "__main__":
    main()
