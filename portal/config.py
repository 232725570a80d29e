"""Configuration from PORTAL_* environment variables, with embedded defaults for development.

Every setting has a default that makes `make run` work on a fresh machine (SQLite under instance/,
development keys under instance/keys/). A real deployment sets the variables listed in docs/deploy.md.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"PORTAL_{name}", default)


def _pairs(value: str) -> tuple[tuple[str, int], ...]:
    """"high=7,medium=14" as (("high", 7), ("medium", 14)); each count at least 1."""
    pairs = (item.partition("=") for item in value.split(",") if item.strip())
    return tuple((name.strip(), max(1, int(days))) for name, _, days in pairs)


def _flag(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass
class Settings:
    """Typed view of the environment; turned into Flask config by `to_flask()`."""

    environment: str = "production"
    instance_dir: Path = PROJECT_ROOT / "instance"
    database_url: str = ""
    secret_key: str = ""
    # The sealing key: the only key the public side needs.
    public_key_file: Path = Path()
    # Wrapped private keys (triage side only). Absent on an internet-facing host.
    private_key_dir: Path | None = None
    key_passphrase: str | None = None
    nation: str = "wales"  # "wales" or "england": bank holidays, helplines
    org_name_en: str = "Example Housing"
    org_name_cy: str = "Tai Enghreifftiol"
    # The organisation's own number, shown beside the helplines and in the accessibility statement, with its
    # opening hours in both languages, and an e-mail address for the accessibility statement. Unset in
    # production means not shown: never a made-up number in front of someone in danger.
    org_phone: str = ""
    org_hours_en: str = ""
    org_hours_cy: str = ""
    org_email: str = ""
    exit_url: str = "https://www.bbc.co.uk/weather"
    helplines_file: Path = PROJECT_ROOT / "portal" / "data" / "helplines.json"
    # Reports received before this local time are due for first contact the same working day.
    same_day_cutoff: time = time(15, 0)
    timezone: str = "Europe/London"
    # Staff sessions end after this much inactivity, and this long after signing in, whatever happens.
    staff_idle_minutes: int = 30
    staff_absolute_hours: int = 10
    # Flask-Limiter storage for sign-in throttling: memory:// for one process, redis://… for several.
    ratelimit_storage: str = "memory://"
    # Reports stored per client address (kept only as a daily-keyed HMAC): generous, since a refuge, a
    # library or a mobile network can put many people behind one address.
    submit_limit: str = "10 per minute; 60 per hour"
    # Signing in with a reporter's receipt, per client address (an HMAC of it, as for submission). With
    # 10^16 receipts, even a thousand addresses at the daily limit need millions of years per expected hit.
    receipt_sign_in_limit: str = "5 per minute; 20 per hour; 40 per day"
    # Salts the receipt's Argon2id (portal/conversations.py). Unset: derived from the secret key, so
    # rotating the secret key would end every receipt. Set it once, separately, in production.
    receipt_pepper: str = ""
    # A reporter signed in with a receipt is signed out after this long without a page (shared phones).
    reporter_idle_minutes: int = 30
    # Every public session ends after this long without a page. Closing the browser is no safe end on a
    # phone (Chrome on Android, "continue where you left off" keep session cookies), so the server ends it.
    # Nothing typed is lost by it: the form's own text stays in the open page, and its token is good for 8
    # hours with or without a session (questions/report_forms.py).
    public_idle_minutes: int = 30
    # Where sealed reports wait, durably, when the database cannot be reached (replayed exactly once).
    spool_dir: Path = Path()
    # How often each public worker looks for spooled reports to replay (seconds).
    spool_replay_seconds: float = 15.0
    # The DASH checklist: questions (replaceable with licensed wording) and local thresholds.
    dash_file: Path = PROJECT_ROOT / "portal" / "data" / "dash.json"
    dash_marac_threshold: int = 14
    # MARAC's potential-escalation criterion: this many police incidents in 12 months (SafeLives: 3).
    marac_escalation_incidents: int = 3
    # Information-sharing agreements a share may rely on (Wales: WASPI), comma-separated in the environment.
    sharing_agreements: tuple[str, ...] = ("WASPI",)
    # A share without consent must be countersigned by a lead within this many working days.
    share_countersign_days: int = 1
    # Indicators: counts from 1 to this minus one are shown as "fewer than ..." (1 shows every count).
    indicator_min_count: int = 5
    # Retention: closed cases are deleted this many days after closing (`portal purge`).
    retention_days: int = 6 * 365
    # Follow-through: calendar days between case reviews by risk level ("high=7,medium=14,standard=30"; a case
    # with no assessment yet is reviewed as standard), the working days before a breathing space ends that its
    # end task falls due, and the days after closing that monitoring check-ins fall (Plus Dane 15).
    review_days: tuple[tuple[str, int], ...] = (("high", 7), ("medium", 14), ("standard", 30))
    breathing_space_notice_days: int = 5
    monitoring_days: tuple[int, ...] = (28, 91)
    # Content-free e-mail to the team when reports are waiting.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    mail_from: str = ""
    notify_to: str = ""
    oncall_to: str = ""  # urgent reports, at any hour: a separate address from the team's
    base_url: str = "http://127.0.0.1:5000"
    # Which side this process serves: "all" (development), "public" (internet-facing: no /staff/ at all)
    # or "staff" (the triage host: /staff/ only, with the private keys).
    serve: str = "all"
    # How many reverse proxies stand in front: their X-Forwarded-Proto/Host/For are trusted. The client
    # address is read only by the submission limit, which keeps an HMAC of it (portal/limits.py).
    proxies: int = 0

    @property
    def development(self) -> bool:
        return self.environment in {"development", "test"}

    @classmethod
    def from_env(cls) -> Settings:
        environment = _env("ENV", "production") or "production"
        if environment not in {"development", "test", "production"}:
            raise ValueError("PORTAL_ENV must be development, test or production")
        instance = Path(_env("INSTANCE_DIR", str(PROJECT_ROOT / "instance")) or "instance").resolve()
        keys = instance / "keys"
        private_dir = _env("PRIVATE_KEY_DIR")
        hour, _, minute = (_env("SAME_DAY_CUTOFF", "15:00") or "15:00").partition(":")
        passphrase = _env("KEY_PASSPHRASE")
        passphrase_file = _env("KEY_PASSPHRASE_FILE")
        if passphrase is None and passphrase_file:
            passphrase = Path(passphrase_file).read_text(encoding="utf-8").rstrip("\n")
        settings = cls(
            environment=environment,
            instance_dir=instance,
            database_url=_env("DATABASE_URL") or f"sqlite:///{instance / 'portal.db'}",
            secret_key=_env("SECRET_KEY") or "",
            public_key_file=Path(_env("PUBLIC_KEY_FILE") or keys / "current.public.json"),
            private_key_dir=Path(private_dir) if private_dir else (keys if environment != "production" else None),
            proxies=int(_env("PROXIES", "0") or 0),
            key_passphrase=passphrase,
            nation=(_env("NATION", "wales") or "wales").lower(),
            org_name_en=_env("ORG_NAME_EN", cls.org_name_en) or cls.org_name_en,
            org_name_cy=_env("ORG_NAME_CY", cls.org_name_cy) or cls.org_name_cy,
            # Development and test show a number from Ofcom's drama range, so the pages show what a real one does.
            org_phone=_env("ORG_PHONE", "" if environment == "production" else "01632 960 000") or "",
            org_hours_en=_env("ORG_HOURS_EN", "" if environment == "production"
                              else "Monday to Friday, 9am to 5pm") or "",
            org_hours_cy=_env("ORG_HOURS_CY", "" if environment == "production"
                              else "Dydd Llun i ddydd Gwener, 9am tan 5pm") or "",
            org_email=_env("ORG_EMAIL", "" if environment == "production" else "help@example.org") or "",
            exit_url=_env("EXIT_URL", cls.exit_url) or cls.exit_url,
            helplines_file=Path(_env("HELPLINES_FILE") or cls.helplines_file),
            same_day_cutoff=time(int(hour), int(minute or 0)),
            timezone=_env("TIMEZONE", "Europe/London") or "Europe/London",
            staff_idle_minutes=int(_env("STAFF_IDLE_MINUTES", "30") or 30),
            staff_absolute_hours=int(_env("STAFF_ABSOLUTE_HOURS", "10") or 10),
            ratelimit_storage=_env("RATELIMIT_STORAGE", "memory://") or "memory://",
            submit_limit=_env("SUBMIT_LIMIT", cls.submit_limit) or cls.submit_limit,
            receipt_sign_in_limit=_env("RECEIPT_SIGN_IN_LIMIT", cls.receipt_sign_in_limit) or cls.receipt_sign_in_limit,
            receipt_pepper=_env("RECEIPT_PEPPER", "") or "",
            reporter_idle_minutes=int(_env("REPORTER_IDLE_MINUTES", "30") or 30),
            public_idle_minutes=max(1, int(_env("PUBLIC_IDLE_MINUTES", "30") or 30)),
            spool_dir=Path(_env("SPOOL_DIR") or instance / "spool"),
            spool_replay_seconds=float(_env("SPOOL_REPLAY_SECONDS", "15") or 15),
            dash_file=Path(_env("DASH_FILE") or cls.dash_file),
            dash_marac_threshold=int(_env("DASH_MARAC_THRESHOLD", "14") or 14),
            marac_escalation_incidents=max(1, int(_env("MARAC_ESCALATION_INCIDENTS", "3") or 3)),
            sharing_agreements=tuple(a.strip() for a in (_env("SHARING_AGREEMENTS", "WASPI") or "").split(",")
                                     if a.strip()),
            share_countersign_days=max(1, int(_env("SHARE_COUNTERSIGN_DAYS", "1") or 1)),
            indicator_min_count=max(1, int(_env("INDICATOR_MIN_COUNT", "5") or 5)),
            retention_days=int(_env("RETENTION_DAYS", str(cls.retention_days)) or cls.retention_days),
            review_days=_pairs(_env("REVIEW_DAYS", "high=7,medium=14,standard=30") or ""),
            breathing_space_notice_days=max(1, int(_env("BREATHING_SPACE_NOTICE_DAYS", "5") or 5)),
            monitoring_days=tuple(sorted(max(1, int(d)) for d in (_env("MONITORING_DAYS", "28,91") or "").split(",")
                                         if d.strip())),
            smtp_host=_env("SMTP_HOST", "") or "",
            smtp_port=int(_env("SMTP_PORT", "25") or 25),
            smtp_user=_env("SMTP_USER", "") or "",
            smtp_password=_env("SMTP_PASSWORD", "") or "",
            smtp_starttls=_flag("SMTP_STARTTLS", False),
            mail_from=_env("MAIL_FROM", "") or "",
            notify_to=_env("NOTIFY_TO", "") or "",
            oncall_to=_env("ONCALL_TO", "") or "",
            base_url=(_env("BASE_URL", cls.base_url) or cls.base_url).rstrip("/"),
            # Production must choose: unset means "public", so a forgotten setting never exposes /staff/.
            serve=(_env("SERVE") or ("all" if environment != "production" else "public")).lower(),
        )
        if settings.serve not in {"all", "public", "staff"}:
            raise ValueError("PORTAL_SERVE must be all, public or staff")
        if settings.environment in {"development", "test"} and settings.key_passphrase is None:
            # Development keys are wrapped under a published passphrase: they protect nothing real.
            settings.key_passphrase = "development only"
        if settings.nation not in {"wales", "england"}:
            raise ValueError("PORTAL_NATION must be 'wales' or 'england'")
        return settings

    def secret(self, for_command_line: bool = False) -> str:
        """The session/CSRF signing key: from the environment, or a per-instance file in development.

        Command-line work (keys, reports) signs nothing, so it gets a throwaway key rather than demanding one.
        """
        if self.secret_key:
            return self.secret_key
        if not self.development:
            if for_command_line:
                return secrets.token_urlsafe(48)
            raise RuntimeError("Set PORTAL_SECRET_KEY in production.")
        path = self.instance_dir / "secret_key"
        if not path.exists():
            self.instance_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
            path.chmod(0o600)
        return path.read_text(encoding="utf-8").strip()
