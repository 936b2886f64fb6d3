"""A closed-loop HTTP load generator on the standard library: N threads, one keep-alive
connection each, per-request latency with `time.perf_counter`, a warm-up that is not counted.
"""

from __future__ import annotations

import http.client
import math
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

TIMEOUT_SECONDS = 30.0


class Browser:
    """One keep-alive connection to 127.0.0.1 with a cookie jar; reconnects when dropped."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.connection = self._connect()

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT_SECONDS)

    def close(self) -> None:
        self.connection.close()

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, str]:
        """Send one request and read the whole answer; return its status and body."""
        body = urllib.parse.urlencode(form).encode() if form is not None else None
        headers = {"Accept-Language": "en"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        except (http.client.HTTPException, OSError):
            self.connection.close()
            self.connection = self._connect()
            raise
        for header in response.headers.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if (morsel["expires"] and "1970" in morsel["expires"]) or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        if response.will_close:
            self.connection.close()
            self.connection = self._connect()
        return response.status, data.decode("utf-8", "replace")


# A client's one step: send one request, return the HTTP status (or raise on a network error).
Step = Callable[[], int]


@dataclass
class ClientResult:
    latencies: list[float] = field(default_factory=list)  # seconds, successes only
    errors: dict[str, int] = field(default_factory=dict)  # "HTTP 422", "ConnectionResetError"…

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


@dataclass(frozen=True)
class LoadResult:
    name: str
    clients: int
    duration: float  # the measured window, seconds
    latencies: list[float]  # sorted, seconds
    errors: dict[str, int]

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def throughput(self) -> float:
        return self.requests / self.duration if self.duration else 0.0

    def percentile_ms(self, p: float) -> float:
        """Nearest-rank percentile, in milliseconds (nan without any success)."""
        if not self.latencies:
            return math.nan
        rank = max(1, math.ceil(p / 100 * len(self.latencies)))
        return self.latencies[rank - 1] * 1000

    def as_dict(self) -> dict[str, object]:
        return {
            "endpoint": self.name,
            "clients": self.clients,
            "duration_s": round(self.duration, 3),
            "requests": self.requests,
            "errors": self.error_count,
            "error_kinds": self.errors,
            "throughput_rps": round(self.throughput, 2),
            "p50_ms": round(self.percentile_ms(50), 2),
            "p95_ms": round(self.percentile_ms(95), 2),
            "p99_ms": round(self.percentile_ms(99), 2),
            "max_ms": round(self.latencies[-1] * 1000, 2) if self.latencies else None,
        }


def _one_request(step: Step) -> int | str:
    """The step's HTTP status, or the name of the exception it raised (counted as an error;
    the client carries on)."""
    try:
        return step()
    except Exception as exc:
        return type(exc).__name__


def run_load(
    name: str,
    steps: list[Step],
    *,
    warmup: float,
    duration: float,
    success: int = 302,
    max_requests_per_client: int = 1_000_000,
) -> LoadResult:
    """Run every step in a loop, one thread each, for warmup + duration seconds.

    Only requests that start and end inside the measured window count; the clients stop by
    themselves at its end (or after max_requests_per_client requests).
    """
    start_barrier = threading.Barrier(len(steps) + 1)
    window: dict[str, float] = {}
    results = [ClientResult() for _ in steps]

    def loop(step: Step, result: ClientResult) -> None:
        start_barrier.wait()
        begin, end = window["begin"], window["end"]
        for _ in range(max_requests_per_client):
            t0 = time.perf_counter()
            if t0 >= end:
                break
            outcome = _one_request(step)
            t1 = time.perf_counter()
            if t0 < begin or t1 > end:
                continue  # warm-up, or straddling the end of the window
            if outcome == success:
                result.latencies.append(t1 - t0)
            else:
                result.error(outcome if isinstance(outcome, str) else f"HTTP {outcome}")

    threads = [
        threading.Thread(target=loop, args=(step, result), name=f"{name}-{i}", daemon=True)
        for i, (step, result) in enumerate(zip(steps, results, strict=True))
    ]
    for thread in threads:
        thread.start()
    now = time.perf_counter()
    window["begin"] = now + warmup
    window["end"] = now + warmup + duration
    start_barrier.wait()
    for thread in threads:
        thread.join(timeout=warmup + duration + 2 * TIMEOUT_SECONDS)
    latencies = sorted(x for r in results for x in r.latencies)
    errors: dict[str, int] = {}
    for r in results:
        for kind, count in r.errors.items():
            errors[kind] = errors.get(kind, 0) + count
    return LoadResult(name, len(steps), duration, latencies, errors)
