"""Attachments: files on contributions, meetings and concerns, checked by content, sealed in the database, seen by
exactly who sees their parent, downloaded through the policy (audited, sandboxed), re-sealed by key rotation.

Bad files are refused with a clear message; nothing is stored and the rest of the form is kept. The world is the
authorization matrix's (tests/test_authorization_matrix.py), one copy per test (tests/fixtures/worlds.py).
"""
from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from fpdf import FPDF
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from pypdf import PdfReader
from sqlalchemy import func, select, update

from app import create_app
from app.agencies.accounts.models import User
from app.audit.models import AuditAction, AuditEvent, AuditOutcome
from app.cases.attachments.models import Attachment
from app.cases.concerns.models import SafeguardingConcern
from app.cases.contributions import misfiled
from app.cases.contributions.models import Contribution
from app.cases.team.models import TeamMembership
from app.cases.transfers import services as transfers
from app.extensions import db
from app.security.keys import Keyring, write_key_file
from app.security.learner_keys import key_store
from app.types import utcnow
from tests.fixtures.application import text_of
from tests.fixtures.worlds import saved_or_built, world_app
from tests.security.test_at_rest import _raw_bytes
from tests.test_authorization_matrix import build_world, sign_in_columns

pytestmark = pytest.mark.both_backends

WORLD = "the authorization matrix's, every column signed in"
MARKER = b"ATTACH-MARKER-5c1e9b7d20f4a3e86b"  # 32 bytes put inside each test file: never in the raw database
assert len(MARKER) == 32


@pytest.fixture
def app(backend, database_servers, saved_worlds, database_url):
    yield from world_app(WORLD, backend, database_servers, saved_worlds, database_url)


@pytest.fixture
def world(app, backend, saved_worlds, create_agency, create_user, create_case, add_to_team):
    def build():
        built = build_world(app, create_agency, create_user, create_case, add_to_team)
        return built, sign_in_columns(app, built["accounts"])

    built, clients = saved_or_built(WORLD, backend, app, saved_worlds, build)
    built["clients"] = clients
    return built


# --- real files, built here -----------------------------------------------------------------------------------


def pdf_file(text: str = "Psychological assessment") -> bytes:
    pdf = FPDF()
    pdf.compress = False  # the marker stays readable in the file itself, so its absence below means something
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(text=f"{text} {MARKER.decode()}")
    return bytes(pdf.output())


def image_file(kind: str) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (8, 8), (200, 120, 40))
    if kind == "PNG":
        info = PngInfo()
        info.add_text("Comment", MARKER.decode())
        image.save(out, "PNG", pnginfo=info)
    else:
        image.save(out, "JPEG", comment=MARKER)
    return out.getvalue()


