"""Crash test: kill the whole public server again and again under load; is every acknowledged report kept?

Run from the repository root:

    .venv/bin/python benchmarks/crash.py                     # 20 kills and 20,000 acknowledged reports, SQLite
    .venv/bin/python benchmarks/crash.py --kills 3 --reports 300
    .venv/bin/python benchmarks/crash.py --database postgresql+psycopg://postgres@127.0.0.1:5432/test

Options: --kills N (at least this many kills, default 20), --reports N (at least this many acknowledged
reports, default 20,000; the run goes on until both are reached), --clients N (threads, default 8),
--workers N (gunicorn sync workers, default 2), --database URL (default: SQLite in a throw-away instance
directory; a PostgreSQL URL gets a schema of its own, created and dropped), --min-load/--max-load SECONDS
(how long the server runs between kills, default 0.2 to 2), --give-up SECONDS (how long one report may keep
failing before the client abandons it, default 180), --seed N, --keep (leave the instance directory and
the PostgreSQL schema behind).

What it does:
1. makes a temporary instance directory and runs `portal init` in it (PORTAL_ENV=test: the schema through
   the real migrations, DEVELOPMENT keys under keys/), on SQLite there or in a fresh PostgreSQL schema;
2. starts gunicorn 'portal.wsgi:public()' (the internet-facing side) on a free port of 127.0.0.1, in a
   process group of its own, with no access log and the submission limit lifted (every client here sends
   from one address);
3. runs --clients threads, each a browser doing what a person does: GET /en/tell-us/you once (cookie `s`
   and the CSRF token), then send reports one after another, each with a unique marker in its story
   (crash-<uuid>) and a fresh submission_key. A report is acknowledged when its POST answers 303 to
   /en/sent (or 200 with the confirmation page, which is what a spooled report gets). Anything else (a
   refused or reset connection, a 5xx, the form back because the token or session was lost) is retried
   with the same answers and the SAME submission_key, as a browser retry or a second tap would be, after
   fetching a new token if the form came back. After each 303 the client GETs /en/sent and keeps the
   reference it shows;
4. meanwhile a killer thread lets the server take load for a random 0.2-2 s, SIGKILLs the whole process
   group (master and workers, at any point of any request), waits for the port to close, starts gunicorn
   again and waits until it answers. It goes on killing until both --kills and --reports are reached, so
   a default run kills the server a couple of hundred times; each client then finishes the report it is on;
5. stops the server, runs `portal spool replay` (if the portal has that command), opens the database
   directly and decrypts every report with the development private keys, and counts: lost (acknowledged
   markers not stored), duplicated (markers stored more than once, acknowledged or not), undecryptable
   (rows that do not open), and wrong reference (stored under another reference than the confirmation
   page showed). It also counts the reports whose row was stored before the POST that was acknowledged
   began: an earlier attempt stored it and was killed before it could answer, and the retry with the same
   key found it (idempotency under a crash, exercised). Stored but never acknowledged is not a failure
   (only an abandoned report can be that), and is only reported.

Prints the figures, ending with `acknowledged: N`, `lost: N`, `duplicated: N` and `undecryptable: N`, each on
a line of its own. Exits 1 if any report was lost, duplicated, undecryptable, given a wrong reference or
abandoned, 2 if the database or the server could not be set up or kept running.
"""
from __future__ import annotations

import os
import sys

# Beside benchmarks/queue.py: take this directory off the import path first, or `import queue` anywhere
# (logging.handlers, psycopg) would load that script instead of the standard library's module.
_HERE = os.path.dirname(os.path.realpath(__file__))
sys.path[:] = [p for p in sys.path if os.path.realpath(p or os.curdir) != _HERE]

import argparse  # noqa: E402
import http.client  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import secrets  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections import Counter  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import timezone  # noqa: E402
from http.cookies import CookieError, SimpleCookie  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402
from urllib.parse import urlencode  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, select  # noqa: E402

