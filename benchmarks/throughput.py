"""Report submissions per second on gunicorn: the real endpoint beside a bare Flask + SQLAlchemy baseline.

Run from the repository root:

    .venv/bin/python benchmarks/throughput.py                 # SQLite, 2 workers, 15 s per side
    .venv/bin/python benchmarks/throughput.py --database postgresql+psycopg://postgres@127.0.0.1:5432/test

Options: --seconds S (measured time per side, default 15), --rounds N (the measured time is cut into N
turns per side, alternating which side goes first, default 3), --warmup S (untimed load per side first,
default 3), --workers N (gunicorn sync workers per side, default 2), --clients N (client threads, default
twice the workers), --database URL (PostgreSQL instead of SQLite; each side gets a schema of its own,
created and dropped), --no-check (print the figures, exit 0 even if a target is missed).

One run starts two gunicorn servers with the same settings (sync workers, no access log, warnings only):
(a) the baseline, benchmarks/baseline_app.py: parse the form, insert one row, commit, 201. It uses the
    database settings of portal/db.py (SQLite in WAL mode with synchronous=FULL) on its own database;
(b) the real public side, gunicorn 'portal.wsgi:public()', with PORTAL_ENV=test and a temporary
    PORTAL_INSTANCE_DIR set up by `portal init` (schema and DEVELOPMENT keys), and PORTAL_SUBMIT_LIMIT
    raised so that the per-address limit (every client here is 127.0.0.1) never refuses a report.
The sides are loaded in turn, never together, and alternate (a b, b a, a b, ...), so that other work on the
machine falls on both. Each turn starts --clients threads, each with its own stdlib http.client
connection. Each thread GETs the form once (the real side: its session cookie `s` and CSRF token), then
POSTs reports until the turn ends, each with a fresh submission_key and a realistic answer set (a story of a
few hundred characters, contact methods with their numbers or address, safe times, what would help, consent
to share). The clients ask for keep-alive, but gunicorn's sync workers answer `Connection: close`, so each
POST opens a connection, as it would behind nginx with a sync worker. A request counts only if it is a 303
to /en/sent (real) or a 201 (baseline), and finishes inside the turn; anything else is an error. Latency is
the client's: from sending the request to reading the whole response.

It prints, for each side, the requests counted, the throughput, p50 and p95 latency, the resident memory
(VmRSS from /proc/<pid>/status) of each gunicorn worker after the run, and the workers' CPU time per
response during the turns (from /proc/<pid>/stat: steadier than throughput when other work shares the
machine; on PostgreSQL the database server's CPU is not in it); then the targets with PASS or FAIL and,
last, `ratio: X` (real throughput / baseline throughput).

Targets: ratio >= 0.70; the real side's largest worker RSS <= 80 MB; no request answered otherwise than
expected; and (a cross-check, counted after the run) at least as many rows stored as requests counted.
Exits 1 if one is missed (unless --no-check), 2 if the servers cannot be set up. The client threads share
the machine with the servers, and on a busy machine (the load average is printed) both sides slow down;
the ratio is steadier than either throughput. The servers are stopped (their whole process groups) however
the script ends: normally, on an error, on Ctrl-C or on SIGTERM.
"""
from __future__ import annotations

import os
import sys

# Never let this directory be the import path's first entry: benchmarks/queue.py would shadow `queue`.
_HERE = os.path.dirname(os.path.realpath(__file__))
sys.path[:] = [p for p in sys.path if os.path.realpath(p or os.curdir) != _HERE]

import argparse  # noqa: E402
import http.client  # noqa: E402
import math  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import secrets  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402
from urllib.parse import urlencode, urlsplit  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET_RATIO = 0.70
TARGET_RSS_MB = 80.0
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
HOST = "127.0.0.1"
REAL_FORM = "/en/tell-us/you"
BASELINE_FORM = "/report"
SUBMIT_LIMIT = "1000000 per minute"
ANSWER_SETS = 64

