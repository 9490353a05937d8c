"""Benchmark: what the network broker adds to one external call.

    .venv/bin/python bench/bench_broker.py --calls 200 --runs 5

A loopback HTTP server answers a small JSON document. Timed (wall clock, median of ``--runs``
rounds of ``--calls`` sequential calls each): the call made directly with
``providers.http.fetch`` (what a tool outside a sandbox does), and the same call made through a
broker's Unix socket (what a tool in a sandbox does: connect, frame, the broker's checks and
fetch, base64 back). Prints the per-call medians in milliseconds and the difference.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from meta_agent.runtime.broker import Broker, Channel
from meta_agent.tool_library.providers.broker_client import broker_fetch
from meta_agent.tool_library.providers.http import fetch

BODY = json.dumps({"ok": 1, "rows": list(range(50))}).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:  # noqa: N802 - the http.server protocol
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *args: Any) -> None:
        pass


def per_call_ms(call: Callable[[], object], calls: int, runs: int) -> float:
    rounds = []
    for _ in range(runs):
        started = time.perf_counter()
        for _ in range(calls):
            call()
        rounds.append((time.perf_counter() - started) / calls * 1000)
    return statistics.median(rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/data"
    entries = [f"127.0.0.1:{server.server_address[1]}"]
    broker = Broker(Channel(), entries, owns_channel=True)
    broker.serve(peer_root=os.getpid())
    path = str(broker.channel.socket_path)
    try:
        fetch(url, entries=entries)  # warm imports
        direct = per_call_ms(lambda: fetch(url, entries=entries), args.calls, args.runs)
        brokered = per_call_ms(lambda: broker_fetch(path, "GET", url, {}), args.calls, args.runs)
    finally:
        broker.close()
        server.shutdown()
    print(f"calls per round: {args.calls}, rounds: {args.runs} (medians)")
    print(f"direct fetch:       {direct:7.2f} ms per call")
    print(f"through the broker: {brokered:7.2f} ms per call")
    print(f"broker overhead:    {brokered - direct:7.2f} ms per call")


if __name__ == "__main__":
    main()
