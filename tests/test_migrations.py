"""The schema exists only through migrations, and they match the models exactly."""
import ast
from datetime import date
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from app import create_app
from app.audit.chain import canonical_line_sql, seal_pending, verify_chain
from app.cases.learners.models import name_and_birth_index, normalise_name
from app.cpd.standards import STANDARDS
from app.extensions import db
from app.security.crypto import associated_data, blind_index, open_sealed, seal
from app.security.sanitize import ALLOWLIST_VERSION
from app.types import UTCDateTime, utcnow

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations" / "versions"

# Behaviour that can differ between the engines: run on PostgreSQL as well as SQLite.
pytestmark = pytest.mark.both_backends


def _differences(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "render_as_batch": True},
        )
        return compare_metadata(context, db.metadata)


def test_upgrading_an_empty_database_matches_the_models(empty_database_url):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        assert inspect(db.engine).get_table_names() == []
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
    assert {"agency", "user_account", "mfa_enrolment", "password_reset_token", "job_run", "alembic_version"} <= tables
    assert _differences(app) == []
    with app.app_context():
        db.engine.dispose()


def test_migrations_downgrade_to_nothing_and_back(empty_database_url):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert "user_account" in inspect(db.engine).get_table_names()
        db.engine.dispose()


def test_every_datetime_column_is_utc_only():
    naive = [
        f"{table.name}.{column.name}"
        for table in db.metadata.sorted_tables
        for column in table.columns
        if "DATETIME" in str(column.type).upper() and not isinstance(column.type, UTCDateTime)
    ]
    assert naive == []


def test_the_migrated_standards_are_the_reference_list(database_url):
    # 0006 owns its rows (frozen in the migration); if app/cpd/standards.py changes, this fails until a new
    # migration brings every database to the same list.
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT code, framework, group_name, title, source, sort_key FROM cpd_standard ORDER BY sort_key"
            )).all()
    finally:
        engine.dispose()
    expected = [
        (s.code, s.framework.value, s.group, s.title, s.source, s.sort_key)
        for s in sorted(STANDARDS, key=lambda s: s.sort_key)
    ]
    assert [tuple(row) for row in rows] == expected


# A migration may use primitives that know no domain (app.security, e.g. to re-seal values; app.types);
# anything else of app's (app.agencies, app.cases, app.cpd, app.audit, app.core, ...) changes under it.
ALLOWED_APP_MODULES = ("app.security", "app.types")


def _app_imports(source: str) -> list[str]:
    """The app modules a migration's source imports that are not primitives, wherever the import sits."""
    imported = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "app":  # `from app import cpd` imports the package app.cpd
                imported += [f"app.{alias.name}" for alias in node.names]
            else:
                imported.append(node.module)
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and (getattr(node.func, "id", None) == "__import__"
                   or getattr(node.func, "attr", None) == "import_module")):
            imported.append(node.args[0].value)
    return [
        name for name in imported
        if (name == "app" or name.startswith("app."))
        and not any(name == allowed or name.startswith(f"{allowed}.") for allowed in ALLOWED_APP_MODULES)
    ]


@pytest.mark.parametrize(("source", "found"), [
    ("from app.cpd.standards import STANDARDS", ["app.cpd.standards"]),
    ("def load():\n    from app.cpd.standards import STANDARDS", ["app.cpd.standards"]),
    ("import app.cases.models as models", ["app.cases.models"]),
    ("from app import audit, security", ["app.audit"]),
    ("import importlib\nimportlib.import_module('app.core.mail')", ["app.core.mail"]),
    ("from app.security.crypto import SealedText\nfrom app.types import UTCDateTime", []),
    ("from alembic import op\nimport sqlalchemy as sa\nfrom application import x", []),
], ids=["top-level", "inside-a-function", "import-as", "from-app-import", "import_module", "primitives",
        "not-app"])


def test_the_import_check_sees_domain_imports(source, found):
    assert _app_imports(source) == found


def test_no_migration_imports_domain_code():
    files = sorted(MIGRATIONS.glob("*.py"))
    assert files, f"no migrations found in {MIGRATIONS}"
    offending = {
        path.name: names
        for path in files
        if (names := _app_imports(path.read_text(encoding="utf-8")))
    }
    assert offending == {}


