"""`make test` guard: the .pot must match the code, and Welsh must be complete (nothing untranslated or fuzzy).

Run as `python -m portal.devtools.i18n_check`. Exits non-zero with the reasons.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
POT = ROOT / "translations" / "messages.pot"
WELSH = ROOT / "translations" / "cy" / "LC_MESSAGES" / "messages.po"
EXTRACT = ["-F", "babel.cfg", "-k", "lazy_gettext", "-k", "_l", "-k", "_n:1,2", "-k", "lazy_pgettext:1c,2", "-k",
           "pgettext:1c,2", "--no-location",
           "--sort-by-file"]


def _ids(catalog) -> set[tuple[object, object]]:  # type: ignore[no-untyped-def]
    return {(message.id if isinstance(message.id, str) else tuple(message.id), message.context)
            for message in catalog if message.id}


def extract(output: Path) -> None:
    """Write the message template: the one place that knows the gettext keywords (`make extract` calls it)."""
    subprocess.run([str(Path(sys.executable).parent / "pybabel"), "-q", "extract", *EXTRACT,
                    "--msgid-bugs-address", "", "--copyright-holder", "", "--project", "portal",
                    "-o", str(output), "."], cwd=ROOT, check=True)


def check() -> list[str]:
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "messages.pot"
        extract(fresh)
        with fresh.open("rb") as handle:
            wanted = _ids(read_po(handle))
    with POT.open("rb") as handle:
        committed = _ids(read_po(handle))
    if wanted != committed:
        for missing in sorted(map(str, wanted - committed))[:20]:
            problems.append(f"translations/messages.pot is stale: missing {missing}")
        for extra in sorted(map(str, committed - wanted))[:20]:
            problems.append(f"translations/messages.pot is stale: no longer used {extra}")
        problems.append("run `make extract`, then translate what is new")
    with WELSH.open("rb") as handle:
        welsh = read_po(handle, locale="cy")
    if welsh.num_plurals != 6:
        problems.append(f"Welsh catalogue has nplurals={welsh.num_plurals}; Welsh has 6 plural forms")
    for message in welsh:
        if not message.id:
            continue
        if message.fuzzy:
            problems.append(f"Welsh entry is fuzzy: {message.id!r}")
        strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        if not all(strings):
            problems.append(f"Welsh entry is untranslated: {message.id!r}")
    missing_in_welsh = wanted - _ids(welsh)
    for missing in sorted(map(str, missing_in_welsh))[:20]:
        problems.append(f"Welsh catalogue lacks {missing}")
    return problems


def main() -> int:
    if sys.argv[1:] == ["extract"]:
        extract(POT)
        return 0
    problems = check()
    for problem in problems:
        print(f"translations: {problem}", file=sys.stderr)
    if problems:
        print(f"translations: {len(problems)} problem(s); Welsh must be at parity with English.", file=sys.stderr)
        return 1
    print("translations: .pot up to date; Welsh complete, nothing fuzzy.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
