"""Tables. Only what the queue must sort and filter on is plaintext; everything that could identify or
describe anyone lives in `Report.sealed`. See docs/data-map.md."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal.store import assurance_models as _assurance_models  # noqa: F401  (the same metadata)
from portal.store import complaint_models as _complaint_models  # noqa: F401  (the same metadata)
from portal.store import followup_models as _followup_models  # noqa: F401  (the same metadata)
from portal.store import risk_models as _risk_models  # noqa: F401  (its tables are part of the same metadata)
from portal.store.model_base import (  # noqa: F401  (re-exported: the rest of the portal imports them from here)
    CONTACT_PURPOSE,
    MESSAGE_PURPOSE,
    PROFILE_PURPOSE,
    REPORT_PURPOSE,
    REPORTER_PROFILE_PURPOSE,
    SEALED_TO_RECEIPT,
    SEALED_TO_TEAM,
    Base,
    not_sealed,
    receipt_sealed,
    team_sealed,
)
from portal.store.plain_models import EqualityCount, PurgedTally, Setting, WebSession  # noqa: F401  (re-exported)


class Report(Base):
    __tablename__ = "report"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # random UUID; bound into the seal
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    first_contact_due: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reporter_kind: Mapped[str] = mapped_column(String(16))  # self | concerned | agency | staff
    danger_now: Mapped[bool] = mapped_column(Boolean, default=False)
    children: Mapped[bool] = mapped_column(Boolean, default=False)
    # Safeguarding: someone at risk is under 16 (child safeguarding, whg 1.5), an adult at risk, or there are signs
    # of modern slavery or exploitation (Plus Dane 16). Set from the answers or by staff; each routes and prompts.
    under_16: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    adult_at_risk: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    exploitation: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The current risk level from the latest assessment ("" none yet, "standard", "medium", "high"), ours or
    # another agency's (portal/casework/risk.py): high risk sorts with "in danger now".
    risk_level: Mapped[str] = mapped_column(String(8), default="", server_default="")
    contact_language: Mapped[str] = mapped_column(String(2))  # en | cy
    no_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(24), default="new")
    # The queue's sort keys, kept as plain columns so that one index serves the default order:
    # band 0 = someone in danger now, 1 = children, 2 = the rest; then not-yet-contacted first, by deadline.
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    band: Mapped[int] = mapped_column(Integer, default=2)
    contacted: Mapped[bool] = mapped_column(Boolean, default=False)
    # The team has been e-mailed that this report arrived (portal notify); never says anything else.
    announced: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # When the person at risk was first reached (spoke to them, a message to their own safe details, a receipt
    # reply they have read, or through the referrer as the referrer said): not contact with a reporter.
    first_contact_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The safe-contact issue's clock. `first_contact_due` follows the person's safe windows; `target_due` is the
    # working-day target it started from; `due_basis` says which ("target" or "window"); `out_of_hours`: no
    # safe window lies in working hours. `clock`: "reach" (reach the person at risk) or "triage" (no safe way
    # to reach them: an officer records what was done instead). `approach`: how the person may be approached,
    # "direct", "via_referrer", "not_at_all" or "unknown" (a neighbour's report: their safe ways are not known).
    # `contacted` is the queue's sort key: the first-contact clock has stopped (reached, or triaged).
    target_due: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    due_basis: Mapped[str] = mapped_column(String(8), default="target", server_default="target")
    out_of_hours: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    clock: Mapped[str] = mapped_column(String(8), default="reach", server_default="reach")
    approach: Mapped[str] = mapped_column(String(16), default="direct", server_default="direct")
    triaged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reporter_contacted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # An officer marked it urgent (like danger now, it sorts first); the on-call address has been told.
    urgent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    urgent_announced: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    close_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # Staff's answer to "has this household reported domestic abuse to us before?" (repeat reports); None: unanswered.
    repeat: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    # …set from the possible links the blind index finds, unless a member of staff has answered it themselves.
    repeat_by_staff: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # How the disclosure reached us ("web", or what staff entered: "phone", "in_person", "colleague", "police",
    # "marac", "idva", "other_agency") and who took it (None: it came through the website).
    channel: Mapped[str] = mapped_column(String(16), default="web", server_default="web")
    taken_by: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    # "" open to the team; "leads": only leads (the reporter said someone here must not see it, until a lead
    # decides); "named": only the staff named in `case_access`. Others see nothing of it anywhere; a lead may
    # break the glass with a reason (audited).
    restricted: Mapped[str] = mapped_column(String(8), default="", server_default="")
    # What is next on the case, for the queue: before first contact, the first-contact deadline (kept equal to
    # `first_contact_due`, below); after it, the earliest open task, review or (closed, monitored) check-in, as the
    # start of that day, and `next_kind` says which ("review", "checkin" or the task's kind; "" before contact).
    next_due: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    next_kind: Mapped[str] = mapped_column(String(40), default="", server_default="")
    next_review_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # Monitoring after closure (Plus Dane 15) lasts until this day; purge waits for it.
    monitor_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    # The person asked to speak to a woman or a man ("" no preference or not said): a code from the answers, so
    # assigning the case can warn (with `contact_language` for Welsh) and the queue can flag it.
    staff_sex: Mapped[str] = mapped_column(String(8), default="", server_default="")
    # The form asked the equality monitoring questions and the triage side has not yet counted the answers (sealed
    # with the report, apart from its answers) into `equality_count` and removed them (portal/casework/equality.py).
    # Set on every report from a form that asks, answered or not, so it says nothing of the answers.
    equality_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The blind-index key this report's values were indexed under (None: not yet indexed).
    indexed_key: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # SHA-256 of the form's one-time submission token: a double tap or a retry finds the first report.
    idempotency_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_id: Mapped[str] = mapped_column(String(16))
    sealed: Mapped[bytes] = team_sealed(purpose=REPORT_PURPOSE)

    __table_args__ = (
        Index("ix_report_status_due", "status", "first_contact_due"),
        # The filter columns ride along (a covering index), so filtered pages and their counts never visit
        # the table rows: at a million reports that is the difference between ~1 ms and ~45 ms on SQLite.
        Index("ix_report_queue", "is_open", "band", "contacted", "next_due", "id", "reporter_kind",
              "contact_language", "danger_now", "children", "no_contact", "owner_id"),
        Index("ix_report_owner_queue", "owner_id", "is_open", "band", "contacted", "next_due", "id"),
        Index("ix_report_status_queue", "status", "band", "contacted", "next_due", "id"),
        Index("ix_report_review", "is_open", "next_review_on"),
        Index("ix_report_monitored", "monitor_until", sqlite_where=text("monitor_until IS NOT NULL"),
              postgresql_where=text("monitor_until IS NOT NULL")),
        Index("ix_report_closed_at", "is_open", "closed_at"),
        Index("ix_report_overdue", "is_open", "contacted", "first_contact_due"),
        Index("ix_report_unannounced", "id", sqlite_where=text("announced = 0"),
              postgresql_where=text("NOT announced")),
        Index("ix_report_urgent_unannounced", "id", sqlite_where=text("band = 0 AND urgent_announced = 0"),
              postgresql_where=text("band = 0 AND NOT urgent_announced")),
        Index("ix_report_restricted", "id", "restricted", sqlite_where=text("restricted != ''"),
              postgresql_where=text("restricted != ''")),
        Index("ix_report_unindexed", "received_at", "id", sqlite_where=text("indexed_key IS NULL"),
              postgresql_where=text("indexed_key IS NULL")),
        Index("ix_report_equality_pending", "received_at", "id", sqlite_where=text("equality_pending = 1"),
              postgresql_where=text("equality_pending")),
    )


@event.listens_for(Report, "before_insert")
@event.listens_for(Report, "before_update")
def _next_is_first_contact(_mapper: object, _connection: object, report: Report) -> None:
    """Until the first-contact clock stops, what is next on a case is first contact (and a case written already
    contacted, with nothing worked out yet, starts from its deadline too)."""
    if not report.contacted or report.next_due is None:
        report.next_due, report.next_kind = report.first_contact_due, ""


def band_for(danger_now: bool, children: bool, urgent: bool = False, high_risk: bool = False) -> int:
    """0: in danger now, urgent or high risk; 1: children (an under-16 at risk is a child too); 2: the rest."""
    return 0 if danger_now or urgent or high_risk else (1 if children else 2)


class AuditEvent(Base):
    """Append-only (database triggers refuse UPDATE and DELETE): who did what to which report, and when.
    Never content. `report_id` is not a foreign key so that purging a case leaves its audit trail whole."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_actor_at", "actor", "at"),
                      Index("ix_audit_event_action_at", "action", "at"))

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    report_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    detail: Mapped[str] = mapped_column(Text, default="")