def test_0009_reindexes_names_to_ignore_spacing_and_punctuation_and_back(database_at):
    """Learners registered before 0009 are found by "ruby ellis ward" after it, and warn of a second record."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_at("0008")})
    with app.app_context():
        now = "2026-01-05 09:00:00+00:00"
        db.session.execute(text("INSERT INTO agency (id, public_id, name, kind, created_at) "
                                "VALUES (1, 'school-one', 'School One', 'school', :now)"), {"now": now})
        old_index = blind_index("name", "ruby ellisward")  # what 0002 to 0008 stored for "Ruby Ellis-Ward"
        db.session.execute(text(
            "INSERT INTO learner (id, public_id, school_id, year_group, created_at, name_sealed, name_index, "
            "date_of_birth_sealed) VALUES (1, 'learner-one', 1, 4, :now, :name, :index, :born)"),
            {"now": now, "index": old_index,
             "name": seal("Ruby Ellis-Ward", associated_data("learner", "name_sealed", "learner-one")),
             "born": seal("2017-03-03", associated_data("learner", "date_of_birth_sealed", "learner-one"))})
        db.session.commit()
        upgrade()
        row = db.session.execute(text("SELECT name_index, name_and_birth_index FROM learner")).one()
        assert row.name_index == blind_index("name", normalise_name("ruby ellis ward")) != old_index
        assert row.name_and_birth_index == name_and_birth_index("Ruby Ellis-Ward", date(2017, 3, 3))
        db.session.commit()
        downgrade(revision="0008")
        assert db.session.execute(text("SELECT name_index FROM learner")).scalar_one() == old_index
        db.session.commit()
        db.engine.dispose()


def test_0017_names_who_ended_a_membership_from_the_trail_and_keeps_stage_moves_and_back(database_at):
    """Memberships ended before 0017 get `ended_by_id` from the event that ended them; the stage history table
    comes and goes; no stage move is made up."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_at("0016")})
    with app.app_context():
        now = "2026-01-05 09:00:00+00:00"
        run = lambda sql, **values: db.session.execute(text(sql), {"now": now, **values})  # noqa: E731
        run("INSERT INTO agency (id, public_id, name, kind, created_at) VALUES (1, 'school-one', 'School One', "
            "'school', :now)")
        for user_id, role in ((1, "senco"), (2, "teacher"), (3, "lsp")):
            run("INSERT INTO user_account (id, public_id, email, display_name, role, agency_id, active, restricted, "
                "fte, password_hash, must_change_password, session_version, created_at, password_changed_at, "
                "version) VALUES (:id, :pid, :email, 'Someone', :role, 1, true, false, 1, 'x', false, 1, :now, :now, "
                "1)", id=user_id, pid=f"user-{user_id}", email=f"u{user_id}@school.example", role=role)
        run("INSERT INTO learner (id, public_id, school_id, year_group, created_at, name_sealed, name_index, "
            "date_of_birth_sealed, version, year_group_source) VALUES (1, 'learner-one', 1, 4, :now, 'x', 'x', 'x', "
            "1, 'registered')")
        for membership_id, user_id, ended in ((1, 2, now), (2, 3, None)):
            run("INSERT INTO team_membership (id, public_id, learner_id, user_id, role, starts_at, created_at, "
                "ended_at) VALUES (:id, :pid, 1, :user, 'teacher', :now, :now, :ended)",
                id=membership_id, pid=f"membership-{membership_id}", user=user_id, ended=ended)
        run("INSERT INTO audit_event (occurred_at, actor_id, action, object_type, object_public_id, outcome, "
            "fields_changed, out_of_hours) VALUES (:now, 1, 'update', 'team_membership', 'membership-1', 'allowed', "
            "'ended_at', false)")
        db.session.commit()
        upgrade(revision="0017")
        ended_by = dict(db.session.execute(text("SELECT id, ended_by_id FROM team_membership")).all())
        assert ended_by == {1: 1, 2: None}
        assert db.session.execute(text("SELECT count(*) FROM cycle_stage_change")).scalar_one() == 0
        db.session.commit()
        downgrade(revision="0016")
        columns = {column["name"] for column in inspect(db.engine).get_columns("team_membership")}
        assert "ended_by_id" not in columns and "cycle_stage_change" not in inspect(db.engine).get_table_names()
        assert db.session.execute(text("SELECT count(*) FROM team_membership")).scalar_one() == 2
        db.session.commit()
        db.engine.dispose()


def _sealed_cell(table, column, public_id):
    value = db.session.execute(text(f"SELECT {column} FROM {table} WHERE public_id = :id"), {"id": public_id}).scalar()
    return None if value is None else open_sealed(value, associated_data(table, column, public_id))


OLD_WRITING = {  # (table, public id, field): the value 0004 to 0016 stored, then the source and HTML 0018 makes
    ("plan_cycle", "cycle-one", "family_views"): (
        "<p>Mum says <strong>mornings</strong> are hard.</p>\n<ul><li>Visual timetable</li><li>Calm start</li></ul>",
        "Mum says **mornings** are hard.\n\n- Visual timetable\n- Calm start",
        "<p>Mum says <strong>mornings</strong> are hard.</p>\n<ul><li>Visual timetable</li><li>Calm start</li></ul>"),
    ("plan_cycle", "cycle-one", "learner_views"): (
        "I like Lego.\nI don't like noise &amp; crowds.",
        "I like Lego.\nI don't like noise & crowds.",
        "<p>I like Lego.<br>\nI don't like noise &amp; crowds.</p>"),
    ("meeting", "meeting-one", "agenda"): (
        "1. Welcome\n2. Review outcomes\n3. Next steps",
        "1. Welcome\n2. Review outcomes\n3. Next steps",
        "<ol>\n<li>Welcome</li>\n<li>Review outcomes</li>\n<li>Next steps</li>\n</ol>"),
    ("contribution", "contribution-one", "body"): (
        '<h2>Findings</h2><p>See <a href="https://example.org/report" rel="noopener noreferrer nofollow">the '
        'report</a><br>and <em>2 * 3</em>.</p>',
        "## Findings\n\nSee [the report](https://example.org/report)\nand *2 \\* 3*.",
        '<h2>Findings</h2><p>See <a href="https://example.org/report" rel="noopener noreferrer nofollow">the '
        'report</a><br>and <em>2 * 3</em>.</p>'),
    ("learner", "learner-one", "notes"): (
        "<p>Prefers <b>quiet</b> spaces.</p>", "Prefers **quiet** spaces.", "<p>Prefers <b>quiet</b> spaces.</p>"),
}


