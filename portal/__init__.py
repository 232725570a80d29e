"""The portal: report domestic abuse to your housing association, safely, in Welsh or English."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask

from portal.config import PROJECT_ROOT, Settings


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app. Order matters only where noted."""
    settings = Settings.from_env()
    app = Flask(__name__, template_folder=str(PROJECT_ROOT / "templates"),
                static_folder=str(PROJECT_ROOT / "static"), instance_path=str(settings.instance_dir))
    configure(app, settings, overrides or {})
    if app.config["SERVE"] == "public" and not app.config.get("COMMAND_LINE"):
        isolate_public(app, settings)  # the web process; a command reads PORTAL_PRIVATE_KEY_DIR as set
    if settings.proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Trust the proxy for scheme, host and client address. The address is read only by the submission
        # limit, which keeps an HMAC of it (portal/limits.py); it is never logged or stored.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxies,  # type: ignore[method-assign]
                                x_proto=settings.proxies, x_host=settings.proxies)
    from portal.blueprints import register_blueprints
    from portal.store.db import init_db
    from portal.web.errors import init_errors
    from portal.web.i18n import init_babel
    from portal.web.logging_setup import init_logging
    from portal.web.security import init_security_headers
    from portal.web.sessions import init_sessions

    init_logging(app)
    init_db(app)
    init_sessions(app)  # needs the database
    init_babel(app)
    init_security_headers(app)
    register_blueprints(app)
    init_errors(app)
    return app


def configure(app: Flask, settings: Settings, overrides: dict[str, Any]) -> None:
    app.config.update(
        SETTINGS=settings,
        PROJECT_ROOT=PROJECT_ROOT,
        ENVIRONMENT=settings.environment,
        SECRET_KEY=settings.secret(for_command_line=bool(overrides.get("COMMAND_LINE"))),
        DATABASE_URL=settings.database_url,
        PUBLIC_KEY_FILE=str(settings.public_key_file),
        PRIVATE_KEY_DIR=str(settings.private_key_dir) if settings.private_key_dir else None,
        KEY_PASSPHRASE=settings.key_passphrase,
        NATION=settings.nation,
        ORG_NAME={"en": settings.org_name_en, "cy": settings.org_name_cy},
        ORG_PHONE=settings.org_phone,
        ORG_HOURS={"en": settings.org_hours_en, "cy": settings.org_hours_cy},
        ORG_EMAIL=settings.org_email,
        EXIT_URL=settings.exit_url,
        HELPLINES_FILE=str(settings.helplines_file),
        SAME_DAY_CUTOFF=settings.same_day_cutoff,
        TIMEZONE=settings.timezone,
        STAFF_IDLE=timedelta(minutes=settings.staff_idle_minutes),
        STAFF_ABSOLUTE=timedelta(hours=settings.staff_absolute_hours),
        RATELIMIT_STORAGE_URI=settings.ratelimit_storage,
        RATELIMIT_KEY_PREFIX="portal",
        SUBMIT_LIMIT=settings.submit_limit,
        RECEIPT_SIGN_IN_LIMIT=settings.receipt_sign_in_limit,
        RECEIPT_PEPPER=settings.receipt_pepper,
        REPORTER_IDLE=timedelta(minutes=settings.reporter_idle_minutes),
        PUBLIC_IDLE=timedelta(minutes=settings.public_idle_minutes),
        SPOOL_DIR=str(settings.spool_dir),
        SPOOL_REPLAY_SECONDS=settings.spool_replay_seconds,
        DASH_FILE=str(settings.dash_file),
        DASH_MARAC_THRESHOLD=settings.dash_marac_threshold,
        MARAC_ESCALATION_INCIDENTS=settings.marac_escalation_incidents,
        SHARING_AGREEMENTS=settings.sharing_agreements,
        SHARE_COUNTERSIGN_DAYS=settings.share_countersign_days,
        INDICATOR_MIN_COUNT=settings.indicator_min_count,
        RETENTION_DAYS=settings.retention_days,
        REVIEW_DAYS=dict(settings.review_days),
        BREATHING_SPACE_NOTICE_DAYS=settings.breathing_space_notice_days,
        MONITORING_DAYS=settings.monitoring_days,
        SMTP={"host": settings.smtp_host, "port": settings.smtp_port, "user": settings.smtp_user,
              "password": settings.smtp_password, "starttls": settings.smtp_starttls},
        MAIL_FROM=settings.mail_from,
        NOTIFY_TO=settings.notify_to,
        ONCALL_TO=settings.oncall_to,
        BASE_URL=settings.base_url,
        SERVE=settings.serve,
        SESSION_COOKIE_NAME="s",  # neutral: a cookie list should not name the service
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=not settings.development,
        MAX_CONTENT_LENGTH=512 * 1024,
        WTF_CSRF_TIME_LIMIT=8 * 3600,
        WTF_CSRF_SSL_STRICT=False,  # we send no Referer (Referrer-Policy: no-referrer); SameSite=Strict covers it
    )
    app.config.update(overrides)


class PrivateKeyOnPublicHost(RuntimeError):
    """The internet-facing process was given, or can see, a private key. It refuses to start."""


def isolate_public(app: Flask, settings: Settings) -> None:
    """The public side seals and never opens: it forgets any private key setting, and in production it
    refuses to start if one was set or a private key file (or the blind index's key) lies beside the public
    key."""
    if not settings.development:
        folder = settings.public_key_file.parent
        beside = sorted(p.name for p in [*folder.glob("*.private.json"), *folder.glob("index.key.json")])
        if settings.private_key_dir is not None or settings.key_passphrase or beside:
            raise PrivateKeyOnPublicHost(
                "The public process must not hold private keys: unset PORTAL_PRIVATE_KEY_DIR and the key "
                "passphrase, and copy only the public key to this host"
                + (f" (found {', '.join(beside)} beside {settings.public_key_file.name})" if beside else "."))
    app.config.update(PRIVATE_KEY_DIR=None, KEY_PASSPHRASE=None)