class StaffUser(Base):
    """A member of the community safety team. Signing in needs the password and a TOTP code."""

    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower case
    name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(16))  # officer | lead | auditor
    language: Mapped[str] = mapped_column(String(2), default="en")
    password_hash: Mapped[str] = mapped_column(String(200))
    totp_secret: Mapped[str] = mapped_column(String(200))  # encrypted: see staff/accounts.py
    totp_enrolled: Mapped[bool] = mapped_column(Boolean, default=False)
    # The last TOTP time step accepted: a code is good once, so a code seen over a shoulder cannot be replayed.
    totp_last_step: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped on password change, code reset, role change or deactivation: older sessions stop working.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # May authorise action against a perpetrator (MHA 4.3.5: a head of service), a flag a lead sets.
    can_authorise: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Given by the person, if they choose: for people who asked to speak to a woman or a man, or in Welsh.
    sex: Mapped[str] = mapped_column(String(8), default="", server_default="")  # "" | woman | man
    speaks_welsh: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ContactAttempt(Base):
    """One attempt at contact: with the person at risk (directly, or through the referrer as the referrer said)
    or with the reporter. Codes only, and the sealed reason when it was outside the person's safe windows."""

    __tablename__ = "contact_attempt"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    method: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(24))
    profile_checked: Mapped[bool] = mapped_column(Boolean)
    party: Mapped[str] = mapped_column(String(16), default="person", server_default="person")  # person | reporter
    # | go_between (the person at risk, through the referring worker or trusted person, as was asked)
    reached: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # the person at risk
    outside_window: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    key_id: Mapped[str | None] = mapped_column(String(16), nullable=True)
    sealed: Mapped[bytes | None] = team_sealed(purpose=CONTACT_PURPOSE, nullable=True)  # the recorded reason