def test_0018_keeps_each_rich_text_as_an_editable_source_beside_its_sealed_html_and_back(database_at):
    """Values stored as cleaned HTML or plain text become Markdown a person can edit, with the safe HTML beside."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_at("0016")})
    with app.app_context():
        now = "2026-01-05 09:00:00+00:00"
        statements = [
            "INSERT INTO agency (id, public_id, name, kind, created_at) VALUES (1, 'school-1', 'One', 'school', :now)",
            "INSERT INTO user_account (id, public_id, email, display_name, role, agency_id, active, restricted, fte, "
            "password_hash, must_change_password, session_version, created_at, password_changed_at, version) VALUES "
            "(1, 'user-one', 'senco@example.org', 'Sam', 'senco', 1, :yes, :no, 1, 'x', :no, 1, :now, :now, 1)",
            "INSERT INTO learner (id, public_id, school_id, year_group, created_at, name_sealed, name_index, "
            "date_of_birth_sealed, version, year_group_source, notes_sealed) VALUES (1, 'learner-one', 1, 4, :now, "
            ":name, 'index', :born, 1, 'registered', :notes)",
            "INSERT INTO support_plan (id, public_id, learner_id, created_at) VALUES (1, 'plan-one', 1, :now)",
            "INSERT INTO plan_cycle (id, public_id, plan_id, number, stage, version, opened_at, family_views_sealed, "
            "learner_views_sealed) VALUES (1, 'cycle-one', 1, 1, 'closed', 1, :now, :family_views, :learner_views)",
            "INSERT INTO meeting (id, public_id, learner_id, kind, held_on, starts_at, duration_minutes, chair_id, "
            "recorded_by_id, shared_with_family, record_number, version, created_at, agenda_sealed) VALUES (1, "
            "'meeting-one', 1, 'review', '2026-01-05', '09:00:00', 60, 1, 1, :no, 1, 1, :now, :agenda)",
            "INSERT INTO contribution (id, public_id, learner_id, author_id, kind, visibility, version, created_at, "
            "updated_at, title_sealed, body_sealed) VALUES (1, 'contribution-one', 1, 1, 'ep_assessment', 'team', 1, "
            ":now, :now, :title, :body)",
            "INSERT INTO learner_revision (id, public_id, learner_id, changed_by_id, changed_at, fields, "
            "reason_sealed, earlier_sealed) VALUES (1, 'revision-one', 1, 1, :now, 'notes', :reason, :earlier)",
        ]
        values = {"now": now, "yes": True, "no": False,
                  "name": seal("Ruby Ellis", associated_data("learner", "name_sealed", "learner-one")),
                  "born": seal("2017-03-03", associated_data("learner", "date_of_birth_sealed", "learner-one")),
                  "title": seal("EP report", associated_data("contribution", "title_sealed", "contribution-one")),
                  "reason": seal("Typo", associated_data("learner_revision", "reason_sealed", "revision-one")),
                  "earlier": seal('{"notes":"<ul><li>Was <em>this</em></li></ul>"}',
                                  associated_data("learner_revision", "earlier_sealed", "revision-one"))}
        for (table, public_id, field), (old, _, _) in OLD_WRITING.items():
            values[field] = seal(old, associated_data(table, f"{field}_sealed", public_id))
        for statement in statements:
            db.session.execute(text(statement), values)
        db.session.commit()
        used = "SELECT SUM(encryptions) FROM field_key_usage"
        sealed_before = db.session.execute(text(used)).scalar() or 0
        db.session.commit()

        upgrade()
        # Each value's source and HTML, and the history: every new envelope is counted against its key.
        assert db.session.execute(text(used)).scalar() >= sealed_before + 2 * len(OLD_WRITING) + 1
        for (table, public_id, field), (_, source, safe) in OLD_WRITING.items():
            assert _sealed_cell(table, f"{field}_sealed", public_id) == source
            assert _sealed_cell(table, f"{field}_html_sealed", public_id) == safe
            assert db.session.execute(text(f"SELECT writing_version FROM {table} WHERE public_id = :id"),
                                      {"id": public_id}).scalar() == ALLOWLIST_VERSION
        assert _sealed_cell("plan_cycle", "aspirations_html_sealed", "cycle-one") is None
        assert _sealed_cell("learner_revision", "earlier_sealed", "revision-one") == '{"notes":"- Was *this*"}'
        db.session.commit()

        downgrade(revision="0016")
        for (table, public_id, field), (_, _, safe) in OLD_WRITING.items():
            assert _sealed_cell(table, f"{field}_sealed", public_id) == safe
        assert (_sealed_cell("learner_revision", "earlier_sealed", "revision-one")
                == '{"notes":"<ul>\\n<li>Was <em>this</em></li>\\n</ul>"}')
        db.session.commit()
        assert "writing_version" not in {c["name"] for c in inspect(db.engine).get_columns("meeting")}


def test_0019_adds_the_family_profile_and_takes_it_away(database_at):
    """The family profile's table: one row per learner (unique), sealed sections only, and gone on downgrade."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_at("0018")})
    with app.app_context():
        assert "family_profile" not in inspect(db.engine).get_table_names()
        upgrade(revision="0019")
        columns = {column["name"] for column in inspect(db.engine).get_columns("family_profile")}
        assert {"good_at_sealed", "what_helps_sealed", "working_on_sealed", "who_to_talk_to_sealed", "version",
                "published_at"} <= columns
        assert not {"good_at", "what_helps", "working_on", "who_to_talk_to"} & columns  # nothing in the clear
        unique = {tuple(c["column_names"]) for c in inspect(db.engine).get_unique_constraints("family_profile")}
        assert ("learner_id",) in unique
        downgrade(revision="0018")
        assert "family_profile" not in inspect(db.engine).get_table_names()
        db.engine.dispose()


