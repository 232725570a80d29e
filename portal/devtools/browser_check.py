"""Say loudly, before the tests, whether the browser tests can run here."""
from __future__ import annotations

import os
import shutil
import sys

CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")


def chromium_path() -> str | None:
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    return shutil.which("chromium")


def main() -> int:
    path = chromium_path()
    if path:
        print(f"browser tests: using {path}")
        return 0
    bar = "!" * 78
    print(f"\n{bar}\n!! NO CHROMIUM FOUND: the browser tests (marked 'browser') will NOT run.\n"
          "!! Install it with: apt-get install -y chromium\n"
          "!! The test summary names every browser test that was not run.\n"
          f"{bar}\n", file=sys.stderr)
    if os.environ.get("PORTAL_REQUIRE_BROWSER") == "1":
        print("PORTAL_REQUIRE_BROWSER=1: failing.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
