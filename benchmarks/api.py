"""Events recorded per second through the JSON API under gunicorn, against the bare library, on PostgreSQL.

    python -m benchmarks.api [--workers 4] [--clients 8] [--seconds 10] [--warmup 2] [--repeat 3]
                             [--worker-class sync] [--encrypt]

Two gunicorn servers (``python -m gunicorn``, access log off, ``--workers`` each) on free ports of
127.0.0.1, both on one throwaway PostgreSQL database (``bench_api_<random>`` at 127.0.0.1:5432, user
postgres; dropped at the end, also on Ctrl-C or an error):

- careplan: ``web.app:create_app()``; ``POST /api/v1/journeys/{id}/events`` with a ``NoteAdded`` (a
  clinical event no protocol rule refuses, not even on a closed journey), as a clinician with a
  bearer token. The whole request: token check (the account read), body validation, the rules,
  the save, and the answer (built from the facts just saved, ``recorded``).
- bare: ``benchmarks._bare_app:create_app()``, Flask and the eventsourcing library only: get a
  trivial aggregate by id, trigger one event, save (snapshots every 50 events, as careplan's journeys).

Each round opens one fresh journey (through the CarePlan application) or one fresh counter per client,
so every round starts from the same state and no two clients ever write the same aggregate (no version
conflicts). ``--clients`` threads each post over one keep-alive ``http.client.HTTPConnection`` as fast
as answers come; requests that end in the ``--warmup`` seconds are not counted, then those that end in
the next ``--seconds`` are. Every answer but 201 (and every connection error) is an error and printed;
after a round the stored versions must add up to the 201s counted. Rounds alternate (bare, careplan,
bare, careplan ...); the summary gives, for each, the median over the rounds of events/s, of the median
latency and of the 99th percentile, and the ratio careplan/bare of the medians of events/s.

Mode: demo (``CAREPLAN_MODE=demo``, no ``CAREPLAN_CIPHER_KEY``, nothing encrypted on either side) by
default; ``--encrypt`` generates a key and runs careplan in production mode with it and the bare app
with the library's AES cipher on the same key. The session key (``CAREPLAN_SECRET_KEY``) is random per
run and the instance folder a temporary one. The default worker class is gunicorn's ``sync``, as the
README deploys it: it answers ``Connection: close``, so each client reconnects for every request (the
count of connections opened is printed); ``--worker-class gthread`` keeps connections open.

Neither side's cost per request grows with the aggregate's length (careplan's journey keeps its
folded record, not its history; both snapshot every 50 events). Each round's line shows the length
the aggregates reached.

The load generator shares the machine (and, being Python threads, one core at a time) with the
servers and PostgreSQL: the ratio is the figure to read, not the absolute rates. A script, not a test.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter as Tally
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
NOTE = {"type": "NoteAdded", "data": {"text": "Phoned to confirm the next appointment (benchmark)."}}
BARE_BODY = {"by": 1, "text": "Phoned to confirm the next appointment (benchmark)."}
STARTUP_SECONDS = 60


# -- the database ---------------------------------------------------------------------------------


@contextmanager
def throwaway_database() -> Iterator[str]:
    import psycopg

    dbname = f"bench_api_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=5, **PG) as conn:  # type: ignore[arg-type]
        conn.execute(f'CREATE DATABASE "{dbname}"')
    try:
        yield f"postgresql://{PG['user']}@{PG['host']}:{PG['port']}/{dbname}"
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=5, **PG) as conn:  # type: ignore[arg-type]
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


# -- the servers ----------------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def clean_environ() -> dict[str, str]:
    """This process's environment without anything that would configure gunicorn, careplan or the
    library behind the script's back."""
    prefixes = ("CAREPLAN_", "GUNICORN_", "POSTGRES_", "SQLITE_", "CIPHER_", "PERSISTENCE_", "BARE_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    return env


@contextmanager
def gunicorn(name: str, target: str, env: dict[str, str], args: argparse.Namespace, folder: Path) -> Iterator[Server]:
    """A gunicorn subprocess serving ``target``, stopped (TERM, then KILL) whatever happens."""
    port = free_port()
    log = folder / f"{name}.log"
    config = folder / "gunicorn.conf.py"  # empty: no ./gunicorn.conf.py nor GUNICORN_CMD_ARGS applies
    config.touch()
    command = [
        sys.executable, "-m", "gunicorn",
        "--config", str(config),
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(args.workers),
        "--worker-class", args.worker_class,
        "--log-level", "warning",  # and no --access-logfile: the access log stays off
        "--error-logfile", "-",
        "--timeout", "60",
        target,
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server(name, port, process, log)
    try:
        wait_listening(server)
        yield server
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()  # gunicorn: graceful stop of the workers
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # its own session: the master and its workers
        process.wait(timeout=5)


def wait_listening(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name}: gunicorn exited with {server.process.returncode}:\n{server.tail()}")
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        try:
            conn.request("GET", "/ready" if server.name == "bare" else "/api/v1/openapi.json")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
        finally:
            conn.close()
    raise RuntimeError(f"{server.name}: gunicorn did not listen within {STARTUP_SECONDS} s:\n{server.tail()}")


# -- one round ------------------------------------------------------------------------------------


@dataclass
class Round:
    name: str
    seconds: float
    latencies: list[float] = field(default_factory=list)  # ms, of the 201s that ended in the window
    errors: Tally[str] = field(default_factory=Tally)  # in the window
    errors_outside: Tally[str] = field(default_factory=Tally)  # in the warm-up or the tail
    created: int = 0  # every 201, warm-up and tail included
    connections: int = 0
    requests: int = 0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    @property
    def median_ms(self) -> float:
        return statistics.median(self.latencies) if self.latencies else float("nan")

    @property
    def p99_ms(self) -> float:
        if len(self.latencies) < 2:
            return float("nan")
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[98]


@dataclass
class Target:
    name: str
    server: Server
    headers: dict[str, str]
    body: bytes
    paths: list[str]  # one per client, filled before each round


def client(target: Target, path: str, window: tuple[float, float], stopping: threading.Event, out: Round, lock: threading.Lock, created: list[int], slot: int) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", target.server.port, timeout=60)
    latencies: list[float] = []
    errors: Tally[str] = Tally()
    outside: Tally[str] = Tally()
    connections = requests = ok = 0
    try:
        while not stopping.is_set():
            if conn.sock is None:
                connections += 1  # http.client (re)connects on the next request
            began = time.perf_counter()
            try:
                conn.request("POST", path, body=target.body, headers=target.headers)
                response = conn.getresponse()
                payload = response.read()
                outcome = str(response.status)
                if response.status >= 500 and not errors:
                    print(f"  {target.name}: {response.status} {payload[:300]!r}", file=sys.stderr)
            except (OSError, http.client.HTTPException) as error:
                outcome = type(error).__name__
                conn.close()
                time.sleep(0.01)
            ended = time.perf_counter()
            requests += 1
            ok += outcome == "201"
            counted = window[0] <= ended < window[1]
            if outcome == "201":
                if counted:
                    latencies.append((ended - began) * 1000)
            else:
                (errors if counted else outside)[outcome] += 1
    finally:
        conn.close()
        with lock:
            out.latencies.extend(latencies)
            out.errors.update(errors)
            out.errors_outside.update(outside)
            out.connections += connections
            out.requests += requests
            out.created += ok
            created[slot] = ok


def run_round(target: Target, args: argparse.Namespace) -> tuple[Round, list[int]]:
    out = Round(target.name, args.seconds)
    stopping, lock = threading.Event(), threading.Lock()
    created = [0] * len(target.paths)
    start = time.perf_counter()
    window = (start + args.warmup, start + args.warmup + args.seconds)
    threads = [
        threading.Thread(target=client, args=(target, path, window, stopping, out, lock, created, n), daemon=True)
        for n, path in enumerate(target.paths)
    ]
    for thread in threads:
        thread.start()
    try:
        time.sleep(max(0.0, window[1] - time.perf_counter()))
    finally:
        stopping.set()
        for thread in threads:
            thread.join(timeout=70)
    return out, created


# -- setting up -----------------------------------------------------------------------------------


class Stores:
    """The two applications in this process, to open journeys and counters and check what was saved."""

    def __init__(self, careplan_env: dict[str, str], bare_env: dict[str, str]) -> None:
        from careplan.domain.values import Actor
        from careplan.entrypoints.bootstrap import build_app
        from careplan.users import Users

        self.careplan = build_app(careplan_env)
        self.coordinator = Actor("bench-coordinator", "coordinator")
        users = Users(self.careplan, password_method="pbkdf2:sha256:1000")
        self.token = users.add("bench-clinician", "clinician", actor=Actor("bench-admin", "admin")).token
        self.bare = self._bare(bare_env)

    @staticmethod
    def _bare(env: dict[str, str]) -> Any:
        from benchmarks._bare_app import Bare

        return Bare(env=env)  # the library's own variables, given here instead of through os.environ

    def journeys(self, count: int) -> list[str]:
        return [str(self.careplan.open_journey(f"BENCH-{secrets.token_hex(4)}", actor=self.coordinator)) for _ in range(count)]

    def counters(self, count: int) -> list[str]:
        from benchmarks._bare_app import Counter

        made = [Counter() for _ in range(count)]
        self.bare.save(*made)
        return [str(c.id) for c in made]

    def versions(self, name: str, ids: list[str]) -> list[int]:
        if name == "careplan":
            return [self.careplan.get(uuid.UUID(i)).version for i in ids]
        return [self.bare.repository.get(uuid.UUID(i)).version for i in ids]

    def close(self) -> None:
        self.careplan.close()
        self.bare.close()


def environments(url: str, folder: Path, encrypt: bool) -> tuple[dict[str, str], dict[str, str]]:
    """careplan's environment (its own variables), and the library's variables for the bare app."""
    from careplan.adapters.settings import StoreSettings

    careplan_env = clean_environ() | {
        "CAREPLAN_DATABASE_URL": url,
        "CAREPLAN_INSTANCE": str(folder / "instance"),
        "CAREPLAN_SECRET_KEY": secrets.token_urlsafe(48),
    }
    key = None
    if encrypt:
        from eventsourcing.cryptography import AESCipher

        key = AESCipher.create_key(32)
        careplan_env["CAREPLAN_CIPHER_KEY"] = key  # production mode (the default), with its key
    else:
        careplan_env["CAREPLAN_MODE"] = "demo"
    library = StoreSettings(url=url, cipher_key=key).library_env()  # PERSISTENCE_MODULE, POSTGRES_*, CIPHER_*
    return careplan_env, library


# -- report ---------------------------------------------------------------------------------------


def describe_errors(errors: Tally[str]) -> str:
    return ", ".join(f"{k} x{v}" for k, v in sorted(errors.items())) if errors else "0"


def show_round(n: int, r: Round, clients: int) -> None:
    extra = f"; outside the window: {describe_errors(r.errors_outside)}" if r.errors_outside else ""
    print(
        f"round {n} {r.name:<8} {r.rate:>8.1f} events/s  median {r.median_ms:6.1f} ms  p99 {r.p99_ms:6.1f} ms  "
        f"errors {describe_errors(r.errors)}  ({r.requests} requests, {r.connections} connections opened, "
        f"~{r.created // clients} events per aggregate at the end{extra})",
        flush=True,
    )


def summary(rounds: dict[str, list[Round]]) -> None:
    n = len(rounds["bare"])
    print(f"\n{'':<9} {'events/s':>9} {'median ms':>10} {'p99 ms':>8} {'errors':>7}   (medians of {n} round{'s' * (n > 1)})")
    rates: dict[str, float] = {}
    for name in ("bare", "careplan"):
        rs = rounds[name]
        rates[name] = statistics.median(r.rate for r in rs)
        errors = sum(sum(r.errors.values()) + sum(r.errors_outside.values()) for r in rs)
        print(
            f"{name:<9} {rates[name]:>9.1f} {statistics.median(r.median_ms for r in rs):>10.1f} "
            f"{statistics.median(r.p99_ms for r in rs):>8.1f} {errors:>7}"
        )
    print(f"ratio careplan/bare (events/s): {rates['careplan'] / rates['bare']:.2f}")


# -- main -----------------------------------------------------------------------------------------


def positive(kind: type) -> Any:
    def parse(text: str) -> Any:
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text} is not above 0")
        return value

    return parse


def interrupted(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # a TERM cleans up as Ctrl-C does


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=positive(int), default=4, help="gunicorn workers per server (default 4)")
    parser.add_argument("--clients", type=positive(int), default=8, help="client threads, one journey each (default 8)")
    parser.add_argument("--seconds", type=positive(float), default=10.0, help="measured seconds per round (default 10)")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds per round before measuring (default 2)")
    parser.add_argument("--repeat", type=positive(int), default=3, help="rounds of each, interleaved (default 3)")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class (default sync, as deployed)")
    parser.add_argument("--encrypt", action="store_true", help="production mode with a generated cipher key (both servers)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with SIGINT ignored (a background job)

    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="careplan-bench-api-")))
        url = stack.enter_context(throwaway_database())
        careplan_env, library = environments(url, folder, args.encrypt)
        bare_env = clean_environ() | library
        stores = Stores(careplan_env, library)
        stack.callback(stores.close)
        bare = stack.enter_context(gunicorn("bare", "benchmarks._bare_app:create_app()", bare_env, args, folder))
        ours = stack.enter_context(gunicorn("careplan", "web.app:create_app()", careplan_env, args, folder))
        json_headers = {"Content-Type": "application/json", "Connection": "keep-alive"}
        targets = {
            "bare": Target("bare", bare, json_headers, json.dumps(BARE_BODY).encode(), []),
            "careplan": Target(
                "careplan", ours, json_headers | {"Authorization": f"Bearer {stores.token}"}, json.dumps(NOTE).encode(), []
            ),
        }
        mode = "production mode, encrypted" if args.encrypt else "demo mode, not encrypted"
        print(
            f"gunicorn {args.workers} {args.worker_class} workers per server; {args.clients} clients; "
            f"{args.warmup:g} s warm-up + {args.seconds:g} s per round; PostgreSQL {url.rsplit('/', 1)[1]} ({mode})",
            flush=True,
        )
        rounds: dict[str, list[Round]] = {"bare": [], "careplan": []}
        lost = 0
        for n in range(1, args.repeat + 1):
            for name, target in targets.items():
                if name == "bare":
                    ids = stores.counters(args.clients)
                    target.paths = [f"/counters/{i}/events" for i in ids]
                else:
                    ids = stores.journeys(args.clients)
                    target.paths = [f"/api/v1/journeys/{i}/events" for i in ids]
                result, created = run_round(target, args)
                rounds[name].append(result)
                show_round(n, result, args.clients)
                saved = [v - 1 for v in stores.versions(name, ids)]
                if saved != created:
                    lost += 1
                    print(f"  {name}: the store holds {sum(saved)} new events, the clients counted {sum(created)} 201s", flush=True)
                if result.errors or result.errors_outside:
                    print(f"  {name} server log (last lines):\n{target.server.tail()}", flush=True)
        summary(rounds)
        if lost:
            print(f"{lost} round(s) where the stored events and the 201s disagree")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted; servers stopped and database dropped", file=sys.stderr)
        sys.exit(130)