SENTENCES = [
    "My partner checks my phone every night and gets angry if I have talked to anyone without asking first.",
    "Last week he pushed me against the kitchen door and the handle broke, and the children heard all of it.",
    "I am not allowed to have any money of my own and he takes my wages as soon as they are paid in.",
    "He says that if I tell anyone he will make sure we lose the flat and that nobody will believe me.",
    "The neighbours have called the police twice but I told them everything was fine because I was scared.",
    "I want to stay in my home if I can, but the locks need changing and the back window does not shut.",
    "He does not live here any more but he still has a key and comes round late at night when he has been drinking.",
    "My mum knows some of it but nobody else does, and I am worried about what happens if he finds out.",
    "Please do not call in the evening because he is usually here then and he answers my phone.",
    "I have a social worker for my youngest and she said I should tell the housing association as well.",
]
CONTACT = [  # (weight, methods, the details each needs)
    (30, ["call", "text"], {"phone_call": "07700 900{n:03d}", "voicemail": "no"}),
    (25, ["text"], {"phone_text": "07700 900{n:03d}"}),
    (15, ["email"], {"email": "reporter.{n}@example.org"}),
    (10, ["letter", "call"], {"postal_address": "{n} Example Street\nCardiff\nCF10 1AA",
                              "phone_call": "029 2018 0{n:03d}", "voicemail": "yes",
                              "voicemail_message": "Please call the office back."}),
    (10, ["trusted"], {"trusted_person": "My support worker Sam, on 07700 900{n:03d}"}),
    (5, ["in_person"], {"meeting_place": "The library on Queen Street"}),
    (5, ["none"], {}),
]
HELP = ["security", "repairs", "move", "arrears", "money", "support", "perpetrator", "talk"]
SHARE = ["police", "support", "social_services", "health", "council"]


def answer_set(rng: random.Random) -> list[tuple[str, str]]:
    """One realistic set of answers to the 'about me' form (never the one-time fields)."""
    n = rng.randrange(1000)
    methods, details = rng.choices([(m, d) for _w, m, d in CONTACT], [w for w, _m, _d in CONTACT])[0]
    pairs: list[tuple[str, str]] = [("story", " ".join(rng.sample(SENTENCES, rng.randint(3, 6))))]
    pairs.append(("danger_now", rng.choices(["no", "yes", "unsure"], [80, 8, 12])[0]))
    pairs.append(("children", rng.choice(["live", "visit", "no", "unsure"])))
    pairs += [("help_wanted", h) for h in rng.sample(HELP, rng.randint(1, 3))]
    pairs += [("contact_methods", m) for m in methods]
    pairs += [(k, v.format(n=n)) for k, v in details.items()]
    if "none" not in methods:
        pairs += [("safe_days", d) for d in rng.sample(["mon", "tue", "wed", "thu", "fri"], rng.randint(1, 3))]
        pairs += [("safe_times", t) for t in rng.sample(["morning", "afternoon", "evening"], rng.randint(1, 2))]
        pairs += [("safe_today", rng.choice(["yes", "no"])), ("say_who", "yes"),
                  ("someone_else", rng.choice(["hang_up", "wrong_number"])), ("call_drops", "wait"),
                  ("check_question", "Ask what colour my front door is")]
    pairs += [("contact_language", "en"), ("staff_sex", rng.choice(["woman", "none"])),
              ("tenant", rng.choice(["yes", "unsure"])), ("abuser_tenant", rng.choice(["yes", "no", "unsure"])),
              ("consent_share", rng.choice(["yes", "discuss"]))]
    pairs += [("share_with", s) for s in rng.sample(SHARE, rng.randint(0, 2))]
    return pairs + [("action", "send")]


# ---------------------------------------------------------------------------------------------- servers

