"""Last of all: nothing the servers logged, in the whole run, holds report text, an IP address or a user
agent. (tests/log_watch.py collects the logs and remembers every sealed plaintext.)"""
from __future__ import annotations

import re

import pytest

from tests.log_watch import SUITE_LOG, log_dir, sealed_strings

pytestmark = pytest.mark.log_scan

IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
IPV6 = re.compile(r"\b(?:[0-9a-f]{1,4}:){2,7}[0-9a-f]{0,4}\b|::1\b", re.I)
USER_AGENTS = ("Mozilla/", "HeadlessChrome", "Chrome/", "AppleWebKit", "python-requests", "Python-urllib",
               "UniqueAgent", "Werkzeug/", "curl/")


def everything_logged() -> str:
    parts = []
    for path in sorted(log_dir().glob("*.log")):
        parts.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(parts)


def test_the_logs_were_captured():
    """Guard against a search over nothing: a record from an app logger reaches the file being searched."""
    import logging
    logging.getLogger("portal.log_scan").warning("log capture check")
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert "log capture check" in (log_dir() / SUITE_LOG).read_text(encoding="utf-8")


def test_no_report_text_in_any_log():
    text = everything_logged()
    typed = sealed_strings()
    leaked = sorted(s for s in typed if s in text)
    assert not leaked, f"{len(leaked)} sealed text(s) found in the logs, e.g. {leaked[:3]!r}"


def test_no_ip_address_in_any_log():
    text = everything_logged()
    found = sorted(set(IPV4.findall(text)) | {m for m in IPV6.findall(text) if m.count(":") >= 2})
    assert not found, f"IP addresses in the logs: {found[:10]}"


def test_no_user_agent_in_any_log():
    text = everything_logged()
    found = [agent for agent in USER_AGENTS if agent in text]
    assert not found, f"user agents in the logs: {found}"
