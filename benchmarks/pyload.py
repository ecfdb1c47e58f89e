"""A Python HTTP load generator: the fallback when wrk cannot be installed.

    python benchmarks/pyload.py post URL --connections 8 --seconds 5 --template FILE --token T --tag TAG
    python benchmarks/pyload.py get URL --connections 8 --seconds 5 --ids FILE --token T
    python benchmarks/pyload.py ceiling --connections 8 --seconds 3

It does what the wrk scripts in ``wrk/`` do (a unique documentId per POST;
GETs rotating through existing ids; keep-alive connections; the same
headers) with one thread per connection, spread over at most two processes.
It prints one ``BENCH_JSON`` line shaped like the wrk scripts' report.

``ceiling`` runs it against a trivial asyncio server (in another process)
that answers every request with a fixed response: the figure is what this
generator can drive at all on this machine, to compare with what it drove
against the service.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import multiprocessing
import socket
import sys
import threading
import time
from typing import Any
from urllib.parse import urlsplit

MARKER = b"@@DOCUMENT_ID@@"


def _worker(
    mode: str,
    url: str,
    connections: int,
    seconds: float,
    options: dict[str, Any],
    process_number: int,
    results: Any,
) -> None:
    parts = urlsplit(url)
    headers = {"Accept": "application/json"}
    if options.get("token") and options["token"] != "-":
        headers["Authorization"] = f"Bearer {options['token']}"
    if mode == "post":
        headers.update({"Content-Type": "application/json", "setuVersionId": "2.0"})
        prefix, _, suffix = options["template"].partition(MARKER)
        path = parts.path or "/"
    else:
        paths = [f"/planning/requests/{i}" for i in options.get("ids", [])] or [parts.path or "/"]
    latencies: list[float] = []
    statuses = {"ok": 0, "status": 0, "errors": 0}
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def connection(number: int) -> None:
        own: list[float] = []
        ok = bad = errors = 0
        conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=10)
        counter = 0
        position = (number * 7919) % len(paths) if mode != "post" else 0
        tag = f"{options.get('tag', 'py')}-{process_number}-{number}-".encode()
        while time.perf_counter() < deadline:
            counter += 1
            if mode == "post":
                body: bytes | None = prefix + tag + str(counter).encode() + suffix
                method, target = "POST", path
            else:
                body, method = None, "GET"
                position = (position + 1) % len(paths)
                target = paths[position]
            started = time.perf_counter()
            try:
                conn.request(method, target, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=10)
                continue
            own.append(time.perf_counter() - started)
            if 200 <= response.status < 400:
                ok += 1
            else:
                bad += 1
        conn.close()
        with lock:
            latencies.extend(own)
            statuses["ok"] += ok
            statuses["status"] += bad
            statuses["errors"] += errors

    threads = [threading.Thread(target=connection, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put({"latencies": latencies, **statuses})


def run(mode: str, url: str, connections: int, seconds: float, options: dict[str, Any]) -> dict[str, Any]:
    """Drive ``connections`` keep-alive connections for ``seconds``; wrk's report, as a dict."""
    processes = min(2, connections)
    shares = [connections // processes + (1 if n < connections % processes else 0) for n in range(processes)]
    results: Any = multiprocessing.Queue()
    started = time.perf_counter()
    workers = [
        multiprocessing.Process(target=_worker, args=(mode, url, share, seconds, options, n, results))
        for n, share in enumerate(shares)
    ]
    for worker in workers:
        worker.start()
    collected = [results.get(timeout=seconds + 60) for _ in workers]
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    latencies = sorted(x for c in collected for x in c["latencies"])

    def pct(fraction: float) -> int:
        return int(latencies[min(len(latencies) - 1, int(fraction * len(latencies)))] * 1e6) if latencies else 0

    requests = sum(c["ok"] + c["status"] for c in collected)
    return {
        "requests": requests,
        "duration_us": int(elapsed * 1e6),
        "bytes": 0,
        "errors": {
            "connect": 0,
            "read": sum(c["errors"] for c in collected),
            "write": 0,
            "status": sum(c["status"] for c in collected),
            "timeout": 0,
        },
        "latency_us": {
            "mean": (sum(latencies) / len(latencies) * 1e6) if latencies else 0,
            "max": int(latencies[-1] * 1e6) if latencies else 0,
            "p50": pct(0.5),
            "p90": pct(0.9),
            "p99": pct(0.99),
        },
    }


# ------------------------------------------------------------------ the trivial server
_RESPONSE = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n{"status": "ok"}'


class _Trivial(asyncio.Protocol):
    """Answers every HTTP/1.1 request on the connection with the same fixed response."""

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].lower()
            length = 0
            at = head.find(b"content-length:")
            if at >= 0:
                length = int(head[at + 15 :].split(b"\r\n", 1)[0])
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length :]
            self.transport.write(_RESPONSE)


def serve_trivial(sock: socket.socket) -> None:
    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(_Trivial, sock=sock)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def ceiling(connections: int, seconds: float) -> dict[str, Any]:
    """This generator against the trivial server (POSTing a 2 KB body, as against the service)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    server = multiprocessing.Process(target=serve_trivial, args=(sock,), daemon=True)
    server.start()
    try:
        template = b'{"documentId": {"value": "@@DOCUMENT_ID@@"}, "padding": "' + b"x" * 2000 + b'"}'
        return run("post", f"http://127.0.0.1:{port}/", connections, seconds, {"template": template, "tag": "ceiling"})
    finally:
        server.terminate()
        server.join(timeout=5)
        sock.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=("post", "get", "ceiling"))
    parser.add_argument("url", nargs="?")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--template", help="POST body with @@DOCUMENT_ID@@ where the documentId value goes")
    parser.add_argument("--ids", help="file of resource ids to GET, one per line")
    parser.add_argument("--token", default="-")
    parser.add_argument("--tag", default="py")
    args = parser.parse_args(argv)
    if args.mode == "ceiling":
        report = ceiling(args.connections, args.seconds)
    else:
        if not args.url:
            parser.error("a URL is needed")
        options: dict[str, Any] = {"token": args.token, "tag": args.tag}
        if args.mode == "post":
            with open(args.template, "rb") as handle:
                options["template"] = handle.read()
            if MARKER not in options["template"]:
                parser.error(f"no {MARKER.decode()} in {args.template}")
        else:
            with open(args.ids, encoding="utf-8") as handle:
                options["ids"] = [line.strip() for line in handle if line.strip()]
        report = run(args.mode, args.url, args.connections, args.seconds, options)
    print("BENCH_JSON " + json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
