"""`portal index …`: the blind index's key (made on the triage host only) and indexing reports for search; and
`portal equality count`, which the index timer also does: counting equality monitoring answers."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.casework.common import CaseUnavailable
from portal.casework.equality import BATCH_MIN, count_answers
from portal.casework.indexing import NoIndexKey, index_reports
from portal.cli.base import _audit, _operator, _passphrase, _private_dir, main
from portal.crypto import blind_index
from portal.store.db import db


@main.group("index")
def index_group() -> None:
    """The blind index that lets staff search and link cases without plaintext."""


@index_group.command("new-key")
@click.option("--yes", is_flag=True, help="Replace an existing index key without asking.")
@with_appcontext
def index_new_key(yes: bool) -> None:
    """Make the index key (or a new one, replacing the old): then run `portal index run --all`."""
    directory = _private_dir()
    if (directory / blind_index.FILE).exists() and not yes:
        click.confirm("Replace the index key? Search finds nothing until every report is re-indexed.", abort=True)
    key = blind_index.generate(directory, _passphrase(confirm=True))
    _audit(_operator(), "index.key_made", f"key:{key.key_id}")
    click.echo(f"Index key {key.key_id} written to {directory / blind_index.FILE}. Never copy it to the public host.")
    click.echo("Next: `portal index run --all` to index every report under it.")


@index_group.command("run")
@click.option("--all", "everything", is_flag=True, help="Every report not indexed under the current key.")
@click.option("--batch", default=500, show_default=True, help="Reports per transaction.")
@click.option("--quiet", is_flag=True, help="Print nothing unless it fails (for a timer).")
@with_appcontext
def index_run(everything: bool, batch: int, quiet: bool) -> None:
    """Index reports nobody has opened yet (a timer runs this every few minutes), or with --all re-index after
    a new index key. Each report indexed is audited."""
    total = unopened = 0
    after = None
    try:
        while True:
            run = index_reports(db(), everything=everything, limit=batch, after=after)
            total, unopened, after = total + run.indexed, unopened + run.unopened, run.last
            if run.seen < batch:
                break
    except NoIndexKey as exc:
        raise click.ClickException(f"No index key here ({exc}): run `portal index new-key` on the triage "
                                   "host.") from exc
    except CaseUnavailable as exc:
        raise click.ClickException(f"The private keys will not open here ({exc}).") from exc
    if not quiet or unopened:
        click.echo(f"Indexed {total} report(s)" + (f"; {unopened} would not open here (a missing key?)."
                                                     if unopened else "."))
    current_app.logger.info("indexed %d report(s)", total)
    _count_equality(force=False, quiet=quiet)


def _count_equality(*, force: bool, quiet: bool) -> None:
    try:
        run = count_answers(db(), force=force)
    except CaseUnavailable as exc:
        raise click.ClickException(f"The private keys will not open here ({exc}).") from exc
    if not quiet or run.unopened:
        click.echo(f"Counted the equality answers of {run.counted} report(s); {run.waiting} waiting"
                   + (f", {run.unopened} of which would not open here (a missing key?)." if run.unopened else "."))
    current_app.logger.info("counted the equality answers of %d report(s)", run.counted)


@main.group("equality")
def equality_group() -> None:
    """Equality monitoring: the answers sealed with reports, counted into monthly totals."""


@equality_group.command("count")
@click.option("--now", "force", is_flag=True,
              help=f"Count even when fewer than {BATCH_MIN} reports are waiting (their batch is then small).")
@click.option("--quiet", is_flag=True, help="Print nothing unless it fails (for a timer).")
@with_appcontext
def equality_count(force: bool, quiet: bool) -> None:
    """Count the waiting reports' equality answers into the monthly totals and remove them from the reports
    (`portal index run` does this too). Waits for a batch of at least BATCH_MIN reports unless --now."""
    _count_equality(force=force, quiet=quiet)