@dataclass
class Side:
    name: str  # "baseline" or "real"
    app: str  # gunicorn's APP_MODULE
    form_path: str
    env: dict[str, str]
    accept: Callable[[int, str], bool]  # (status, Location) -> counted
    port: int = 0
    log: Path = Path()
    proc: subprocess.Popen[bytes] | None = None
    times: list[float] = field(default_factory=list)  # latency of each counted request, ms
    seconds: float = 0.0  # measured time, summed over turns
    errors: dict[str, int] = field(default_factory=dict)
    rss_mb: list[float] = field(default_factory=list)
    turns: list[float] = field(default_factory=list)  # throughput of each turn
    cpu_seconds: float = 0.0  # user + system time of the workers during the measured turns
    responses: int = 0  # every response they gave in those turns, counted or not

    @property
    def cpu_ms(self) -> float:
        """Worker CPU per response: steadier than throughput on a busy machine (the database server's own
        CPU, on PostgreSQL, is not in it)."""
        return self.cpu_seconds / self.responses * 1000 if self.responses else float("nan")

    @property
    def requests(self) -> int:
        return len(self.times)

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start(side: Side, workers: int, tmp: Path) -> None:
    side.port = free_port()
    # Under `make test` the servers' logs go where the suite's log scan reads them (tests/log_watch.py).
    scanned = os.environ.get("PORTAL_TEST_LOG_DIR")
    side.log = (Path(scanned) / f"throughput-{side.name}-{os.getpid()}.log" if scanned
                else tmp / f"gunicorn-{side.name}.log")
    command = [sys.executable, "-m", "gunicorn", side.app, "--bind", f"{HOST}:{side.port}",
               "--workers", str(workers), "--worker-class", "sync", "--chdir", str(ROOT),
               "--log-level", "warning", "--error-logfile", str(side.log), "--graceful-timeout", "5"]
    with open(side.log, "ab") as log:
        # A session (and process group) of its own: the whole tree can be stopped at once, and a Ctrl-C
        # at the terminal reaches only this script, which then stops it.
        side.proc = subprocess.Popen(command, cwd=ROOT, env=side.env, stdin=subprocess.DEVNULL, stdout=log,
                                     stderr=subprocess.STDOUT, start_new_session=True)