def test_0020_adds_sealed_attachments_each_on_one_parent_and_takes_them_away(database_at):
    """Attached files: sealed name, description and content (nothing of them in the clear), exactly one parent, each
    deleted with its parent; gone on downgrade."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_at("0019")})
    with app.app_context():
        assert "attachment" not in inspect(db.engine).get_table_names()
        upgrade(revision="0020")
        columns = {column["name"] for column in inspect(db.engine).get_columns("attachment")}
        assert {"name_sealed", "description_sealed", "content_sealed", "kind", "size_bytes"} <= columns
        assert not {"name", "description", "content"} & columns  # nothing of the file in the clear
        cascades = {key["referred_table"]: key["options"].get("ondelete")
                    for key in inspect(db.engine).get_foreign_keys("attachment")}
        assert cascades == {"contribution": "CASCADE", "meeting": "CASCADE", "safeguarding_concern": "CASCADE",
                            "user_account": None}
        with pytest.raises(Exception, match="(?i)check"):  # no parent at all is refused by the database itself
            with db.engine.begin() as connection:
                connection.execute(text(
                    "INSERT INTO attachment (public_id, uploaded_by_id, uploaded_at, kind, size_bytes, name_sealed, "
                    "content_sealed) VALUES ('x', 1, '2026-01-01 00:00:00+00:00', 'pdf', 1, 'b1.x', 'b1.y')"))
        downgrade(revision="0019")
        assert "attachment" not in inspect(db.engine).get_table_names()
        db.engine.dispose()


def test_0021_adds_notifications_and_takes_them_away(database_at):
    """Notifications (summary sealed, one per recipient and dedupe key, the header's count indexed) and
    preferences (one per person and kind); both gone on downgrade."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_at("0020")})
    with app.app_context():
        assert "notification" not in inspect(db.engine).get_table_names()
        upgrade(revision="0021")
        inspector = inspect(db.engine)
        columns = {column["name"] for column in inspector.get_columns("notification")}
        assert {"summary_sealed", "subject_public_id", "dedupe_key", "read_at", "emailed_at",
                "summarised_at"} <= columns
        assert "summary" not in columns  # nothing in the clear
        unique = {tuple(c["column_names"]) for c in inspector.get_unique_constraints("notification")}
        assert ("recipient_id", "dedupe_key") in unique
        indexes = {tuple(index["column_names"]) for index in inspector.get_indexes("notification")}
        assert ("recipient_id", "read_at") in indexes
        unique = {tuple(c["column_names"]) for c in inspector.get_unique_constraints("notification_preference")}
        assert ("user_id", "kind") in unique
        downgrade(revision="0020")
        tables = inspect(db.engine).get_table_names()
        assert "notification" not in tables and "notification_preference" not in tables
        db.engine.dispose()


def _canonical_lines() -> list[str]:
    line = canonical_line_sql(db.engine.dialect.name)
    return list(db.session.execute(text(f"SELECT {line} FROM audit_event ORDER BY id")).scalars())


def _trail_before_0022() -> None:
    """Events as 0005 to 0021 wrote them: a list page as 'view' naming two learners, an opening, a refusal."""
    run = lambda sql, **values: db.session.execute(text(sql), {"now": "2026-01-05 09:00:00+00:00", **values})  # noqa: E731
    for event_id, action, object_type, learners, outcome in (
            (1, "view", "learner_list", "learner-one learner-two", "allowed"),
            (2, "view", "learner", "learner-one", "allowed"),
            (3, "create", "learner", "learner-two", "refused")):
        run("INSERT INTO audit_event (id, occurred_at, actor_id, actor_role, action, object_type, learner_public_ids, "
            "school_id, outcome, out_of_hours) VALUES (:id, :now, 1, 'senco', :action, :type, :learners, 1, :outcome, "
            "false)", id=event_id, action=action, type=object_type, learners=learners, outcome=outcome)
        for learner in learners.split():
            run("INSERT INTO audit_event_learner (learner_public_id, event_id, school_id) VALUES (:learner, :id, 1)",
                learner=learner, id=event_id)
    if db.engine.dialect.name == "postgresql":  # the rows above chose their ids: the next one follows them
        run("SELECT setval(pg_get_serial_sequence('audit_event', 'id'), 3)")
    db.session.commit()


def _insert_listed() -> None:
    with db.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO audit_event (occurred_at, action, object_type, outcome, out_of_hours) "
            "VALUES ('2026-01-06 09:00:00+00:00', 'listed', 'learner_list', 'allowed', false)"))


