"""Receipts (portal/conversations.py): what a guess costs, whether timing tells a real receipt from a wrong
one, and how long guessing would take at the rate limits in force.

Run from the repository root, with no arguments:

    .venv/bin/python benchmarks/receipt.py [--tries N]

It builds the app in a throw-away instance (PORTAL_ENV=test, SQLite), makes one real receipt through the
pages, then signs in N times with the real receipt and N times with wrong ones (alternating, each from a new
client), and prints:
- the Argon2id derivation time (median, p95) on this machine;
- sign-in response time for a real and a wrong receipt (median, p95) and their difference;
- the expected time for a guesser to find any receipt, given the per-connection limit, a number of
  connections and a number of live receipts.

A measurement: it exits 0 whatever the figures are.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tries", type=int, default=40)
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory(prefix="receipt-bench-")
    for name in ("DATABASE_URL", "PUBLIC_KEY_FILE", "PRIVATE_KEY_DIR", "SECRET_KEY", "KEY_PASSPHRASE"):
        os.environ.pop(f"PORTAL_{name}", None)
    os.environ.update(PORTAL_ENV="test", PORTAL_INSTANCE_DIR=tmp.name, PORTAL_SUBMIT_LIMIT="100000 per minute",
                      PORTAL_RECEIPT_SIGN_IN_LIMIT="100000 per minute")
    from limits import parse_many

    from portal import create_app
    from portal.crypto.keys import write_key_pair
    from portal.intake import conversations as conv
    from portal.store.db import upgrade

    app = create_app()
    upgrade(app.config["DATABASE_URL"])
    write_key_pair(Path(app.config["PUBLIC_KEY_FILE"]).parent, app.config["KEY_PASSPHRASE"])
    client = app.test_client()

    def token(html: str) -> str:
        return CSRF.search(html).group(1)  # type: ignore[union-attr]

    form = client.get("/en/tell-us/you").get_data(as_text=True)
    key = re.search(r'name="submission_key" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    client.post("/en/tell-us/you", data={"csrf_token": token(form), "submission_key": key, "story": "Bench",
                                         "contact_methods": "none", "action": "send"})
    offer = client.get("/en/receipt/new").get_data(as_text=True)
    client.post("/en/receipt/new", data={"csrf_token": token(offer)})
    shown = client.get("/en/receipt").get_data(as_text=True)
    receipt = re.sub(r"<[^>]+>", "", re.search(r'class="receipt" aria-hidden="true">(.*?)</span></span>',  # type: ignore[union-attr]
                                                 shown).group(1))

    derive = []
    for _ in range(args.tries):
        started = time.perf_counter()
        conv.derive(conv.new_receipt(), b"pepper")
        derive.append((time.perf_counter() - started) * 1000)

    timings: dict[str, list[float]] = {"real": [], "wrong": []}
    for n in range(args.tries * 2):
        kind = "real" if n % 2 == 0 else "wrong"
        visitor = app.test_client()
        page = visitor.get("/en/replies").get_data(as_text=True)
        typed = receipt if kind == "real" else conv.grouped(conv.new_receipt())
        started = time.perf_counter()
        response = visitor.post("/en/replies", data={"csrf_token": token(page), "receipt": typed})
        timings[kind].append((time.perf_counter() - started) * 1000)
        expected = 303 if kind == "real" else 400
        if response.status_code != expected:
            print(f"unexpected status {response.status_code} for a {kind} receipt")
    tmp.cleanup()

    print(f"Argon2id {conv.ARGON2}: median {statistics.median(derive):.1f} ms, p95 {pct(derive, .95):.1f} ms "
          f"({args.tries} derivations)")
    for kind, values in timings.items():
        print(f"sign-in, {kind:5} receipt: median {statistics.median(values):.1f} ms, p95 {pct(values, .95):.1f} ms")
    print(f"difference of medians (real - wrong): "
          f"{statistics.median(timings['real']) - statistics.median(timings['wrong']):+.1f} ms "
          "(a real sign-in also writes the session)")

    per_day = min(item.amount * (86400 // item.get_expiry()) for item in
                  parse_many(create_app_default_limit()))
    space = 10 ** conv.RECEIPT_DIGITS
    print(f"limit per connection: {create_app_default_limit()} -> at most {per_day} guesses a day")
    for connections, live in ((1, 10_000), (10_000, 10_000), (100_000, 100_000)):
        guesses_per_day = per_day * connections
        years = space / live / guesses_per_day / 365
        print(f"  {connections:>7,} connections, {live:>7,} live receipts: expected {years:,.0f} years to find one")
    return 0


def create_app_default_limit() -> str:
    from portal.config import Settings

    return Settings.receipt_sign_in_limit


if __name__ == "__main__":
    sys.exit(main())