def wait_ready(side: Side, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        assert side.proc is not None
        if side.proc.poll() is not None:
            raise RuntimeError(f"{side.name}: gunicorn exited with {side.proc.returncode}\n{tail(side.log)}")
        try:
            conn = http.client.HTTPConnection(HOST, side.port, timeout=5)
            conn.request("GET", side.form_path)
            status = conn.getresponse().status
            conn.close()
            if status in (200, 203) and len(worker_pids(side.proc.pid)) > 0:  # 203: a form page
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{side.name}: not serving {side.form_path} after {timeout:g} s\n{tail(side.log)}")
        time.sleep(0.1)


def stop(side: Side) -> None:
    """Stop the server's whole process group: TERM (gunicorn's graceful stop), then KILL what is left."""
    proc = side.proc
    if proc is None:
        return
    side.proc = None
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # any worker that outlived its master
    except ProcessLookupError:
        pass
    proc.wait()


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def worker_pids(master: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    except OSError:
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master:
                    pids.append(int(stat.parent.name))
            except (OSError, ValueError, IndexError):
                continue
        return pids


def cpu_seconds(pids: list[int]) -> float:
    """User + system time of these processes so far (fields 14 and 15 of /proc/<pid>/stat)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024  # kB
    return float("nan")


# ---------------------------------------------------------------------------------------------- clients

class Turn:
    """One side under load for a while: the clients' shared start and end, and what they counted."""

    def __init__(self, side: Side, clients: int, seconds: float):
        self.side, self.seconds = side, seconds
        self.start = self.end = 0.0
        self.barrier = threading.Barrier(clients + 1, action=self._go)
        self.lock = threading.Lock()
        self.times: list[float] = []
        self.errors: dict[str, int] = {}
        self.responses = 0  # including those that finished after the end
        self.cpu = 0.0

    def _go(self) -> None:
        self.start = time.perf_counter()
        self.end = self.start + self.seconds

    def error(self, what: str) -> None:
        with self.lock:
            self.errors[what] = self.errors.get(what, 0) + 1


def get_form(conn: http.client.HTTPConnection, path: str) -> tuple[str, str]:
    """GET the form: (Cookie header value, CSRF token), empty where the page has none."""
    conn.request("GET", path, headers={"Accept-Language": "en-GB,en;q=0.9"})
    response = conn.getresponse()
    html = response.read().decode("utf-8", errors="replace")
    if response.status not in (200, 203):  # the portal's form page answers 203 (never kept for Back)
        raise RuntimeError(f"GET {path}: {response.status}")
    cookie = cookie_from(response) or ""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    return cookie, match.group(1) if match else ""


def cookie_from(response: http.client.HTTPResponse) -> str | None:
    for header in response.headers.get_all("Set-Cookie") or []:
        name_value = header.split(";", 1)[0].strip()
        if name_value.startswith("s="):
            return name_value if name_value != "s=" else None
    return None


def client(turn: Turn, path: str, bodies: list[str], seed: int) -> None:
    side, rng = turn.side, random.Random(seed)
    conn = http.client.HTTPConnection(HOST, side.port, timeout=60)
    try:
        try:
            cookie, csrf = get_form(conn, side.form_path)
        except Exception as exc:  # noqa: BLE001 - counted, and the turn goes on without this client
            turn.error(f"form: {type(exc).__name__}: {exc}")
            cookie = csrf = ""
        try:
            turn.barrier.wait()
        except threading.BrokenBarrierError:
            return
        prefix = urlencode({"csrf_token": csrf}) + "&" if csrf else ""
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "en-GB,en;q=0.9"}
        times: list[float] = []
        responses = 0
        while time.perf_counter() < turn.end:
            body = f"{prefix}submission_key={secrets.token_urlsafe(24)}&{rng.choice(bodies)}".encode()
            if cookie:
                headers["Cookie"] = cookie
            began = time.perf_counter()
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                if time.perf_counter() < turn.end:
                    turn.error(type(exc).__name__)
                continue
            done = time.perf_counter()
            responses += 1
            if done > turn.end:
                break  # finished after the turn: not counted either way
            location = urlsplit(response.getheader("Location") or "").path
            if side.accept(response.status, location):
                times.append((done - began) * 1000)
            else:
                turn.error(f"{response.status} {location}".strip())
            cookie = cookie_from(response) or cookie
        with turn.lock:
            turn.times += times
            turn.responses += responses
    finally:
        conn.close()


def run_turn(side: Side, clients: int, seconds: float, bodies: list[str], seed: int) -> Turn:
    turn = Turn(side, clients, seconds)
    path = side.form_path
    threads = [threading.Thread(target=client, args=(turn, path, bodies, seed * 1000 + k), daemon=True)
               for k in range(clients)]
    for thread in threads:
        thread.start()
    try:
        turn.barrier.wait(timeout=60)
    except threading.BrokenBarrierError as exc:
        raise RuntimeError(f"{side.name}: the clients could not open the form") from exc
    assert side.proc is not None
    workers = worker_pids(side.proc.pid)
    cpu_before = cpu_seconds(workers)
    for thread in threads:
        thread.join()
    turn.cpu = cpu_seconds(workers) - cpu_before
    return turn


# ---------------------------------------------------------------------------------------------- databases

class Databases:
    """Where each side stores: two SQLite files in the temporary directory, or two PostgreSQL schemas."""

    def __init__(self, url: str | None, tmp: Path):
        self.url, self.tmp = url, tmp
        self.schemas: list[str] = []
        token = secrets.token_hex(4)
        self.names = {"baseline": f"bench_throughput_{token}_baseline", "real": f"bench_throughput_{token}_real"}

    @property
    def label(self) -> str:
        if not self.url:
            return "SQLite (WAL, synchronous=FULL), a file per side"
        return f"PostgreSQL {self.url.split('@')[-1]}, a schema per side"

    def url_for(self, side: str) -> str:
        if not self.url:  # the real side's is where `portal init` puts it by default
            return f"sqlite:///{self.tmp / 'instance' / 'portal.db' if side == 'real' else self.tmp / 'baseline.db'}"
        joiner = "&" if "?" in self.url else "?"
        return f"{self.url}{joiner}options=-csearch_path%3D{self.names[side]}"

    def count(self, side: str, table: str) -> int:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.url_for(side))
        try:
            with engine.connect() as conn:
                return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
        finally:
            engine.dispose()

    def setup(self) -> None:
        if not self.url:
            return
        from sqlalchemy import create_engine, text

        engine = create_engine(self.url, connect_args={"connect_timeout": 5})
        try:
            with engine.begin() as conn:
                for name in self.names.values():
                    conn.execute(text(f'CREATE SCHEMA "{name}"'))
                    self.schemas.append(name)
        finally:
            engine.dispose()

    def teardown(self) -> None:
        if not self.schemas:
            return
        from sqlalchemy import create_engine, text

        engine = create_engine(self.url or "", connect_args={"connect_timeout": 5})
        try:
            with engine.begin() as conn:
                for name in self.schemas:
                    conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
            self.schemas = []
        finally:
            engine.dispose()


def clean_env() -> dict[str, str]:
    """This environment without any PORTAL_* setting: nothing may point the servers at a real database or keys."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_") and k != "BASELINE_DATABASE_URL"}


def portal_init(env: dict[str, str]) -> None:
    script = Path(sys.executable).parent / "portal"
    command = [str(script), "init"] if script.exists() else [
        sys.executable, "-c", "import sys; from portal.cli import main; sys.argv[0] = 'portal'; main()", "init"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"portal init failed ({result.returncode}):\n{result.stdout}{result.stderr}")


# ---------------------------------------------------------------------------------------------- report

def percentile(values: list[float], pct: float) -> float:
    """Nearest rank, as benchmarks/queue.py: the value that pct% of the samples are at or below."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)] if ordered else float("nan")