def test_0022_records_listed_apart_and_leaves_every_old_event_and_the_chain_as_they_were(database_at, tmp_path,
                                                                                        caplog):
    """Old events keep their canonical lines byte for byte and the chain sealed before verifies after, with new
    'listed' events sealed beside them; the rebuilt table is still append-only; downgrade refuses while a 'listed'
    event exists (it can be neither deleted nor rewritten)."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_at("0021"),
                                 "BRAID_AUDIT_HEAD_FILE": tmp_path / "heads.jsonl"})
    with app.app_context():
        _trail_before_0022()
        with pytest.raises(Exception, match="(?i)check"):  # 0021 knows no 'listed'
            _insert_listed()
        assert seal_pending() == 3
        before = _canonical_lines()
        db.session.commit()
        upgrade(revision="0022")
        assert _canonical_lines() == before
        assert db.session.execute(text("SELECT learner_public_id, event_id FROM audit_event_learner ORDER BY 2, 1")
                                  ).all() == [("learner-one", 1), ("learner-two", 1), ("learner-one", 2),
                                              ("learner-two", 3)]
        db.session.commit()
        indexes = {index["name"] for index in inspect(db.engine).get_indexes("audit_event")}
        assert {"ix_audit_event_school_id_id", "ix_audit_event_school_action", "ix_audit_event_actor_id_id"} <= indexes
        _insert_listed()
        assert seal_pending() == 1
        assert verify_chain().intact
        for statement in ("UPDATE audit_event SET action = 'view' WHERE action = 'listed'",
                          "DELETE FROM audit_event WHERE action = 'listed'"):
            with pytest.raises(Exception, match="append-only"):
                with db.engine.begin() as connection:
                    connection.execute(text(statement))
        with pytest.raises(SystemExit):  # Flask-Migrate logs the migration's refusal and exits
            downgrade(revision="0021")
        assert "Downgrade refused" in caplog.text
        db.session.rollback()
        assert db.session.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0022"
        assert _canonical_lines()[:3] == before and verify_chain().intact
        db.engine.dispose()


def test_0022_downgrades_a_trail_that_never_listed_anyone(database_at):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_at("0021")})
    with app.app_context():
        _trail_before_0022()
        before = _canonical_lines()
        db.session.commit()
        upgrade(revision="0022")
        db.session.commit()
        downgrade(revision="0021")
        assert _canonical_lines() == before
        db.session.commit()
        with pytest.raises(Exception, match="(?i)check"):
            _insert_listed()
        db.engine.dispose()


def test_0023_adds_family_view_decisions_the_staff_names_choice_and_a_sealed_end_reason(database_at):
    """The DSL's withhold/release decisions (reason sealed, indexed by learner and event), the school's choice to
    name staff to families (off for every existing school), and why a membership was ended (sealed); gone on
    downgrade."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_at("0022")})
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(text("INSERT INTO agency (public_id, name, kind, created_at) "
                                    "VALUES ('school-1', 'Old School', 'school', '2026-01-01 00:00:00+00:00')"))
        assert "family_visibility_decision" not in inspect(db.engine).get_table_names()
        upgrade(revision="0023")
        inspector = inspect(db.engine)
        columns = {column["name"] for column in inspector.get_columns("family_visibility_decision")}
        assert {"event_id", "learner_public_id", "withheld", "reason_sealed", "decided_by_id", "decided_at"} <= columns
        assert "reason" not in columns  # nothing in the clear
        indexes = {tuple(index["column_names"]) for index in inspector.get_indexes("family_visibility_decision")}
        assert ("learner_public_id", "event_id", "id") in indexes
        assert "end_reason_sealed" in {column["name"] for column in inspector.get_columns("team_membership")}
        assert db.session.execute(text("SELECT show_staff_names_to_family FROM agency")).scalar_one() in (False, 0)
        db.session.commit()
        downgrade(revision="0022")
        inspector = inspect(db.engine)
        assert "family_visibility_decision" not in inspector.get_table_names()
        assert "show_staff_names_to_family" not in {column["name"] for column in inspector.get_columns("agency")}
        assert "end_reason_sealed" not in {column["name"] for column in inspector.get_columns("team_membership")}
def _rows_before_0024(now):
    """A family agency, a parent's account, an invitation and an unsent email, all in the clear as before 0024."""
    return [
        "INSERT INTO agency (id, public_id, name, kind, created_at) VALUES (1, 'school-one', 'Hollins Primary', "
        "'school', :now), (2, 'family-one', 'The Thornbury family', 'family', :now)",
        "INSERT INTO user_account (id, public_id, email, display_name, role, agency_id, active, restricted, fte, "
        "password_hash, must_change_password, session_version, created_at, password_changed_at, version) VALUES "
        "(1, 'user-senco', 'r.okonjo@hollins.example', 'Rosalind Okonjo', 'senco', 1, :yes, :no, 1, 'x', :no, 1, "
        ":now, :now, 1), (2, 'user-parent', 'ma.thornbury@home.example', 'Marguerite Thornbury', 'parent', 2, "
        ":yes, :yes, 1, 'x', :no, 1, :now, :now, 1)",
        "INSERT INTO learner (id, public_id, school_id, year_group, created_at, name_sealed, name_index, "
        "date_of_birth_sealed, version, year_group_source) VALUES (1, 'learner-one', 1, 4, :now, :name, 'index', "
        ":born, 1, 'registered')",
        "INSERT INTO invitation (id, public_id, learner_id, email, display_name, role, agency_id, access_ends_at, "
        "token_hash, expires_at, invited_by_id, created_at) VALUES (1, 'invitation-one', 1, "
        "'g.fairweather@slt.example', 'Gwendolyn Fairweather', 'slt', 1, :now, 'hash', :now, 1, :now)",
        "INSERT INTO outbox_message (id, public_id, recipient, subject, body_sealed, created_at) VALUES (1, "
        "'message-one', 'g.fairweather@slt.example', 'You have been invited', :body, :now)",
        "INSERT INTO support_plan (id, public_id, learner_id, created_at) VALUES (1, 'plan-one', 1, :now)",
        "INSERT INTO plan_cycle (id, public_id, plan_id, number, stage, version, opened_at) VALUES (1, 'cycle-one', "
        "1, 1, 'plan', 1, :now)",
        "INSERT INTO provision (id, public_id, cycle_id, delivered_by, frequency, starts_on, version, created_at, "
        "description_sealed) VALUES (1, 'provision-one', 1, 'Mrs Aurelia Penhaligon', 'Weekly', '2026-01-05', 1, "
        ":now, :what)",
    ]


