"""Load test of the HTTP API on loopback: the highest request rate this machine sustains with
no error, then 60 s at that rate, with p50/p95/p99 latency. Not part of the tests (speed is
written down, never asserted); results go to bench/RESULTS.md by hand from the printed table.

    python bench/loadtest.py                          # own server over the bundled data: find the rate, run 60 s
    python bench/loadtest.py --duration 10 --steps 2,8 --workers 1
    python bench/loadtest.py --url http://127.0.0.1:8000 --rate 300   # a running server, a fixed rate

The client is open-loop: requests start on a fixed schedule (so a slow server cannot slow the
offered rate down and hide its queue), with a mix of the questions analysts ask: search,
profile, links, neighbourhood, brokers, shortest paths, recommendations, centrality. A rate is
sustained when every request answers 2xx/404 within TIMEOUT_S (p99 under 1 s) and the achieved rate
is 95% of the offered one. A request's TIMEOUT_S counts from its start on the schedule to its last
byte (waiting for a connection included), so a run ends at most TIMEOUT_S after its duration and
the table comes on time. The client runs on the same two cores as the server, so it takes a share
of them; the load average before and after is printed, to be recorded with the table.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import httpx

REPO = Path(__file__).resolve().parents[1]
TIMEOUT_S = 2.0
SERVE_START_S = 300
MIN_RATE = 5  # req/s: the search halves the first step down to this on a busy machine
CITIES: list[tuple[str, str]] = []  # filled from the server: every city's id and name


def _cities(url: str) -> None:
    import json

    with urllib.request.urlopen(url + "/cities?limit=500", timeout=30) as r:  # noqa: S310 - loopback
        page = json.load(r)["data"]
    CITIES[:] = [(c["id"], c["name"]) for c in page]


# (share of the requests, path): {a} a city by id or name, {b} another city's id, {q} a name's start
MIX = (
    (0.20, "/cities?q={q}&limit=20"),
    (0.20, "/cities/{a}"),
    (0.15, "/cities/{a}/links"),
    (0.15, "/cities/{a}/neighbourhood?depth=2"),
    (0.10, "/brokers?source={a}&target={b}"),
    (0.08, "/paths?source={a}&target={b}&max_hops=4"),
    (0.08, "/cities/{a}/recommendations?limit=5"),
    (0.04, "/stats/centrality?metric=degree&limit=10"),
)


def _mix(rng: random.Random) -> str:
    return _fill(rng.choices([p for _, p in MIX], weights=[w for w, _ in MIX])[0], rng)


def _fill(path: str, rng: random.Random) -> str:
    first, second = rng.sample(CITIES, 2)  # two different cities, the first by id or by name
    return path.format(a=quote(rng.choice(first), safe=""), b=quote(second[0], safe=""), q=quote(first[1][:4], safe=""))


def _warm_up(url: str, workers: int) -> str:
    """Every question of the mix, one after another and each on a new connection (so every worker
    gets some), with a long timeout, until a whole round answers each within TIMEOUT_S. A worker's
    first answers build its projection, name index and caches: seconds each, which a timed run
    would count as errors (a rate-based warm-up timed out 19 of its 32 requests). A request that
    fails (a worker not yet serving closed the connection) makes its round not warm."""
    rng = random.Random(0)
    no_reuse = httpx.Limits(max_keepalive_connections=0)
    started = time.perf_counter()
    with httpx.Client(base_url=url, timeout=120, limits=no_reuse) as client:
        for round_ in range(1, 21):
            slow = 0
            for _, path in MIX:
                for _ in range(2 * workers):
                    t0 = time.perf_counter()
                    try:
                        client.get(_fill(path, rng))
                    except httpx.HTTPError:  # a worker still starting: this round is not warm yet
                        slow += 1
                        continue
                    slow += time.perf_counter() - t0 > TIMEOUT_S
            if not slow:
                return (
                    f"warm after {round_} round(s) of {len(MIX) * 2 * workers} requests, "
                    f"{time.perf_counter() - started:.0f} s"
                )
    return f"still slow after 20 rounds ({time.perf_counter() - started:.0f} s): the timed runs will count errors"


async def _run(url: str, rate: float, duration: float, seed: int) -> dict[str, object]:
    rng = random.Random(seed)
    latencies: list[float] = []
    errors: dict[str, int] = {}
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    async with httpx.AsyncClient(base_url=url, timeout=TIMEOUT_S, limits=limits) as client:

        async def one(path: str) -> None:
            t0 = time.perf_counter()
            try:  # the whole request, from its place in the schedule to its last byte
                r = await asyncio.wait_for(client.get(path), TIMEOUT_S)
                ok = r.status_code < 300 or r.status_code in (404, 409)  # unknown or ambiguous names are answers
                if not ok:
                    errors[str(r.status_code)] = errors.get(str(r.status_code), 0) + 1
            except (httpx.HTTPError, TimeoutError) as exc:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                return
            latencies.append(time.perf_counter() - t0)

        tasks = []
        start = time.perf_counter()
        n = 0
        while (now := time.perf_counter()) - start < duration:
            due = start + n / rate
            if due > now:
                await asyncio.sleep(due - now)
            tasks.append(asyncio.create_task(one(_mix(rng))))
            n += 1
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - start
    done = len(latencies)
    q = statistics.quantiles(latencies, n=100) if done >= 100 else [float("nan")] * 99
    return {
        "offered": rate,
        "sent": n,
        "answered": done,
        "achieved": done / elapsed,
        "errors": errors,
        "p50": q[49] * 1000,
        "p95": q[94] * 1000,
        "p99": q[98] * 1000,
    }


def _drain(url: str) -> None:
    """Wait until the server has worked off what an overloaded step queued (up to 60 s)."""
    quick = 0
    for _ in range(600):
        t0 = time.perf_counter()
        try:
            with urllib.request.urlopen(url + "/ready", timeout=5):  # noqa: S310 - loopback
                quick = quick + 1 if time.perf_counter() - t0 < 0.05 else 0
        except OSError:
            quick = 0
        if quick >= 5:
            return
        time.sleep(0.1)


def _load_average() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _sustained(r: dict[str, object]) -> bool:
    return not r["errors"] and float(r["achieved"]) >= 0.95 * float(r["offered"]) and float(r["p99"]) < 1000


def _serve(workers: int) -> tuple[str, subprocess.Popen[bytes], Path]:
    data = Path(tempfile.mkdtemp(prefix="gnlc-lt-", dir="/tmp"))
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("GNLC_")}, "GNLC_DATA_DIR": str(data)}
    gnlc = [sys.executable, "-c", "from gnlc.cli.main import run; run()"]
    subprocess.run([*gnlc, "demo"], env=env, check=True, capture_output=True)
    subprocess.run([*gnlc, "load", str(REPO / "tests/data/peer_links.csv")], env=env, check=True, capture_output=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = data / "serve.log"
    with log.open("wb") as fh:
        proc = subprocess.Popen(
            [*gnlc, "serve", "--port", str(port), "--workers", str(workers)], env=env, stdout=fh, stderr=fh
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVE_START_S  # a busy machine starts the engine and the workers slowly
    while True:
        try:
            with urllib.request.urlopen(url + "/ready", timeout=5):  # noqa: S310 - loopback
                return url, proc, data
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                why = log.read_text(errors="replace")[-2000:]
                _stop(proc, data)
                sys.exit(f"gnlc serve did not become ready in {SERVE_START_S} s:\n{why}")
            time.sleep(0.2)


def _count(errors: object) -> int:
    return sum(errors.values()) if isinstance(errors, dict) else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", help="a running API (default: start one over the bundled data)")
    ap.add_argument("--workers", type=int, default=2, help="uvicorn worker processes of the server we start")
    ap.add_argument("--rate", type=float, help="skip the search: run at this many requests/s")
    ap.add_argument("--steps", default="50,100,125,150,175,200,250,300", help="rates tried in the search (req/s)")
    ap.add_argument("--step-seconds", type=float, default=20.0)
    ap.add_argument("--duration", type=float, default=60.0, help="the final run (s)")
    args = ap.parse_args()

    proc = data = None
    url = args.url
    if url is None:
        url, proc, data = _serve(args.workers)
    print(f"load average (1, 5, 15 min) before: {_load_average()}", flush=True)
    search: list[dict[str, object]] = []
    try:
        _cities(url)
        print(f"warm-up: {_warm_up(url, args.workers)}", flush=True)
        rate = args.rate
        if rate is None:
            rate = _search(url, [float(s) for s in args.steps.split(",")], args.step_seconds, search)
        if rate is None:
            _print_search(search)
            sys.exit(f"not even {MIN_RATE} req/s was sustained")
        for _ in range(4):  # a rate held for a short step may still build a queue over 60 s: step down
            r = asyncio.run(_run(url, rate, args.duration, seed=1))
            if _sustained(r) or args.rate is not None:
                break
            print(
                f"{args.duration:.0f} s at {rate:.0f} req/s: achieved {r['achieved']:.1f}, p99 {r['p99']:.0f} ms, "
                f"errors {r['errors'] or 0}: not sustained, trying {_lower(rate):.0f}",
                flush=True,
            )
            rate = _lower(rate)
            _drain(url)
        _print_search(search)
        print(
            f"\n| offered req/s | duration | requests | achieved req/s | errors | p50 ms | p95 ms | p99 ms |\n"
            f"|---:|---:|---:|---:|---:|---:|---:|---:|\n"
            f"| {rate:.0f} | {args.duration:.0f} s | {r['answered']:,} | {r['achieved']:.1f} | "
            f"{_count(r['errors'])} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} |",
            flush=True,
        )
        print(f"load average (1, 5, 15 min) after: {_load_average()}", flush=True)
        if r["errors"]:
            print(f"errors: {r['errors']}", flush=True)
            sys.exit(1)
    finally:
        if proc is not None and data is not None:
            _stop(proc, data)


def _search(url: str, steps: list[float], seconds: float, search: list[dict[str, object]]) -> float | None:
    """The highest step sustained, going up; when even the first is not, halving it (a busy machine)."""
    rate = None
    step: float | None = steps[0]
    up = iter(steps[1:])
    while step is not None and step >= MIN_RATE:
        r = asyncio.run(_run(url, step, seconds, seed=int(step)))
        search.append(r)
        print(
            f"search {step:6.0f} req/s: achieved {r['achieved']:7.1f}, p99 {r['p99']:7.1f} ms, "
            f"errors {r['errors'] or 0}",
            flush=True,
        )
        _drain(url)
        if _sustained(r):
            rate, step = step, next(up, None)
        elif rate is None:
            step, up = round(step / 2), iter(())  # below the first step: no way back up
        else:
            break
    return rate


def _lower(rate: float) -> float:
    return rate - 25 if rate > 50 else round(rate / 2)


def _print_search(search: list[dict[str, object]]) -> None:
    if search:
        print("\n| offered req/s | achieved | p99 ms | errors |\n|---:|---:|---:|---:|")
        for s in search:
            print(f"| {s['offered']:.0f} | {s['achieved']:.1f} | {s['p99']:,.1f} | {_count(s['errors'])} |")
    sys.stdout.flush()


def _stop(proc: subprocess.Popen[bytes], data: Path) -> None:
    """The server we started, its engine and its data directory."""
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
    subprocess.run(
        [sys.executable, "-c", "from gnlc.cli.main import run; run()", "engine", "stop"],
        env={**os.environ, "GNLC_DATA_DIR": str(data)},
        capture_output=True,
    )
    shutil.rmtree(str(data), ignore_errors=True)


if __name__ == "__main__":
    main()