def table(sides: list[Side]) -> list[str]:
    headers = ("side", "requests", "req/s", "p50 ms", "p95 ms", "worker RSS MB (max)", "each worker MB", "errors",
               "worker CPU ms/req")
    cells = []
    for s in sides:
        cells.append((s.name, str(s.requests), f"{s.throughput:.1f}",
                      f"{statistics.median(s.times):.1f}" if s.times else "nan", f"{percentile(s.times, 95):.1f}",
                      f"{max(s.rss_mb):.1f}" if s.rss_mb else "nan",
                      ", ".join(f"{r:.1f}" for r in s.rss_mb) or "-", str(s.error_count), f"{s.cpu_ms:.2f}"))
    widths = [max(len(c) for c in column) for column in zip(headers, *cells, strict=True)]
    right = {1, 2, 3, 4, 5, 7, 8}

    def line(row: tuple[str, ...]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(row, widths, strict=True))).rstrip()

    return [line(headers), line(tuple("-" * w for w in widths))] + [line(c) for c in cells]


# ---------------------------------------------------------------------------------------------- main

def _terminate(_signum: int, _frame: Any) -> None:
    raise SystemExit(143)  # unwinds through `finally`, which stops the servers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Report submissions per second: the portal against a bare baseline.")
    parser.add_argument("--seconds", type=float, default=15.0, help="measured time per side (default 15)")
    parser.add_argument("--rounds", type=int, default=3, help="turns per side, alternating (default 3)")
    parser.add_argument("--warmup", type=float, default=3.0, help="untimed load per side first (default 3 s)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers per side (default 2)")
    parser.add_argument("--clients", type=int, default=None, help="client threads (default: twice --workers)")
    parser.add_argument("--database", default=None, metavar="URL",
                        help=f"PostgreSQL instead of SQLite, e.g. {DEFAULT_POSTGRES}")
    parser.add_argument("--no-check", dest="check", action="store_false",
                        help="exit 0 even if a target is missed")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    clients = args.clients or 2 * args.workers
    if args.seconds <= 0 or args.rounds < 1 or args.workers < 1 or clients < 1 or args.warmup < 0:
        parser.error("--seconds must be positive, and --rounds, --workers and --clients at least 1")
    if args.database and not args.database.startswith("postgresql"):
        parser.error("--database takes a PostgreSQL URL (SQLite is the default: leave --database out)")

    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    rng = random.Random(args.seed)
    sets = [answer_set(rng) for _ in range(ANSWER_SETS)]
    real_bodies = [urlencode(pairs) for pairs in sets]
    baseline_bodies = [urlencode([(k, v) for k, v in pairs if k != "action"]) for pairs in sets]

    tmp_dir = tempfile.TemporaryDirectory(prefix="bench-throughput-")
    tmp = Path(tmp_dir.name)
    databases = Databases(args.database, tmp)
    baseline = Side("baseline", "benchmarks.baseline_app:create_app()", BASELINE_FORM,
                    {**clean_env(), "BASELINE_DATABASE_URL": databases.url_for("baseline")},
                    lambda status, _location: status in (200, 201))
    real = Side("real", "portal.wsgi:public()", REAL_FORM,
                {**clean_env(), "PORTAL_ENV": "test", "PORTAL_INSTANCE_DIR": str(tmp / "instance"),
                 "PORTAL_SUBMIT_LIMIT": SUBMIT_LIMIT, "PORTAL_DATABASE_URL": databases.url_for("real")},
                lambda status, location: status == 303 and location == "/en/sent")
    sides = [baseline, real]
    bodies = {"baseline": baseline_bodies, "real": real_bodies}

    print(f"Throughput benchmark: {args.workers} sync gunicorn worker(s) per side, {clients} client threads, "
          f"{args.seconds:g} s measured per side in {args.rounds} alternating turn(s) after {args.warmup:g} s "
          f"warm-up; {databases.label}.")
    print(f"Targets: real/baseline throughput >= {TARGET_RATIO:.2f}; real worker RSS <= {TARGET_RSS_MB:g} MB; "
          "every request answered as expected, and stored.", flush=True)
    measured = False
    try:
        try:
            databases.setup()
            from benchmarks.baseline_app import create_schema

            create_schema(baseline.env["BASELINE_DATABASE_URL"])
            portal_init(real.env)
            for side in sides:
                start(side, args.workers, tmp)
            for side in sides:
                wait_ready(side)
        except Exception as exc:  # noqa: BLE001 - say why, plainly, and stop
            print(f"cannot set up the servers: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 2

        if args.warmup > 0:
            for side in sides:
                turn = run_turn(side, clients, args.warmup, bodies[side.name], rng.randrange(1 << 30))
                if not turn.times:
                    print(f"{side.name}: no request succeeded in the warm-up: {turn.errors}\n{tail(side.log)}",
                          file=sys.stderr)
                    return 2
        load_before = os.getloadavg()[0]
        per_turn = args.seconds / args.rounds
        for round_no in range(args.rounds):
            for side in (sides if round_no % 2 == 0 else sides[::-1]):
                turn = run_turn(side, clients, per_turn, bodies[side.name], rng.randrange(1 << 30))
                side.times += turn.times
                side.seconds += turn.end - turn.start
                side.turns.append(len(turn.times) / (turn.end - turn.start))
                side.cpu_seconds += turn.cpu
                side.responses += turn.responses
                for what, n in turn.errors.items():
                    side.errors[what] = side.errors.get(what, 0) + n
                print(f"turn {round_no + 1} {side.name}: {len(turn.times)} requests, "
                      f"{side.turns[-1]:.1f} req/s" + (f", errors {turn.errors}" if turn.errors else ""),
                      flush=True)
        load_after, cpus = os.getloadavg()[0], os.cpu_count() or 1
        for side in sides:
            assert side.proc is not None
            side.rss_mb = [rss_mb(pid) for pid in sorted(worker_pids(side.proc.pid))]
        measured = True
    finally:
        for side in sides:
            stop(side)
        stored: dict[str, int] = {}
        try:
            if measured:
                stored = {"baseline": databases.count("baseline", "baseline_report"),
                          "real": databases.count("real", "report")}
        except Exception as exc:  # noqa: BLE001 - a cross-check: say so, and let the check below fail
            print(f"could not count the stored rows: {type(exc).__name__}: {exc}", file=sys.stderr)
        try:
            databases.teardown()
        except Exception as exc:  # noqa: BLE001
            print(f"could not drop the PostgreSQL schemas {databases.schemas}: {exc}", file=sys.stderr)
        tmp_dir.cleanup()

    busy = " (a busy machine: other work competes for the CPUs)" if max(load_before, load_after) > cpus else ""
    print(f"load average {load_before:.1f} before and {load_after:.1f} after, on {cpus} CPUs{busy}")
    print()
    for line in table(sides):
        print(line)
    if stored:
        print(f"stored: baseline {stored['baseline']} rows, real {stored['real']} reports (warm-up included)")
    for side in sides:
        if side.errors:
            print(f"{side.name} errors: " + ", ".join(f"{what} x{n}" for what, n in sorted(side.errors.items())))
    ratio = real.throughput / baseline.throughput if baseline.throughput else 0.0
    real_rss = max(real.rss_mb) if real.rss_mb else float("inf")
    checks = [
        (ratio >= TARGET_RATIO, f"throughput ratio {ratio:.2f} (real {real.throughput:.1f} / baseline "
                                f"{baseline.throughput:.1f} req/s), target >= {TARGET_RATIO:.2f}"),
        (real_rss <= TARGET_RSS_MB, f"real worker RSS {real_rss:.1f} MB (largest of {len(real.rss_mb)}), "
                                    f"target <= {TARGET_RSS_MB:g} MB"),
        (not baseline.errors and not real.errors,
         f"errors: baseline {baseline.error_count}, real {real.error_count}, target 0"),
        (stored.get("baseline", -1) >= baseline.requests and stored.get("real", -1) >= real.requests,
         "every request counted is a row in its database"),
    ]
    for passed, text in checks:
        print(f"{'PASS' if passed else 'FAIL'}: {text}")
    print(f"ratio: {ratio:.2f}")
    return 1 if args.check and not all(passed for passed, _ in checks) else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # the servers were stopped on the way out (see main's `finally`)
        print("interrupted: servers stopped", file=sys.stderr)
        sys.exit(130)