PLAINTEXT_BEFORE_0024 = ("The Thornbury family", "Hollins Primary", "r.okonjo@hollins.example", "Rosalind Okonjo",
                         "ma.thornbury@home.example", "Marguerite Thornbury", "g.fairweather@slt.example",
                         "Gwendolyn Fairweather", "Aurelia Penhaligon")


def _insert_before_0024(extra=()):
    now = "2026-01-05 09:00:00+00:00"
    values = {"now": now, "yes": True, "no": False,
              "name": seal("Ruby Ellis", associated_data("learner", "name_sealed", "learner-one")),
              "born": seal("2017-03-03", associated_data("learner", "date_of_birth_sealed", "learner-one")),
              "body": seal("Open this link", associated_data("outbox_message", "body_sealed", "message-one")),
              "what": seal("Talk Boost", associated_data("provision", "description_sealed", "provision-one"))}
    for statement in [*_rows_before_0024(now), *extra]:
        db.session.execute(text(statement), values)
    db.session.commit()


def test_0024_seals_names_and_addresses_finds_them_by_blind_index_and_back(database_at):
    """Agencies' names, people's names and addresses, invitations and the outbox's recipients are sealed with
    the rows' ids; the plaintext columns and their constraints go, and no copy of them stays in the file."""
    from tests.security.test_at_rest import _found, _raw_bytes

    database_url = database_at("0021")
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        _insert_before_0024()
        upgrade(revision="0024")
        inspector = inspect(db.engine)
        for table, gone in (("agency", {"name"}), ("user_account", {"email", "display_name"}),
                            ("invitation", {"email", "display_name"}), ("outbox_message", {"recipient"}),
                            ("provision", {"delivered_by"})):
            assert not gone & {column["name"] for column in inspector.get_columns(table)}, table
        unique = {name: {tuple(c["column_names"]) for c in inspector.get_unique_constraints(name)}
                  for name in ("agency", "user_account")}
        assert ("name_index",) in unique["agency"] and ("email_index",) in unique["user_account"]
        assert _sealed_cell("agency", "name_sealed", "family-one") == "The Thornbury family"
        assert _sealed_cell("user_account", "display_name_sealed", "user-parent") == "Marguerite Thornbury"
        assert _sealed_cell("user_account", "email_sealed", "user-senco") == "r.okonjo@hollins.example"
        assert _sealed_cell("invitation", "display_name_sealed", "invitation-one") == "Gwendolyn Fairweather"
        assert _sealed_cell("outbox_message", "recipient_sealed", "message-one") == "g.fairweather@slt.example"
        assert _sealed_cell("provision", "delivered_by_sealed", "provision-one") == "Mrs Aurelia Penhaligon"
        indexes = dict(db.session.execute(text("SELECT public_id, email_index FROM user_account")).all())
        assert indexes["user-senco"] == blind_index("email", "r.okonjo@hollins.example")
        assert db.session.execute(text("SELECT email_index FROM invitation")).scalar_one() == blind_index(
            "email", "g.fairweather@slt.example")
        assert db.session.execute(text("SELECT name_index FROM agency WHERE public_id = 'family-one'")).scalar_one() \
            == blind_index("agency_name", "the thornbury family")
        db.session.commit()
        # Not in the file, its WAL, or a dump: SQLite zeroed what the plaintext left (secure_delete).
        assert _found(_raw_bytes(database_url), PLAINTEXT_BEFORE_0024) == []

        downgrade(revision="0021")
        assert dict(db.session.execute(text("SELECT public_id, name FROM agency")).all()) == {
            "school-one": "Hollins Primary", "family-one": "The Thornbury family"}
        assert db.session.execute(text("SELECT email, display_name FROM user_account ORDER BY id")).all() == [
            ("r.okonjo@hollins.example", "Rosalind Okonjo"), ("ma.thornbury@home.example", "Marguerite Thornbury")]
        assert db.session.execute(text("SELECT email, display_name FROM invitation")).one() == (
            "g.fairweather@slt.example", "Gwendolyn Fairweather")
        assert db.session.execute(text("SELECT recipient FROM outbox_message")).scalar_one() == \
            "g.fairweather@slt.example"
        assert db.session.execute(text("SELECT delivered_by FROM provision")).scalar_one() == "Mrs Aurelia Penhaligon"
        db.session.commit()
        unique = {tuple(c["column_names"]) for c in inspect(db.engine).get_unique_constraints("user_account")}
        assert ("email",) in unique and "email_index" not in {c["name"] for c in
                                                              inspect(db.engine).get_columns("user_account")}
        db.engine.dispose()


def test_0024_refuses_two_agencies_whose_names_differ_only_in_case_or_spacing(database_at, caplog):
    """Which of two such agencies stays is for a person to decide: the upgrade stops, naming them by public id."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_at("0021")})
    with app.app_context():
        _insert_before_0024(["INSERT INTO agency (id, public_id, name, kind, created_at) VALUES (3, 'family-two', "
                             "'the  THORNBURY family', 'family', :now)"])
        with pytest.raises(SystemExit):  # Flask-Migrate logs the error and exits
            upgrade(revision="0024")
        assert "agency family-one and family-two have the same name apart from case or spacing" in caplog.text
        assert "Thornbury" not in caplog.text and "THORNBURY" not in caplog.text  # named by id, never by name
        db.session.rollback()
        # Nothing changed: the names are still there, in the clear, for the person to put right.
        alike = "SELECT count(*) FROM agency WHERE lower(name) LIKE '%thornbury%'"
        assert db.session.execute(text(alike)).scalar() == 2
        db.session.commit()
        db.engine.dispose()


def test_0025_adds_restrictions_of_processing_and_takes_them_away(database_at):
    """Restriction of processing: the learner's flag (indexed, for the policy and the lists) and the history of
    restrictions, reasons sealed (nothing in the clear); both gone on downgrade."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_at("0024")})
    with app.app_context():
        assert "processing_restriction" not in inspect(db.engine).get_table_names()
        upgrade(revision="0025")
        inspector = inspect(db.engine)
        assert "restricted_at" in {column["name"] for column in inspector.get_columns("learner")}
        assert ("restricted_at",) in {tuple(index["column_names"]) for index in inspector.get_indexes("learner")}
        columns = {column["name"] for column in inspector.get_columns("processing_restriction")}
        assert {"reason_sealed", "lift_reason_sealed", "restricted_by_id", "lifted_by_id", "lifted_at"} <= columns
        assert not {"reason", "lift_reason"} & columns  # nothing in the clear
        downgrade(revision="0024")
        inspector = inspect(db.engine)
        assert "processing_restriction" not in inspector.get_table_names()
        assert "restricted_at" not in {column["name"] for column in inspector.get_columns("learner")}
        db.engine.dispose()