def docx_file(document: bytes = b"<w:document>" + MARKER + b"</w:document>", **extra: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", document)
        for name, content in extra.items():
            archive.writestr(name, content)
    return out.getvalue()


def odt_file() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", b"<office:document-content>" + MARKER + b"</office:document-content>",
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def bomb_docx() -> bytes:
    """A Word file whose one member inflates from ~64 KB to 64 MB of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w") as member:
            chunk = bytes(1024 * 1024)
            for _ in range(64):
                member.write(chunk)
    return out.getvalue()


ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(56) + b"\x00" * 200
PE = b"MZ\x90\x00\x03\x00\x00\x00" + bytes(120) + b"PE\x00\x00" + bytes(200)


# --- helpers --------------------------------------------------------------------------------------------------


def _count(app, model) -> int:
    with app.app_context():
        try:
            return db.session.scalar(select(func.count()).select_from(model))
        finally:
            db.session.remove()


def _attach(client, url: str, data: bytes, name: str, description: str = ""):
    return client.post(url, data={"file": (io.BytesIO(data), name), "description": description},
                       content_type="multipart/form-data")


def _new_contribution(client, learner: str, data: bytes | None, name: str, title: str):
    form = {"kind": "classroom_view", "visibility": "team", "title": title, "body": "<p>Reads well in class.</p>"}
    if data is not None:
        form["file"] = (io.BytesIO(data), name)
    return client.post(f"/learners/{learner}/contributions/new", data=form, content_type="multipart/form-data")


def _attachment_ids(app, world) -> list[str]:
    """The attachments a test added (the world holds a few of its own), oldest first."""
    own = {value for key, value in world["world"].items() if key.startswith(("a_", "r_attachment"))}
    with app.app_context():
        try:
            return [public_id for public_id in db.session.scalars(select(Attachment.public_id).order_by(Attachment.id))
                    if public_id not in own]
        finally:
            db.session.remove()


# --- the tests ------------------------------------------------------------------------------------------------


REFUSED = [
    (pdf_file(), "report.png", "is a PDF but its name ends in '.png'"),
    (ELF, "report.pdf", "must be a PDF, Word (DOCX), OpenDocument text (ODT), PNG or JPEG file"),
    (PE, "report.pdf", "must be a PDF, Word (DOCX), OpenDocument text (ODT), PNG or JPEG file"),
    (b"", "empty.pdf", "The selected file is empty"),
    (b"%PDF-1.4\n" + bytes(21 * 1024 * 1024), "big.pdf", "must be smaller than 20 MB"),
    (bomb_docx(), "bomb.docx", "archive bomb"),
    (docx_file(**{"word/embeddings/inner.zip": b"PK\x03\x04"}), "nested.docx", "another archive"),
    (pdf_file(), "../../etc/report.pdf", "must not include folders"),
    (pdf_file(), "C:\\Users\\report.pdf", "must not include folders"),
    (pdf_file(), "report\x07.pdf", "must not include control characters"),
    (b"PK\x03\x04 not really a zip", "broken.docx", "damaged"),
]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_every_bad_file_is_refused_clearly_nothing_stored_and_the_form_kept(app, world):
    teacher = world["clients"]["teacher"]
    alpha = world["world"]["alpha"]
    before = (_count(app, Contribution), _count(app, Attachment))
    for data, name, message in REFUSED:
        title = f"Typed title kept {len(data)}"
        response = _new_contribution(teacher, alpha, data, name, title)
        page = text_of(response)
        assert response.status_code == 400, (name, response.status_code)
        assert message in page and "Nothing has been attached: choose a file again" in page, (name, page[:400])
        assert "There is a problem" in page and 'href="#file"' in response.get_data(as_text=True), name
        assert title in response.get_data(as_text=True) and "Reads well in class." in page, name  # kept
        # The same file on a contribution's own attach page: refused alike.
        refused = _attach(teacher, f"/contributions/{world['world']['c_team']}/attachments/new", data, name, "Kept")
        assert refused.status_code == 400 and message in text_of(refused), name
    assert (_count(app, Contribution), _count(app, Attachment)) == before


@pytest.mark.parametrize("backend", ["sqlite"])
def test_only_the_upload_routes_take_large_bodies(app, world):
    teacher = world["clients"]["teacher"]
    alpha = world["world"]["alpha"]
    nine_mb = b"%PDF-1.4\n" + bytes(9 * 1024 * 1024)
    before = (_count(app, Contribution), _count(app, Attachment))
    # An upload route takes a file over 8 MB.
    assert _attach(teacher, f"/contributions/{world['world']['c_team']}/attachments/new", nine_mb,
                   "scan.pdf").status_code == 302
    # Any other route: the ordinary 8 MB, multipart or not; and an upload route's plain form body too.
    edit = f"/contributions/{world['world']['c_team']}/edit"
    assert teacher.post(edit, data={"file": (io.BytesIO(nine_mb), "a.pdf")},
                        content_type="multipart/form-data").status_code == 413
    plain = {"body": "x" * (9 * 1024 * 1024)}
    assert teacher.post(f"/learners/{alpha}/contributions/new", data=plain).status_code == 413
    # Far over the file limit: the 413 page, which says what files may be, and nothing stored.
    huge = _attach(teacher, f"/contributions/{world['world']['c_team']}/attachments/new",
                   b"%PDF-1.4\n" + bytes(26 * 1024 * 1024), "huge.pdf")
    assert huge.status_code == 413 and "An attached file can be up to 20 MB" in text_of(huge)
    assert (_count(app, Contribution), _count(app, Attachment)) == (before[0], before[1] + 1)


def test_accepted_files_download_byte_identical_audited_sandboxed_and_sealed(app, world):
    w, clients = world["world"], world["clients"]
    files = [(pdf_file(), "EP report.pdf", "application/pdf"),
             (docx_file(), "SLT advice.docx",
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
             (odt_file(), "Notes.odt", "application/vnd.oasis.opendocument.text"),
             (image_file("PNG"), "Timetable.png", "image/png"),
             (image_file("JPEG"), "Note in bag.jpg", "image/jpeg")]
    targets = [(clients["teacher"], f"/contributions/{w['c_team']}/attachments/new"),
               (clients["lsp"], f"/meetings/{w['meeting']}/attachments/new"),
               (clients["teacher"], f"/concerns/{w['concern']}/attachments/new")]
    for index, (data, name, _) in enumerate(files):
        client, url = targets[index % len(targets)]
        assert _attach(client, url, data, name, f"Description {index}").status_code == 302, name
    # A report attached while writing the contribution.
    response = _new_contribution(clients["teacher"], w["alpha"], pdf_file("With the contribution"), "With.pdf",
                                 "A view with a report")
    assert response.status_code == 302
    ids = _attachment_ids(app, world)
    assert len(ids) == len(files) + 1
    for public_id, (data, name, mimetype) in zip(ids, files, strict=False):
        client = targets[ids.index(public_id) % len(targets)][0]
        got = client.get(f"/attachments/{public_id}")
        assert got.status_code == 200 and got.data == data, name
        assert got.headers["Content-Type"].startswith(mimetype)
        assert got.headers["Content-Disposition"].startswith("attachment")
        assert "sandbox" in got.headers["Content-Security-Policy"]
        assert got.headers["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in got.headers["Cache-Control"]
        assert name.split(".")[0] not in got.headers["Content-Disposition"]  # the file's own name stays in Braid
    # Listed on its parent's page with its name, kind and size; the download is in the trail.
    page = text_of(clients["teacher"].get(f"/contributions/{w['c_team']}"))
    assert "EP report.pdf" in page and "PDF" in page and "Description 0" in page
    with app.app_context():
        downloads = db.session.scalars(select(AuditEvent).where(
            AuditEvent.object_type == "attachment", AuditEvent.action == AuditAction.EXPORT)).all()
        assert {event.object_public_id for event in downloads} >= set(ids[:len(files)])
        assert all(event.learner_public_ids == w["alpha"] for event in downloads)
        db.session.remove()
        db.engine.dispose()  # every page written out (SQLite's WAL included)
    raw = _raw_bytes(app.config["SQLALCHEMY_DATABASE_URI"])  # this test's copy of the world
    assert world["accounts"]["teacher"].public_id.encode() in raw  # the bytes are real and readable
    assert world["accounts"]["teacher"].email.encode() not in raw  # the address is sealed like the rest
    assert MARKER not in raw and b"EP report" not in raw and b"Description 0" not in raw


def test_an_attachment_is_seen_only_by_who_sees_its_parent(app, world):
    w, clients = world["world"], world["clients"]
    assert _attach(clients["teacher"], f"/contributions/{w['c_team']}/attachments/new", pdf_file(),
                   "team.pdf").status_code == 302
    assert _attach(clients["parent"], f"/contributions/{w['c_family']}/attachments/new", image_file("PNG"),
                   "family.png").status_code == 302
    assert _attach(clients["teacher"], f"/concerns/{w['concern']}/attachments/new", image_file("JPEG"),
                   "note.jpg").status_code == 302
    team, family, concern = _attachment_ids(app, world)
    expected = {  # column: (team contribution's file, family one's, concern's)
        "senco": (200, 200, 404), "lsp": (200, 200, 404), "teacher": (200, 200, 200), "dsl": (404, 404, 200),
        "admin": (404, 404, 404), "slt": (200, 200, 404), "ep": (200, 200, 404), "parent": (404, 200, 404),
    }
    for column, statuses in expected.items():
        got = tuple(clients[column].get(f"/attachments/{public_id}").status_code
                    for public_id in (team, family, concern))
        assert got == statuses, column
    # Only those who may add to the parent see the attach form; a parent cannot attach to staff's work.
    assert clients["parent"].get(f"/contributions/{w['c_team']}/attachments/new").status_code == 404
    assert clients["lsp"].get(f"/contributions/{w['c_team']}/attachments/new").status_code == 403
    # A professional taken off the team: 404 for every file of the case.
    with app.app_context():
        slt = db.session.scalars(select(User).where(User.public_id == world["accounts"]["slt"].public_id)).one()
        db.session.execute(update(TeamMembership).where(TeamMembership.user_id == slt.id)
                           .values(ended_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
        db.session.remove()
    assert clients["slt"].get(f"/attachments/{team}").status_code == 404
    assert clients["slt"].get(f"/attachments/{family}").status_code == 404
    # A withdrawn contribution's files leave the case with it.
    with app.app_context():
        contribution = db.session.scalars(select(Contribution).where(Contribution.public_id == w["c_team"])).one()
        teacher = db.session.scalars(select(User).where(
            User.public_id == world["accounts"]["teacher"].public_id)).one()
        misfiled.withdraw_contribution(teacher, contribution, version=contribution.version, reason="Misfiled")
        db.session.commit()
        db.session.remove()
    for column in ("senco", "teacher", "lsp", "dsl"):
        assert clients[column].get(f"/attachments/{team}").status_code == 404, column


def test_removing_a_file_is_confirmed_audited_and_erasure_takes_files_along(app, world):
    w, clients = world["world"], world["clients"]
    url = f"/concerns/{w['concern']}/attachments/new"
    assert _attach(clients["teacher"], url, pdf_file(), "one.pdf").status_code == 302
    assert _attach(clients["dsl"], url, pdf_file(), "two.pdf").status_code == 302
    one, two = _attachment_ids(app, world)
    # The SENCo does not even see a concern's file; its author removes their own, after a confirmation page.
    assert clients["senco"].get(f"/attachments/{one}/remove").status_code == 404
    assert clients["teacher"].get(f"/attachments/{two}/remove").status_code == 403
    confirm = clients["teacher"].get(f"/attachments/{one}/remove")
    assert confirm.status_code == 200 and "Remove “one.pdf”?" in text_of(confirm)
    assert _attachment_ids(app, world) == [one, two]  # the page alone changes nothing
    assert clients["teacher"].post(f"/attachments/{one}/remove").status_code == 302
    assert _attachment_ids(app, world) == [two]
    with app.app_context():
        assert db.session.scalars(select(AuditEvent).where(
            AuditEvent.object_public_id == one, AuditEvent.action == AuditAction.DELETE)).first() is not None
        # Erasing the concern (its row deleted) takes its files with it.
        concern = db.session.scalars(select(SafeguardingConcern).where(
            SafeguardingConcern.public_id == w["concern"])).one()
        db.session.delete(concern)
        db.session.commit()
        db.session.remove()
    assert _attachment_ids(app, world) == []
    with app.app_context():
        assert db.session.scalars(select(Attachment).where(
            Attachment.public_id == w["a_concern"])).first() is None  # the world's own file on it too
        db.session.remove()


def test_key_rotation_reseals_files(app, world, tmp_path):
    w, clients = world["world"], world["clients"]
    data = pdf_file()
    assert _attach(clients["teacher"], f"/contributions/{w['c_team']}/attachments/new", data,
                   "report.pdf").status_code == 302
    (public_id,) = _attachment_ids(app, world)

    def sealed() -> tuple[str, str]:
        with rotating.app_context():
            try:
                row = db.session.scalars(select(Attachment).where(Attachment.public_id == public_id)).one()
                return str(row.content_sealed), str(row.name_sealed)
            finally:
                db.session.remove()

    key_file = tmp_path / "field_keys.json"
    write_key_file(key_file, Keyring.from_json(app.config["BRAID_FIELD_KEYS"]))
    rotating = create_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                      "BRAID_FIELD_KEYS": None, "BRAID_FIELD_KEY_FILE": key_file,
                                      "BRAID_KEY_STORE_URL": app.config["BRAID_KEY_STORE_URL"]})
    content_before, name_before = sealed()
    result = rotating.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    new_primary = Keyring.from_json(key_file.read_text()).primary
    content_after, name_after = sealed()
    # A file is the learner's: sealed under the learner's own key, which the rotation re-wraps; the file's
    # ciphertext (up to 20 MB) is not rewritten.
    assert (content_after, name_after) == (content_before, name_before)
    assert content_after.startswith("b1.l") and "learner keys re-wrapped" in result.output
    with rotating.app_context():
        assert set(key_store().count_by_wrapping_key()) == {new_primary}  # every learner's key, the file's too
    with rotating.app_context():
        try:
            row = db.session.scalars(select(Attachment).where(Attachment.public_id == public_id)).one()
            assert row.content == data and row.name == "report.pdf"
        finally:
            db.session.remove()
            db.engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_transfer_bundle_lists_a_contributions_files_without_embedding_them(app, world):
    w = world["world"]
    with app.app_context():
        senco = db.session.scalars(select(User).where(User.public_id == world["accounts"]["senco"].public_id)).one()
        learner = db.session.scalars(select(Contribution).where(Contribution.public_id == w["c_team"])).one().learner
        bundle, passphrase = transfers.make_transfer_bundle(senco, learner, receiving_school="Gamma Academy")
        reader = PdfReader(io.BytesIO(bundle.content))
        assert reader.decrypt(passphrase)
        text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
        db.session.rollback()
        db.session.remove()
    assert "Attached files (kept in Braid, not in this bundle): Classroom observation.pdf (PDF," in text
    assert "Private note.pdf" not in text  # a restricted contribution stays out, and its files with it


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_moved_contributions_files_move_with_it(app, world):
    """Files name their parent only: a contribution moved to the right learner takes them to that learner's case."""
    w, clients = world["world"], world["clients"]
    with app.app_context():
        senco = db.session.scalars(select(User).where(User.public_id == world["accounts"]["senco"].public_id)).one()
        contribution = db.session.scalars(select(Contribution).where(Contribution.public_id == w["c_team"])).one()
        misfiled.move_contribution(senco, contribution, version=contribution.version, to_learner_public_id=w["bravo"],
                                   reason="Filed against the wrong learner")
        db.session.commit()
        db.session.remove()
    assert clients["senco"].get(f"/attachments/{w['a_team']}").status_code == 200
    assert clients["teacher"].get(f"/attachments/{w['a_team']}").status_code == 404  # not on Bravo's team
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(
            AuditEvent.object_public_id == w["a_team"], AuditEvent.action == AuditAction.EXPORT,
            AuditEvent.outcome == AuditOutcome.ALLOWED)).one()
        assert event.learner_public_ids == w["bravo"]  # the download is in Bravo's history now
        db.session.remove()