class CaseEntry(Base):
    """What staff write on a case: notes, risk checklists, actions, information shared, agencies' updates. What
    could identify or describe anyone is sealed to the public key like the report; the plaintext columns hold
    only what the queue, the case timeline and the board's indicators count."""

    __tablename__ = "case_entry"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # random UUID; bound into the seal
    report_id: Mapped[str] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    kind: Mapped[str] = mapped_column(String(16))  # note | risk | action | share | triage | update
    # risk: the level (standard | judgement | marac); action: its type; share, update: the agency.
    code: Mapped[str] = mapped_column(String(32), default="")
    # risk: "yes" count; other kinds: unused.
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # risk: escalation; share: shared without consent (safeguarding override).
    flag: Mapped[bool] = mapped_column(Boolean, default=False)
    # action: breathing space start and end; share: the date shared; update: the date of the update.
    starts_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    key_id: Mapped[str] = mapped_column(String(16))
    sealed: Mapped[bytes] = team_sealed(purpose_column="kind")

    # ix_case_entry_period: the indicators count each kind of entry recorded in a period.
    __table_args__ = (Index("ix_case_entry_kind", "kind", "code"), Index("ix_case_entry_period", "kind", "at"))


class Conversation(Base):
    """A reporter's way back in: opened with a receipt only they hold (portal/conversations.py).

    `lookup` and `public_key` both come from the receipt through Argon2id, salted with a secret this table
    does not hold, so the database alone can neither find the receipt nor open the replies. When the reporter
    deletes the conversation both are erased and `deleted_at` is set: the receipt then opens nothing."""

    __tablename__ = "conversation"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), unique=True)
    lookup: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    public_key: Mapped[bytes | None] = not_sealed("the reporter's public key: it seals, it cannot open",
                                                  nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Set by the triage side when a contact attempt is recorded: the reporter may see "someone has tried to
    # contact you" (never how or when). The public side cannot read contact attempts.
    contact_tried: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Message(Base):
    """One message, either way. Sealed twice: to the team's key (the case record) and, while the
    conversation lasts, to the reporter's receipt key (what the reporter reads)."""

    __tablename__ = "message"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # random UUID; bound into both seals
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"), index=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    from_reporter: Mapped[bool] = mapped_column(Boolean)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    language: Mapped[str] = mapped_column(String(2))  # en | cy: what it is written in
    # From the reporter: a caseworker has opened the case since. From the team: the reporter has seen it.
    seen: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # From the team: when the reporter first read it (a reply counts as reaching them from then on), and whether
    # the triage side has counted that read on the report's clock (portal/casework/contact.py `apply_pending`).
    seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    counted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # From the reporter: counted in a content-free e-mail to the team (portal notify).
    announced: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # SHA-256 of the reporter's one-time form key: a double tap stores one message.
    idempotency_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    key_id: Mapped[str] = mapped_column(String(16))
    sealed: Mapped[bytes] = team_sealed(purpose=MESSAGE_PURPOSE)
    reporter_sealed: Mapped[bytes | None] = receipt_sealed()

    __table_args__ = (
        Index("ix_message_waiting", "report_id", sqlite_where=text("from_reporter = 1 AND seen = 0"),
              postgresql_where=text("from_reporter AND NOT seen")),
        Index("ix_message_unannounced", "id", sqlite_where=text("from_reporter = 1 AND announced = 0"),
              postgresql_where=text("from_reporter AND NOT announced")),
        # Replies the reporter has read that the first-contact clock has not yet counted.
        Index("ix_message_read_uncounted", "report_id",
              sqlite_where=text("from_reporter = 0 AND seen_at IS NOT NULL AND counted = 0"),
              postgresql_where=text("NOT from_reporter AND seen_at IS NOT NULL AND NOT counted")),
    )


class ContactProfile(Base):
    """A new version of someone's safe-contact profile (methods, details, windows, voicemail, cover name, check
    question, what-ifs), written by staff when the person tells them, or by the reporter with their receipt.
    The report's own answers are version 1; each change adds a row, sealed like the report. `about` is the
    person at risk or the reporter (a neighbour, a referring worker). A reporter's change carries the due time
    worked out from it (the public side can seal but not open, so it works this out while it holds the text);
    the triage side applies it (`applied`) and shows the change until a caseworker has seen it (`seen`)."""

    __tablename__ = "contact_profile"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # random UUID; bound into the seal
    report_id: Mapped[str] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    about: Mapped[str] = mapped_column(String(8))  # person | reporter
    version: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)  # None: the reporter
    seen: Mapped[bool] = mapped_column(Boolean, default=True)
    applied: Mapped[bool] = mapped_column(Boolean, default=True)
    due: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    due_basis: Mapped[str | None] = mapped_column(String(8), nullable=True)
    out_of_hours: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    approach: Mapped[str | None] = mapped_column(String(16), nullable=True)
    key_id: Mapped[str] = mapped_column(String(16))
    sealed: Mapped[bytes] = team_sealed(purpose=PROFILE_PURPOSE)
    reporter_sealed: Mapped[bytes | None] = receipt_sealed()

    __table_args__ = (
        UniqueConstraint("report_id", "about", "version", name="uq_contact_profile_version"),
        Index("ix_contact_profile_unseen", "report_id", sqlite_where=text("seen = 0"),
              postgresql_where=text("NOT seen")),
        Index("ix_contact_profile_unapplied", "report_id", sqlite_where=text("applied = 0"),
              postgresql_where=text("NOT applied")),
    )


class BlindIndex(Base):
    """One keyed digest of one normalised value of a report (portal/crypto/blind_index.py): a name, an address,
    a postcode, a phone number or an e-mail address. The digest is bound to its kind and to the index key, and
    the database holds nothing from which a value could be recovered without that key."""

    __tablename__ = "blind_index"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # name | address | street | postcode | phone | email
    digest: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_blind_index_digest", "digest", "report_id"),)


class CaseLink(Base):
    """Two cases linked by a member of staff as the same household or the same person (audited on both)."""

    __tablename__ = "case_link"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    other_id: Mapped[str] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    relation: Mapped[str] = mapped_column(String(16))  # household | person
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (UniqueConstraint("report_id", "other_id", name="uq_case_link_pair"),)


class CaseAccess(Base):
    """Who may see a restricted case: staff a lead named ("named"), or a lead who broke the glass with a reason
    ("glass", until `until`)."""

    __tablename__ = "case_access"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # named | glass
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    granted_by: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