def test_0026_designates_a_data_protection_officer_on_an_account_and_takes_it_away(database_at):
    """The DPO is a designation (with its date) on a school account, not a role: one nullable column, gone on
    downgrade."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_at("0025")})
    with app.app_context():
        assert "dpo_designated_at" not in {column["name"] for column in inspect(db.engine).get_columns("user_account")}
        upgrade(revision="0026")
        columns = {column["name"]: column for column in inspect(db.engine).get_columns("user_account")}
        assert columns["dpo_designated_at"]["nullable"]
        downgrade(revision="0025")
        assert "dpo_designated_at" not in {column["name"] for column in inspect(db.engine).get_columns("user_account")}
        db.engine.dispose()


RETENTION_TABLES = {"retention_rule", "legal_hold", "child_protection_review", "erasure_request",
                    "destruction_register"}


def test_0029_adds_retention_legal_holds_erasure_requests_and_the_register_and_takes_them_away(database_at):
    """The five tables of retention come with 0029 and go on downgrade; sealed columns hold the reasons and who asked,
    and the register has no column for content."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_at("0028")})
    with app.app_context():
        assert not RETENTION_TABLES & set(inspect(db.engine).get_table_names())
        upgrade(revision="0029")
        assert RETENTION_TABLES <= set(inspect(db.engine).get_table_names())
        holds = {column["name"] for column in inspect(db.engine).get_columns("legal_hold")}
        assert {"reason_sealed", "reference_sealed", "lift_reason_sealed"} <= holds and "reason" not in holds
        register = {column["name"] for column in inspect(db.engine).get_columns("destruction_register")}
        assert register == {"id", "public_id", "school_id", "record_class", "learner_public_id", "rule", "destroyed_at",
                            "destroyed_by_id", "rows_destroyed"}
        downgrade(revision="0028")
        assert not RETENTION_TABLES & set(inspect(db.engine).get_table_names())
