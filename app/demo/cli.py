"""`flask demo load` and `flask demo logins`: realistic, fictional records of every capability."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from app.agencies.two_step import services as mfa
from app.audit.chain import HeadNotSigned
from app.demo.access_bundles import load_demo_bundle
from app.demo.access_requests import load_demo_access_requests
from app.demo.accounts import PEOPLE, load_demo_data
from app.demo.attachments import load_demo_attachments
from app.demo.audit import load_demo_trail, seal_and_check
from app.demo.cases import load_demo_cases
from app.demo.consents import load_demo_consents
from app.demo.corrections import load_demo_corrections
from app.demo.cpd import load_demo_cpd
from app.demo.family_profiles import load_demo_family_profiles
from app.demo.family_view import load_demo_family_view, opening_rows
from app.demo.history import load_demo_history
from app.demo.imports import load_demo_import
from app.demo.jobs import load_demo_jobs
from app.demo.learners import load_demo_learners
from app.demo.merges import load_demo_merges
from app.demo.misfiled import load_demo_misfiled
from app.demo.notifications import load_demo_notifications
from app.demo.reminders import load_demo_reminders, remind_demo
from app.demo.restrictions import load_demo_restriction
from app.demo.retention import load_demo_retention
from app.demo.scale import DEFAULT_SEED, AnotherAuthority, build_authority
from app.demo.scale_people import ScaleCounts
from app.demo.school_year import load_demo_school_year
from app.demo.staff_parent import load_demo_account_edit, load_demo_staff_parent
from app.demo.transfers import load_demo_transfers
from app.extensions import db

demo_cli = AppGroup("demo", help="Demonstration data (never in production).")


@demo_cli.command("load")
def load_command():
    """Load the demo agencies and accounts (idempotent; refused under the production config)."""
    if not current_app.config["DEMO_DATA_ALLOWED"]:
        raise click.ClickException("Demo data is never loaded under the production configuration.")
    created = load_demo_data(current_app.config["BRAID_DEMO_PASSWORD"])
    learners = load_demo_learners()
    cases = load_demo_cases()
    cpd_entries = load_demo_cpd()  # reflects on the demo cases' meetings and contributions
    db.session.commit()
    imported = load_demo_import()
    corrected = load_demo_corrections()
    misfiled = load_demo_misfiled()
    db.session.commit()
    transferred = load_demo_transfers()
    consents = load_demo_consents()
    profiles = load_demo_family_profiles()
    attached = load_demo_attachments()
    db.session.commit()
    archived = load_demo_school_year()
    staff_parents = load_demo_staff_parent()
    edited = load_demo_account_edit()
    db.session.commit()
    merged = load_demo_merges()
    db.session.commit()
    load_demo_history()  # last of the records: it dates back what this run wrote
    db.session.commit()
    due = load_demo_reminders()  # after the history: its dates are today's, as the reminders read them
    db.session.commit()
    reminded, summaries = remind_demo()  # the reminders and a daily summary, once (each commits)
    told = load_demo_notifications()  # after the records: it dates back what they told people
    db.session.commit()
    trail = load_demo_trail(among=[opening_rows])
    family_openings = load_demo_family_view()  # the DSL withholds one of the openings the trail wrote; before the seal
    # After the notifications (nothing is told of a restricted record) and the trail (drawn from whom each person
    # may see), before the seal.
    restricted = load_demo_restriction()
    access_requests = load_demo_access_requests()  # the DPO's designation and register, audited; before the seal
    retention = load_demo_retention()  # by that DPO; its erasure and refusal are events too: before the seal
    db.session.commit()
    bundles = load_demo_bundle()  # the completed subject access request's finalised bundle, with one redaction
    result = seal_and_check()
    job_runs = load_demo_jobs()
    db.session.commit()
    click.echo(f"Demo data: {len(created)} account(s) created, {len(PEOPLE) - len(created)} already present; "
               f"{learners} learner(s) registered; {cases} case(s) built; {imported} learner(s) imported from the MIS; "
               f"{corrected} learner(s) corrected; {misfiled} misfiled contribution(s) put right; "
               f"{transferred} transfer bundle(s) made; {consents} consent(s) recorded; "
               f"{profiles} family profile(s) shared; "
               f"{attached} file(s) attached; "
               f"{archived} leaver(s) archived; {restricted} record(s) restricted; "
               f"{retention['held']} legal hold(s) placed, {retention['refused']} erasure request(s) refused, "
               f"{retention['erased']} destruction(s) by the retention sweep, {retention['edited']} rule(s) edited; "
               f"{access_requests} subject access request(s) registered; "
               f"{bundles} subject access bundle(s) finalised; "
               f"{merged} duplicate record(s) merged; {staff_parents} member(s) of staff joined their child's case "
               f"as its parent; {edited} account(s) edited; "
               f"{cpd_entries} CPD entries written; {told} notification(s) waiting; "
               f"{trail} past audit events written; {family_openings} opening(s) of the parent's child written, one "
               f"withheld by the DSL; {job_runs} past job runs written; "
               f"{due} reminder case(s) set up, {reminded} reminder(s) and {summaries} daily summary email(s) written; "
               f"audit chain {'intact' if result.intact else 'BROKEN'} ({result.event_count} events verified).")


@demo_cli.command("logins")
def logins_command():
    """Print the demo sign-ins."""
    click.echo(f"Demo sign-ins (password for all: {current_app.config['BRAID_DEMO_PASSWORD']}):")
    for person in PEOPLE:
        second_step = " (+ code)" if person.role in mfa.MFA_REQUIRED_ROLES else ""
        click.echo(f"  {person.email:<28} {person.role.label}, {person.agency}{second_step}")
    click.echo("Accounts marked (+ code) use two-step verification. Add this key to any authenticator app "
               f"(time-based, 6 digits) and enter the code it shows: {current_app.config['BRAID_DEMO_TOTP_SECRET']}")


@demo_cli.command("scale")
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True, help="Same seed, same authority.")
@click.option("--learners", type=click.IntRange(min=1), default=10_000, show_default=True,
              help="Learners; every other count follows (50 contributions, 2 meetings, 10 CPD entries and "
                   "200 audit events a learner; 0.2 staff and 0.03 professionals a learner).")
@click.option("--big-school", type=click.IntRange(min=1), default=None,
              help="Learners at the one large secondary (default: a fifth of them, 2,000 of 10,000).")
@click.option("--schools", type=click.IntRange(min=1), default=None,
              help="Schools, the secondary included (default: one per 50 learners).")
@click.option("--audit-per-learner", type=click.IntRange(min=1), default=200, show_default=True,
              help="Audit events a learner. Run again with another number to add a second trail beside the first "
                   "(the audit benches: 300 more a learner takes 10,000 learners' trail to 5,000,000 events).")
def scale_command(seed, learners, big_school, schools, audit_per_learner):
    """Build an authority-sized, fictional data set beside whatever is there (resumable: run it again to finish)."""
    if not current_app.config["DEMO_DATA_ALLOWED"]:
        raise click.ClickException("Demo data is never loaded under the production configuration.")
    counts = ScaleCounts.for_learners(learners, big_school, schools, audit_per_learner)
    click.echo(f"Building {counts.schools} schools (the secondary: {counts.big_school} learners), "
               f"{counts.learners:,} learners, about {counts.contributions:,} contributions, {counts.meetings:,} "
               f"meetings, {counts.cpd_entries:,} CPD entries and {counts.audit_events:,} audit events (seed {seed}).")

    def progress(phase, units):
        return click.progressbar(length=units, label=f"{phase:<13}", show_pos=True,
                                 item_show_func=lambda rate: rate)

    def reported(report):
        skipped = f", {report.skipped_units} unit(s) already there" if report.skipped_units else ""
        click.echo(f"{report.phase:<13} {report.rows:>10,} rows in {report.seconds:7.1f} s "
                   f"({report.rate:,.0f} rows/s, {report.cpu_seconds:.1f} s CPU){skipped}")

    try:
        build_authority(seed=seed, learners=learners, big_school=big_school, schools=schools, progress=progress,
                        on_phase=reported, audit_per_learner=audit_per_learner)
    except AnotherAuthority as error:
        raise click.ClickException(str(error)) from None
    except HeadNotSigned as error:
        raise click.ClickException(f"Everything is written and the trail sealed, but no checkpoint was signed: {error}"
                                   ) from None
    click.echo("Sign in as senco@kingsbridge-academy.example (or senco@<school>.example) with the demo password "
               "and authenticator: see `flask demo logins`.")
