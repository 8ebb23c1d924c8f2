"""Load from another process on 127.0.0.1: wrk when installed, else a small threaded generator.

Both return the same numbers: requests, seconds, requests per second, errors (connection,
timeouts, non-2xx) and latency percentiles in ms. Each connection uses its own session cookie, as
ten users would.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from urllib.parse import urlsplit

from bench.core import median, p95

_WRK_SCRIPT = """
local cookies = {%(cookies)s}
local n = 0
setup = function(thread)
  n = n + 1
  thread:set("offset", n)
end
local i = 0
request = function()
  i = i + 1
  if #cookies == 0 then return wrk.format("GET") end
  local c = cookies[((i + (offset or 0)) %% #cookies) + 1]
  return wrk.format("GET", nil, {["Cookie"] = c})
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests": %%d, "duration_us": %%d, "connect": %%d, "read": %%d, "write": %%d,'
    .. ' "status": %%d, "timeout": %%d, "p50": %%d, "p95": %%d, "p99": %%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def generator() -> str:
    return "wrk" if shutil.which("wrk") else "python"


def load(url: str, *, seconds: float, connections: int, cookies: list[str]) -> dict:
    if generator() == "wrk":
        return _wrk(url, seconds=seconds, connections=connections, cookies=cookies)
    return _threads(url, seconds=seconds, connections=connections, cookies=cookies)


def _wrk(url: str, *, seconds: float, connections: int, cookies: list[str]) -> dict:
    script = _WRK_SCRIPT % {"cookies": ", ".join(json.dumps(c) for c in cookies)}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        threads = max(1, min(2, connections))
        cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s"]
        out = subprocess.run(
            [*cmd, "-s", f.name, url], capture_output=True, text=True, timeout=seconds + 60, check=True
        ).stdout
    finally:
        os.unlink(f.name)
    line = next(x for x in out.splitlines() if x.startswith("BENCHJSON "))
    data = json.loads(line.removeprefix("BENCHJSON "))
    secs = data["duration_us"] / 1e6
    return {
        "generator": "wrk",
        "requests": data["requests"],
        "seconds": secs,
        "rps": data["requests"] / secs if secs else 0.0,
        "errors": {k: data[k] for k in ("connect", "read", "write", "timeout")},
        "non_2xx": data["status"],
        "p50_ms": data["p50"] / 1000.0,
        "p95_ms": data["p95"] / 1000.0,
        "p99_ms": data["p99"] / 1000.0,
    }


def _threads(url: str, *, seconds: float, connections: int, cookies: list[str]) -> dict:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = {"connect": 0, "read": 0, "write": 0, "timeout": 0}
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(n: int) -> None:
        headers = {"Cookie": cookies[n % len(cookies)]} if cookies else {}
        conn = None
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
                conn.request("GET", target, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
                if response.will_close:
                    conn.close()
                    conn = None
            except TimeoutError:
                with lock:
                    errors["timeout"] += 1
                conn = None
                continue
            except OSError:
                with lock:
                    errors["read"] += 1
                conn = None
                continue
            elapsed = (time.perf_counter() - started) * 1000.0
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1
        if conn is not None:
            conn.close()

    began = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 30)
    secs = time.monotonic() - began
    requests = len(latencies)
    return {
        "generator": "python",
        "requests": requests,
        "seconds": secs,
        "rps": requests / secs if secs else 0.0,
        "errors": errors,
        "non_2xx": sum(n for s, n in statuses.items() if not 200 <= s < 300),
        "p50_ms": median(latencies) if latencies else None,
        "p95_ms": p95(latencies) if latencies else None,
        "p99_ms": sorted(latencies)[int(0.99 * (requests - 1))] if latencies else None,
    }