def test_0027_adds_the_register_of_subject_access_requests_and_takes_it_away(database_at):
    """Subject access requests: one table, the requester's name, entitlement and notes sealed (nothing in the
    clear), the due date indexed for the register; gone on downgrade."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_at("0026")})
    with app.app_context():
        assert "subject_access_request" not in inspect(db.engine).get_table_names()
        upgrade(revision="0027")
        inspector = inspect(db.engine)
        columns = {column["name"] for column in inspector.get_columns("subject_access_request")}
        assert {"requester_name_sealed", "entitlement_sealed", "identity_note_sealed", "extension_reason_sealed",
                "refusal_reason_sealed", "due_on", "clock_starts_on", "version"} <= columns
        assert not {"requester_name", "entitlement", "identity_note", "extension_reason", "refusal_reason"} & columns
        indexes = {tuple(index["column_names"]) for index in inspector.get_indexes("subject_access_request")}
        assert {("due_on",), ("learner_id",), ("agency_id",)} <= indexes
        downgrade(revision="0026")
        assert "subject_access_request" not in inspect(db.engine).get_table_names()
ROWS_BEFORE_0031 = [
    "INSERT INTO team_membership (id, public_id, learner_id, user_id, role, starts_at, created_at) VALUES "
    "(1, 'membership-senco', 1, 1, 'senco', :now, :now), (2, 'membership-slt', 1, 2, 'slt', :now, :now), "
    "(3, 'membership-ep', 1, 2, 'ep', :now, :now)",
    "INSERT INTO contribution (id, public_id, learner_id, author_id, kind, visibility, version, created_at, "
    "updated_at, title_sealed, body_sealed) VALUES (1, 'contribution-slt', 1, 1, 'slt_assessment', 'team', 1, :now, "
    ":now, 'x', 'x'), (2, 'contribution-class', 1, 1, 'classroom_view', 'team', 1, :now, :now, 'x', 'x')",
    "INSERT INTO transfer_bundle (id, public_id, learner_id, made_by_id, made_at, size_bytes, sha256, "
    "receiving_school_sealed, content_sealed) VALUES (1, 'bundle-one', 1, 1, :now, 1, 'x', 'x', 'x')",
]


def test_0031_fills_each_role_default_as_assumed_adds_consents_and_takes_them_away(database_at):
    """Existing contributions and sharings get their role's default lawful basis, marked as assumed at the upgrade
    (the school's own staff on a team are no sharing: left empty); consents come and go, names sealed."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_at("0021")})
    with app.app_context():
        _insert_before_0024(ROWS_BEFORE_0031)
        upgrade(revision="0029")
        assert "consent" not in inspect(db.engine).get_table_names()
        upgrade(revision="0031")
        rows = lambda table: {  # noqa: E731
            row[0]: tuple(row[1:]) for row in db.session.execute(text(
                f"SELECT public_id, lawful_basis, special_category_condition, lawful_basis_assumed FROM {table}"))}
        assert rows("contribution") == {"contribution-slt": ("6_1_e", "9_2_h", True),
                                         "contribution-class": ("6_1_e", "9_2_g_para_6", True)}
        assert rows("team_membership") == {"membership-senco": (None, None, False),
                                           "membership-slt": ("6_1_e", "9_2_h", True),
                                           "membership-ep": ("6_1_e", "9_2_g_para_6", True)}
        assert rows("invitation") == {"invitation-one": ("6_1_e", "9_2_h", True)}
        assert rows("transfer_bundle") == {"bundle-one": ("6_1_c", "9_2_g_para_6", True)}
        db.session.commit()
        columns = {column["name"] for column in inspect(db.engine).get_columns("consent")}
        assert {"given_by_name_sealed", "giver_relationship_sealed", "recipient_name_sealed",
                "withdrawal_reason_sealed"} <= columns
        assert not {"given_by_name", "giver_relationship", "recipient_name", "withdrawal_reason"} & columns
        # The new notification kind is allowed by the table's check.
        db.session.execute(text(
            "INSERT INTO notification (public_id, recipient_id, kind, subject_type, subject_public_id, path, "
            "summary_sealed, created_at) VALUES ('n-one', 1, 'consent_withdrawn', 'learner', 'learner-one', '/', 'x', "
            "'2026-01-05 09:00:00+00:00')"))
        db.session.commit()
        downgrade(revision="0029")
        inspector = inspect(db.engine)
        assert "consent" not in inspector.get_table_names()
        for table in ("contribution", "team_membership", "invitation", "transfer_bundle"):
            assert not {"lawful_basis", "special_category_condition", "lawful_basis_assumed", "consent_id"} & {
                column["name"] for column in inspector.get_columns(table)}, table
        assert db.session.execute(text("SELECT count(*) FROM notification")).scalar_one() == 0
        assert db.session.execute(text("SELECT count(*) FROM team_membership")).scalar_one() == 3
        db.session.commit()
        db.engine.dispose()


def test_0028_adds_subject_access_bundles_redactions_and_concern_releases_and_takes_them_away(database_at):
    """A request's bundle (its ZIP sealed), the DPO's redactions (the passage sealed) and the DSL's releases of
    concerns (the reason sealed): three tables, nothing of their content in the clear; gone on downgrade."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_at("0027")})
    tables = {"subject_access_bundle", "bundle_redaction", "concern_release"}
    with app.app_context():
        assert not tables & set(inspect(db.engine).get_table_names())
        upgrade(revision="0028")
        inspector = inspect(db.engine)
        assert tables <= set(inspector.get_table_names())
        bundle = {column["name"] for column in inspector.get_columns("subject_access_bundle")}
        assert {"content_sealed", "sha256", "size_bytes", "progress_done", "progress_total", "built_at"} <= bundle
        assert "content" not in bundle
        redaction = {column["name"] for column in inspector.get_columns("bundle_redaction")}
        assert {"passage_sealed", "details_sealed", "item_key", "field", "occurrence", "reason"} <= redaction
        assert not {"passage", "details"} & redaction
        release = {column["name"] for column in inspector.get_columns("concern_release")}
        assert "reason_sealed" in release and "reason" not in release
        # Each goes with its request (which goes with its learner): erasing a learner is never blocked by them.
        for table in tables:
            to_request = [key for key in inspector.get_foreign_keys(table)
                          if key["referred_table"] == "subject_access_request"]
            assert to_request and all(key["options"].get("ondelete") == "CASCADE" for key in to_request), table
        downgrade(revision="0027")
        assert not tables & set(inspect(db.engine).get_table_names())
        db.engine.dispose()


def test_0033_names_each_outbox_messages_agency_keeps_older_messages_without_one_and_back(database_at):
    """Each message names the agency whose administrator looks after it (a foreign key, and one index for the
    administrator's list); a message written before has none. Downgrade drops the column and keeps the messages."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_at("0032")})
    with app.app_context():
        db.session.execute(text("INSERT INTO outbox_message (public_id, recipient_sealed, subject, body_sealed, "
                                "created_at) VALUES ('oldmessage', 'sealed', 'Reset your Braid password', "
                                "'sealed', :now)"), {"now": utcnow()})
        db.session.commit()
        upgrade(revision="0033")
        inspector = inspect(db.engine)
        columns = {column["name"]: column for column in inspector.get_columns("outbox_message")}
        assert columns["agency_id"]["nullable"]
        assert [(key["constrained_columns"], key["referred_table"]) for key in
                inspector.get_foreign_keys("outbox_message")] == [(["agency_id"], "agency")]
        assert ("agency_id", "sent_at", "id") in {tuple(index["column_names"])
                                                 for index in inspector.get_indexes("outbox_message")}
        assert db.session.execute(text("SELECT public_id, agency_id FROM outbox_message")).all() == [
            ("oldmessage", None)]
        db.session.commit()
        downgrade(revision="0032")
        inspector = inspect(db.engine)
        assert "agency_id" not in {column["name"] for column in inspector.get_columns("outbox_message")}
        assert inspector.get_foreign_keys("outbox_message") == []
        assert db.session.execute(text("SELECT public_id FROM outbox_message")).scalars().all() == ["oldmessage"]
        db.session.commit()
        db.engine.dispose()
