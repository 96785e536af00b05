"""Load test of the HTTP API on loopback: the highest request rate this machine sustains with
no error, then 60 s at that rate, with p50/p95/p99 latency. Not part of the tests (speed is
written down, never asserted); results go to bench/RESULTS.md by hand from the printed table.

    python bench/loadtest.py                          # own server over the bundled data: find the rate, run 60 s
    python bench/loadtest.py --duration 10 --steps 2,8 --workers 1
    python bench/loadtest.py --url http://127.0.0.1:8000 --rate 300   # a running server, a fixed rate

The client is open-loop: requests start on a fixed schedule (so a slow server cannot slow the
offered rate down and hide its queue), with a mix of the questions analysts ask: search,
profile, links, neighbourhood, brokers, shortest paths, recommendations, centrality. A rate is
sustained when every request answers 2xx/404 (p99 under 1 s) and the achieved rate is 95% of the
offered one. The client runs on the same two cores as the server, so it takes a share of them.
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
    would count as errors (a rate-based warm-up timed out 19 of its 32 requests)."""
    rng = random.Random(0)
    no_reuse = httpx.Limits(max_keepalive_connections=0)
    started = time.perf_counter()
    with httpx.Client(base_url=url, timeout=120, limits=no_reuse) as client:
        for round_ in range(1, 21):
            slow = 0
            for _, path in MIX:
                for _ in range(2 * workers):
                    t0 = time.perf_counter()
                    client.get(_fill(path, rng))
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
            try:
                r = await client.get(path)
                ok = r.status_code < 300 or r.status_code in (404, 409)  # unknown or ambiguous names are answers
                if not ok:
                    errors[str(r.status_code)] = errors.get(str(r.status_code), 0) + 1
            except httpx.HTTPError as exc:
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
    proc = subprocess.Popen(
        [*gnlc, "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(url + "/ready", timeout=2):  # noqa: S310 - loopback
                break
        except OSError:
            time.sleep(0.1)
    return url, proc, data


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
    try:
        _cities(url)
        print(f"warm-up: {_warm_up(url, args.workers)}", flush=True)
        rate = args.rate
        if rate is None:
            for step in (float(s) for s in args.steps.split(",")):
                r = asyncio.run(_run(url, step, args.step_seconds, seed=int(step)))
                print(
                    f"search {step:6.0f} req/s: achieved {r['achieved']:7.1f}, p99 {r['p99']:7.1f} ms, "
                    f"errors {r['errors'] or 0}",
                    flush=True,
                )
                _drain(url)
                if not _sustained(r):
                    break
                rate = step
            if rate is None:
                sys.exit("not even the lowest rate was sustained")
        for _ in range(4):  # a rate held for a short step may still build a queue over 60 s: step down
            r = asyncio.run(_run(url, rate, args.duration, seed=1))
            if _sustained(r) or args.rate is not None:
                break
            print(
                f"60 s at {rate:.0f} req/s: achieved {r['achieved']:.1f}, p99 {r['p99']:.0f} ms, errors "
                f"{r['errors'] or 0}: not sustained, trying {rate - 25:.0f}",
                flush=True,
            )
            rate -= 25
            _drain(url)
        print(
            f"\n| offered req/s | duration | requests | achieved req/s | errors | p50 ms | p95 ms | p99 ms |\n"
            f"|---:|---:|---:|---:|---:|---:|---:|---:|\n"
            f"| {rate:.0f} | {args.duration:.0f} s | {r['answered']:,} | {r['achieved']:.1f} | "
            f"{sum(r['errors'].values()) if r['errors'] else 0} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} |"
        )
        if r["errors"]:
            print(f"errors: {r['errors']}")
            sys.exit(1)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
            subprocess.run(
                [sys.executable, "-c", "from gnlc.cli.main import run; run()", "engine", "stop"],
                env={**os.environ, "GNLC_DATA_DIR": str(data)},
                capture_output=True,
            )
            shutil.rmtree(str(data), ignore_errors=True)


if __name__ == "__main__":
    main()