DEV_PASSPHRASE = "development only"  # what PORTAL_ENV=test wraps the development keys with
FORM = "/en/tell-us/you"
SENT = "/en/sent"
READY = "/en/"  # a plain page: no session, no database write
MARKER = re.compile(r"crash-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
REFERENCE = re.compile(r'class="reference">([A-Z0-9-]+)<')
SUBMIT_LIMIT = "1000000 per minute"
STORIES = ["He took my phone and locked the door.", "She checks where I go and who I talk to.",
           "I hear shouting and things breaking next door most nights.",
           "My daughter's partner controls all her money and she is frightened of him."]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(instance: Path, database_url: str | None) -> dict[str, str]:
    """The environment the portal runs in: nothing PORTAL_* inherited (a real database or real keys)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update(PORTAL_ENV="test", PORTAL_INSTANCE_DIR=str(instance), PORTAL_SUBMIT_LIMIT=SUBMIT_LIMIT)
    if database_url:
        env["PORTAL_DATABASE_URL"] = database_url
    return env


def portal_command(*args: str) -> list[str]:
    return [sys.executable, "-c", "import sys; from portal.cli import main; sys.exit(main())", *args]


# ---------------------------------------------------------------------------------------------- the database

class Database:
    """Where the reports go: a throw-away SQLite file in the instance directory, or a PostgreSQL schema."""

    def __init__(self, url: str | None, instance: Path, keep: bool) -> None:
        self.keep = keep
        self.schema: str | None = None
        self.base_url = url
        if url is None or url == "sqlite":
            self.url = f"sqlite:///{instance / 'portal.db'}"
            self.env_url: str | None = None  # the portal's own default, under the instance directory
        elif url.startswith("sqlite"):
            self.url = self.env_url = url
        elif url.startswith("postgresql"):
            self.schema = "crash_" + secrets.token_hex(5)
            joiner = "&" if "?" in url else "?"
            self.url = self.env_url = f"{url}{joiner}options=-csearch_path%3D{self.schema}"
        else:
            raise SystemExit("--database: a sqlite:/// or postgresql+psycopg:// URL")

    @property
    def name(self) -> str:
        return f"PostgreSQL (schema {self.schema})" if self.schema else "SQLite"

    def _admin(self, statement: str) -> None:
        engine = create_engine(self.base_url, connect_args={"connect_timeout": 5})  # type: ignore[arg-type]
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql(statement)
        finally:
            engine.dispose()

    def setup(self) -> None:
        if self.schema:
            self._admin(f'CREATE SCHEMA "{self.schema}"')

    def teardown(self) -> None:
        if not self.schema:
            return
        if self.keep:
            print(f"kept PostgreSQL schema {self.schema} ({self.url})")
        else:
            self._admin(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')


# ---------------------------------------------------------------------------------------------- the server

class ServerDown(Exception):
    pass


class Server:
    """gunicorn 'portal.wsgi:public()' in a process group of its own, so one killpg takes all of it."""

    def __init__(self, env: dict[str, str], workers: int, log_path: Path) -> None:
        self.env, self.workers, self.log_path = env, workers, log_path
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.ready_times: list[float] = []

    def _spawn(self) -> None:
        with open(self.log_path, "ab") as out:
            out.write(f"--- start {self.starts + 1} on port {self.port} at {time.strftime('%H:%M:%S')}\n".encode())
            out.flush()
            # No --access-logfile: gunicorn then writes no access log, as in production.
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "portal.wsgi:public()", "--bind", f"127.0.0.1:{self.port}",
                 "--workers", str(self.workers), "--worker-class", "sync", "--timeout", "60",
                 "--graceful-timeout", "5", "--log-level", "warning"],
                cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)
        self.starts += 1

    def _answers(self) -> bool:
        try:
            status, _headers, _body = request(self.port, "GET", READY, timeout=5)
        except (OSError, http.client.HTTPException):
            return False
        return status == 200

    def start(self, timeout: float = 60) -> float:
        """Start gunicorn and wait until it answers; a new port if it cannot bind. Seconds taken."""
        began = time.monotonic()
        for attempt in range(5):
            self._spawn()
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.proc is not None and self.proc.poll() is not None:
                    break  # it exited: the port is taken, or it could not import the app
                if self._answers():
                    took = time.monotonic() - began
                    self.ready_times.append(took)
                    return took
                time.sleep(0.02)
            self._signal_group(signal.SIGKILL)
            log(f"gunicorn did not come up (attempt {attempt + 1}); see {self.log_path}")
            self.port = free_port()
        raise ServerDown(f"gunicorn would not start: see {self.log_path}")

    def _signal_group(self, sig: int) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, sig)  # start_new_session: the group id is the master's pid
        except ProcessLookupError:
            pass
        if sig == signal.SIGKILL:
            self.proc.wait()

    def kill(self) -> None:
        """SIGKILL master and workers at once, then wait until nothing listens on the port any more."""
        self._signal_group(signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
            except OSError:
                return  # refused: the listening socket is gone with the last process holding it
            time.sleep(0.01)
        raise ServerDown(f"port {self.port} still open 30 s after SIGKILL")

    def stop(self) -> None:
        """A graceful stop at the end (SIGTERM to the group), SIGKILL if it does not go."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self._signal_group(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self._signal_group(signal.SIGKILL)
        try:  # workers left behind by a master that died first
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def request(port: int, method: str, path: str, body: str | None = None, cookie: str | None = None,
            timeout: float = 60) -> tuple[int, http.client.HTTPMessage, str]:
    """One HTTP request on a connection of its own (gunicorn's sync workers close after each response)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Accept-Language": "en-GB,en;q=0.9"}  # no Accept-Encoding: plain bodies
        if cookie:
            headers["Cookie"] = f"s={cookie}"
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body.encode("utf-8") if body is not None else None, headers=headers)
        response = conn.getresponse()
        data = response.read()
        return response.status, response.headers, data.decode("utf-8", "replace")
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------------- the clients

@dataclass
class Stats:
    acknowledged: dict[str, str | None] = field(default_factory=dict)  # marker -> reference shown
    submission_keys: dict[str, str] = field(default_factory=dict)  # marker -> its one key (for evidence)
    last_attempt: dict[str, float] = field(default_factory=dict)  # marker -> when the acknowledged POST began
    sent: int = 0  # reports started
    posts: int = 0
    retries: int = 0  # POSTs sent again with the same key
    retried_reports: int = 0  # reports that needed at least one retry
    connection_failures: int = 0
    server_errors: int = 0  # 5xx answers
    token_refreshes: int = 0  # the form came back (token or session lost): a new GET, then the same key again
    rejected: int = 0  # 4xx answers other than the form coming back: should never happen
    spooled: int = 0  # acknowledged with 200 and the confirmation page (the spool)
    receipts_missing: int = 0  # 303 but /en/sent had no receipt
    abandoned: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, **counts: int) -> None:
        with self.lock:
            for name, value in counts.items():
                setattr(self, name, getattr(self, name) + value)


class Client(threading.Thread):
    """One browser: one session, one form token, reports sent one after another."""

    def __init__(self, number: int, server: Server, stats: Stats, stop: threading.Event, fatal: threading.Event,
                 give_up: float, seed: int) -> None:
        super().__init__(name=f"client-{number}", daemon=True)
        self.server, self.stats, self.stop, self.fatal, self.give_up = server, stats, stop, fatal, give_up
        self.rng = random.Random(seed)
        self.cookie: str | None = None
        self.token: str | None = None
        self.error: BaseException | None = None

    # -- HTTP with the session cookie

    def _call(self, method: str, path: str, body: str | None = None) -> tuple[int, http.client.HTTPMessage, str]:
        status, headers, page = request(self.server.port, method, path, body, self.cookie)
        for value in headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            try:
                jar.load(value)
            except CookieError:
                continue
            if "s" in jar:
                self.cookie = jar["s"].value or None  # an empty value is the server deleting it
        return status, headers, page

    def _pause(self, failures: int) -> None:
        # The server is being killed or restarted: try again soon, a little later each time, not in lockstep.
        time.sleep(min(0.5, 0.02 * failures) + self.rng.uniform(0, 0.05))

    def _refresh(self, deadline: float) -> bool:
        """GET the form: a session cookie and a CSRF token. False if it cannot be had before the deadline."""
        failures = 0
        while time.monotonic() < deadline and not self.fatal.is_set():
            try:
                status, _headers, page = self._call("GET", FORM)
            except (OSError, http.client.HTTPException):
                status, page = 0, ""
            match = CSRF.search(page) if status in (200, 203) else None  # 203: a form page (never kept for Back)
            if match:
                self.token = match.group(1)
                return True
            failures += 1
            self._pause(failures)
        return False

    def _receipt(self, deadline: float) -> str | None:
        """The reference /en/sent shows after a 303 (None if the session had no receipt)."""
        failures = 0
        while time.monotonic() < deadline and not self.fatal.is_set():
            try:
                status, _headers, page = self._call("GET", SENT)
            except (OSError, http.client.HTTPException):
                status, page = 0, ""
            if status in (200, 203) and (match := REFERENCE.search(page)):
                return match.group(1)
            if status in (200, 203, 302, 303):
                # Sent back to the start (no receipt in the session), or the page without its reference: it is
                # shown once, and an earlier GET, killed before its answer arrived, was that once.
                return None
            failures += 1
            self._pause(failures)
        return None

    # -- one report

    def _answers(self, marker: str) -> dict[str, Any]:
        rng = self.rng
        answers: dict[str, Any] = {
            "story": f"{rng.choice(STORIES)} [{marker}] " + "x" * rng.randrange(0, 1500),
            "contact_methods": ["text"], "phone_text": "07700 900982",
            "danger_now": rng.choice(["yes", "no", "unsure", ""]),
            "children": rng.choice(["live", "visit", "no", "unsure", ""]),
            "safe_days": rng.sample(["mon", "tue", "wed", "thu", "fri"], rng.randrange(0, 3)),
            "contact_language": rng.choice(["en", "cy"]),
        }
        return {k: v for k, v in answers.items() if v not in ("", [])}

    def deliver(self) -> None:
        marker = f"crash-{uuid.uuid4()}"
        key = secrets.token_urlsafe(24)  # fresh for this report, and the same for every retry of it
        answers = self._answers(marker)
        with self.stats.lock:
            self.stats.sent += 1
            self.stats.submission_keys[marker] = key
        deadline = time.monotonic() + self.give_up
        attempts = 0
        rejected = 0
        while True:
            if self.fatal.is_set() or time.monotonic() > deadline:
                with self.stats.lock:
                    self.stats.abandoned.append(marker)
                return
            if self.token is None and not self._refresh(deadline):
                continue
            body = urlencode({**answers, "csrf_token": self.token, "submission_key": key, "action": "send"},
                             doseq=True)
            if attempts:
                self.stats.add(retries=1, retried_reports=1 if attempts == 1 else 0)
            attempts += 1
            self.stats.add(posts=1)
            began = time.time()
            try:
                status, headers, page = self._call("POST", FORM, body)
            except (OSError, http.client.HTTPException):
                self.stats.add(connection_failures=1)  # killed mid-request, or down: the same key again
                self._pause(attempts)
                continue
            if status == 303 and (headers.get("Location") or "").split("?")[0].endswith(SENT):
                reference = self._receipt(deadline)
                with self.stats.lock:
                    self.stats.acknowledged[marker] = reference
                    self.stats.last_attempt[marker] = began
                    self.stats.receipts_missing += reference is None
                return
            if status == 200 and (match := REFERENCE.search(page)):
                with self.stats.lock:  # the confirmation page itself: the report went to the spool
                    self.stats.acknowledged[marker] = match.group(1)
                    self.stats.last_attempt[marker] = began
                    self.stats.spooled += 1
                return
            if status == 200:
                # The form came back ("check and send again"): the token or session was lost. A new token,
                # then the same answers with the same submission key.
                self.stats.add(token_refreshes=1)
                self.token = None
                continue
            if status >= 500:
                self.stats.add(server_errors=1)
                self._pause(attempts)
                continue
            # 400 (a field refused), 429 (the limit), anything else: should not happen with these answers.
            self.stats.add(rejected=1)
            rejected += 1
            if rejected == 1:
                log(f"{self.name}: unexpected {status} for {marker}: "
                    f"{re.findall(r'error-message[^>]*>(.*?)</', page, re.S)[:3]}")
            if rejected >= 10:
                with self.stats.lock:
                    self.stats.abandoned.append(marker)
                return
            self.token = None
            self._pause(attempts)

    def run(self) -> None:
        try:
            while not self.stop.is_set() and not self.fatal.is_set():
                self.deliver()
        except BaseException as exc:  # noqa: BLE001 - a client bug must not pass as a quiet run
            self.error = exc
            self.fatal.set()
            raise


# ---------------------------------------------------------------------------------------------- the killer

@dataclass
class Killing:
    kills: int = 0
    down_seconds: float = 0.0
    error: BaseException | None = None


def killer(server: Server, stop: threading.Event, fatal: threading.Event, result: Killing, rng: random.Random,
           min_load: float, max_load: float) -> None:
    try:
        while not stop.is_set():
            if stop.wait(rng.uniform(min_load, max_load)):
                break
            began = time.monotonic()
            server.kill()
            result.kills += 1
            server.start()
            result.down_seconds += time.monotonic() - began
    except BaseException as exc:  # noqa: BLE001
        result.error = exc
        fatal.set()


# ---------------------------------------------------------------------------------------------- the count

@dataclass
class Count:
    rows: int = 0
    markers: Counter[str] = field(default_factory=Counter)
    references: dict[str, list[str]] = field(default_factory=dict)  # marker -> references of its rows
    received: dict[str, float] = field(default_factory=dict)  # marker -> received_at of (one of) its rows
    undecryptable: list[str] = field(default_factory=list)  # report ids
    unmarked: int = 0


def count_reports(url: str, keys: Path) -> Count:
    from portal.crypto.keys import load_private_keys
    from portal.crypto.sealing import Opener
    from portal.intake.reports import PURPOSE
    from portal.store.models import Report

    opener = Opener(load_private_keys(keys, DEV_PASSPHRASE))
    result = Count()
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(Report.id, Report.reference, Report.received_at, Report.sealed)).all()
        for report_id, reference, received_at, sealed in rows:
            result.rows += 1
            try:
                content = opener.open_json(sealed, PURPOSE, report_id)
                story = str(content["answers"].get("story", ""))
            except Exception:  # noqa: BLE001 - whatever the reason, it did not open
                result.undecryptable.append(report_id)
                continue
            found = MARKER.findall(story)
            if not found:
                result.unmarked += 1
                continue
            for marker in set(found):
                result.markers[marker] += 1
                result.references.setdefault(marker, []).append(reference)
                moment = received_at if received_at.tzinfo else received_at.replace(tzinfo=timezone.utc)
                result.received[marker] = moment.timestamp()
    finally:
        engine.dispose()
    return result


def replay_spool(env: dict[str, str], spool_dir: Path) -> str | None:
    """`portal spool replay`, if this version of the portal has it and the spool has files."""
    help_text = subprocess.run(portal_command("--help"), cwd=ROOT, env=env, capture_output=True, text=True).stdout
    if not re.search(r"^\s+spool\b", help_text, re.M):
        return None
    waiting = [p for p in spool_dir.glob("*.report.json")] if spool_dir.exists() else []
    result = subprocess.run(portal_command("spool", "replay"), cwd=ROOT, env=env, capture_output=True, text=True)
    return f"{len(waiting)} file(s); {(result.stdout + result.stderr).strip()}"


# ---------------------------------------------------------------------------------------------- main

def _terminated(signum: int, _frame: Any) -> None:
    # SIGTERM (a test's timeout, a CI job cancelled): unwind, so the server's process group is stopped and
    # the temporary directory and schema are removed, rather than leaving gunicorn running on its own.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _terminated)
    parser = argparse.ArgumentParser(description="Kill the public server under load; count lost reports.")
    parser.add_argument("--kills", type=int, default=20, help="at least this many kills (default 20)")
    parser.add_argument("--reports", type=int, default=20_000, help="at least this many acknowledged reports")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--database", default=None,
                        help="sqlite:///path or a postgresql+psycopg:// URL (default: SQLite in a temporary "
                             "instance directory)")
    parser.add_argument("--min-load", type=float, default=0.2, help="shortest run between kills, in seconds")
    parser.add_argument("--max-load", type=float, default=2.0, help="longest run between kills, in seconds")
    parser.add_argument("--give-up", type=float, default=180.0,
                        help="seconds one report may keep failing before its client abandons it")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the instance directory and PostgreSQL schema")
    args = parser.parse_args(argv)
    if args.kills < 0 or args.reports < 1 or args.clients < 1 or args.workers < 1:
        parser.error("--kills >= 0, --reports >= 1, --clients >= 1, --workers >= 1")
    if not 0 < args.min_load <= args.max_load:
        parser.error("0 < --min-load <= --max-load")
    seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
    rng = random.Random(seed)

    instance = Path(tempfile.mkdtemp(prefix="bench-crash-"))
    database = Database(args.database, instance, args.keep)
    env = clean_env(instance, database.env_url)
    keep = args.keep
    print(f"Crash test: at least {args.kills} kills and {args.reports:,} acknowledged reports; {args.clients} "
          f"clients, gunicorn with {args.workers} sync workers, {database.name}, seed {seed}.", flush=True)
    try:
        try:
            database.setup()
            init = subprocess.run(portal_command("init"), cwd=ROOT, env=env, capture_output=True, text=True,
                                  timeout=300)
            if init.returncode != 0:
                raise RuntimeError(f"portal init failed:\n{init.stdout}{init.stderr}")
        except Exception as exc:  # noqa: BLE001 - say why, plainly, and stop
            print(f"cannot set up the database: {type(exc).__name__}: {exc}", file=sys.stderr)
            keep = True
            return 2
        code = run(args, rng, instance, env, database)
        keep = keep or code != 0
        return code
    finally:
        try:
            database.teardown()
        finally:
            if keep:
                print(f"kept instance directory {instance} (server.log, the database, the keys)")
            else:
                shutil.rmtree(instance, ignore_errors=True)


def run(args: argparse.Namespace, rng: random.Random, instance: Path, env: dict[str, str],
        database: Database) -> int:
    # Under `make test` the server's log goes where the suite's log scan reads it (tests/log_watch.py).
    scanned = os.environ.get("PORTAL_TEST_LOG_DIR")
    server = Server(env, args.workers, Path(scanned) / f"crash-{os.getpid()}.log" if scanned
                    else instance / "server.log")
    stats, killing = Stats(), Killing()
    stop, fatal = threading.Event(), threading.Event()
    started = time.monotonic()
    try:
        server.start()
    except ServerDown as exc:
        print(f"cannot start the server: {exc}", file=sys.stderr)
        return 2
    clients = [Client(n, server, stats, stop, fatal, args.give_up, rng.randrange(2**31))
               for n in range(args.clients)]
    kill_thread = threading.Thread(target=killer, name="killer", daemon=True,
                                   args=(server, stop, fatal, killing, random.Random(rng.randrange(2**31)),
                                         args.min_load, args.max_load))
    for client in clients:
        client.start()
    kill_thread.start()
    last_progress = time.monotonic()
    try:
        while not fatal.is_set():
            with stats.lock:
                acked = len(stats.acknowledged)
            if acked >= args.reports and killing.kills >= args.kills:
                break
            if time.monotonic() - last_progress >= 10:
                last_progress = time.monotonic()
                log(f"  {time.monotonic() - started:6.0f} s: {acked:,} acknowledged, {killing.kills} kills, "
                    f"{stats.retries:,} retries")
            time.sleep(0.1)
    except BaseException:
        fatal.set()  # interrupted (Ctrl-C, SIGTERM): clients give up their reports at once, nothing is counted
        raise
    finally:
        stop.set()
        kill_thread.join()
        for client in clients:  # each finishes the report it is on: the server is up again by now
            client.join()
        load_seconds = time.monotonic() - started
        server.stop()

    problems: list[str] = []
    if killing.error is not None:
        problems.append(f"the killer stopped: {type(killing.error).__name__}: {killing.error}")
    problems += [f"{c.name} crashed: {type(c.error).__name__}: {c.error}" for c in clients if c.error]

    spool_note = replay_spool(env, Path(env.get("PORTAL_SPOOL_DIR") or instance / "spool"))
    spool_left = len(list((instance / "spool").glob("*.report.json"))) if (instance / "spool").exists() else 0
    counted = count_reports(database.url, instance / "keys")

    acknowledged = stats.acknowledged
    lost = sorted(m for m in acknowledged if counted.markers[m] == 0)
    duplicated = sorted(m for m, n in counted.markers.items() if n > 1)
    wrong_reference = sorted(m for m, ref in acknowledged.items()
                             if ref is not None and counted.markers[m] == 1 and counted.references[m] != [ref])
    never_acked = sum(1 for m in counted.markers if m not in acknowledged)
    # Stored before the acknowledged POST even began: an earlier attempt, killed before it could answer, had
    # stored it, and the retry with the same key found it. The idempotency this test is about, under fire.
    stored_earlier = sum(1 for m, began in stats.last_attempt.items()
                         if counted.markers[m] == 1 and counted.received[m] < began)
    downtime = killing.down_seconds
    restarts = server.ready_times[1:]

    print(f"database: {database.name}")
    print(f"kills: {killing.kills}")
    print(f"elapsed: {load_seconds:.1f} s under load ({downtime:.1f} s of it with the server down or starting)")
    if restarts:
        print(f"restart to first answer: mean {sum(restarts) / len(restarts):.2f} s, max {max(restarts):.2f} s")
    print(f"throughput: {len(acknowledged) / load_seconds:.1f} acknowledged reports/s overall, "
          f"{len(acknowledged) / max(load_seconds - downtime, 1e-9):.1f}/s while up")
    print(f"posts: {stats.posts}")
    print(f"retries: {stats.retries} (same submission key; {stats.retried_reports} reports needed one or more)")
    print(f"connection failures: {stats.connection_failures}, server errors (5xx): {stats.server_errors}, "
          f"form sent back (new token): {stats.token_refreshes}, other refusals: {stats.rejected}")
    print(f"acknowledged with the confirmation page (spooled): {stats.spooled}")
    if spool_note is not None:
        print(f"spool replay: {spool_note}; left in the spool: {spool_left}")
    print(f"reports started: {stats.sent}, abandoned: {len(stats.abandoned)}")
    print(f"rows stored: {counted.rows}, without a marker: {counted.unmarked}")
    print(f"acknowledged by a retry after a killed attempt had already stored it: {stored_earlier}")
    print(f"stored but never acknowledged: {never_acked}")
    print(f"no receipt on /en/sent after a 303: {stats.receipts_missing}")
    print(f"wrong reference: {len(wrong_reference)}")
    for marker in lost[:10]:
        print(f"  lost {marker} (submission key {stats.submission_keys.get(marker)})")
    for marker in duplicated[:10]:
        print(f"  duplicated {marker}: {counted.markers[marker]} rows, references {counted.references[marker]}")
    for report_id in counted.undecryptable[:10]:
        print(f"  undecryptable report id {report_id}")
    for marker in wrong_reference[:10]:
        print(f"  wrong reference {marker}: shown {acknowledged[marker]}, stored {counted.references[marker]}")
    for problem in problems:
        print(f"problem: {problem}")
    print(f"acknowledged: {len(acknowledged)}")
    print(f"lost: {len(lost)}")
    print(f"duplicated: {len(duplicated)}")
    print(f"undecryptable: {len(counted.undecryptable)}")
    sys.stdout.flush()
    if problems:
        return 2
    failed = lost or duplicated or counted.undecryptable or wrong_reference or stats.abandoned
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
