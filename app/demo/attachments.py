"""Demo attachments, through the same service as the pages: the EP's report (a PDF), the SLT's advice (a Word
document), a meeting's visual timetable and a concern's copy of a note (PNG images). All fictional, made here."""
from __future__ import annotations

import io
import zipfile

from PIL import Image, ImageDraw
from sqlalchemy import func, select

from app.agencies.accounts.models import User
from app.cases.attachments.models import Attachment
from app.cases.attachments.services import attach_file
from app.cases.concerns.models import SafeguardingConcern
from app.cases.contributions.models import Contribution, ContributionKind
from app.cases.learners.services import find_by_upn
from app.cases.meetings.models import Meeting
from app.core.pdf import Document, Writer
from app.demo.family_profiles import MAYA_UPN
from app.extensions import db
from app.policy import Action, shows


def _account(email: str) -> User:
    return db.session.scalars(select(User).where(User.email.matches(email))).one()


def ep_report_pdf(first: str) -> bytes:
    """A short, fictional consultation report, as an EP service would send it."""
    pdf = Document(footer="County Educational Psychology Service - fictional demo report - confidential")
    pdf.add_page()
    writer = Writer(pdf)
    writer.title("Educational psychology consultation report")
    writer.field("Child", first)
    writer.field("Consultation", "In school, with the SENCo, class teacher and learning support practitioner")
    writer.heading("What we found")
    writer.para(f"{first}'s verbal reasoning is a relative strength. Working memory is below what is typical for "
                "their age, which explains much of the difficulty with multi-step instructions and copying from "
                "the board.")
    writer.heading("What we recommend")
    for line in ("Give instructions one step at a time, with a picture or a written checklist.",
                 "Pre-teach key vocabulary before each new topic.",
                 "Use a visual timetable every day, and warn of changes in advance.",
                 "Review in one term: the SENCo to share progress with the service."):
        writer.para(f"- {line}")
    return bytes(pdf.output())


def slt_advice_docx() -> bytes:
    """A real (minimal) Word document: the SLT's advice sheet for the classroom."""
    paragraphs = ["Speech and language advice for the classroom",
                  "Use short sentences and check understanding by asking the child to show you, not to repeat.",
                  "Model the /k/ and /g/ sounds in play; do not ask for repetition in front of the class.",
                  "Practise the target sounds for ten minutes, three times a week, using the picture cards provided."]
    body = "".join(f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>" for text in paragraphs)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'wordprocessingml.document.main+xml"/></Types>'))
        archive.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="word/document.xml"/></Relationships>'))
        archive.writestr("word/document.xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body>{body}</w:body></w:document>"))
    return out.getvalue()


def _png(draw_on, size=(480, 320)) -> bytes:
    image = Image.new("RGB", size, (255, 255, 255))
    draw_on(ImageDraw.Draw(image))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def visual_timetable_png() -> bytes:
    """A simple visual timetable: one coloured card per part of the morning."""
    cards = [("Register", (255, 221, 87)), ("Phonics", (120, 190, 255)), ("Snack", (150, 220, 150)),
             ("Maths", (255, 170, 120)), ("Play", (210, 160, 240)), ("Lunch", (240, 240, 140))]

    def draw(canvas):
        canvas.text((16, 12), "My morning", fill=(0, 0, 0))
        for index, (label, colour) in enumerate(cards):
            x, y = 16 + (index % 3) * 152, 44 + (index // 3) * 134
            canvas.rounded_rectangle((x, y, x + 140, y + 120), radius=12, fill=colour, outline=(60, 60, 60))
            canvas.text((x + 12, y + 52), label, fill=(0, 0, 0))

    return _png(draw)


def note_copy_png() -> bytes:
    """A staff member's copy of a note found in a bag: lined paper, a few words, nothing identifying."""

    def draw(canvas):
        canvas.rectangle((20, 20, 460, 300), fill=(255, 250, 215), outline=(180, 170, 120))
        for y in range(60, 300, 28):
            canvas.line((30, y, 450, y), fill=(190, 210, 235))
        canvas.text((40, 40), "Copy of a note found in a lunch bag (original handed to the DSL)", fill=(90, 90, 90))
        canvas.text((40, 96), "\"bring the money tomorow or else. dont tell\"", fill=(20, 20, 20))

    return _png(draw)


def load_demo_attachments() -> int:
    """Attach the demo files once (through the real service); returns how many were attached. Only flushes."""
    if db.session.scalar(select(func.count()).select_from(Attachment)):
        return 0
    ep, slt, lsp = (_account("ep@county-eps.example"), _account("slt@riverside-slt.example"),
                    _account("lsp@oakfield.example"))
    attached = 0

    def first_of(query, actor):
        for thing in db.session.scalars(query):
            if shows(actor, Action.ATTACH_FILE, thing):
                return thing
        return None

    report = first_of(select(Contribution).where(Contribution.kind == ContributionKind.EP_ASSESSMENT)
                      .order_by(Contribution.id), ep)
    if report is not None:
        first = report.learner.name.split()[0]
        attach_file(ep, report, filename=f"EP consultation report - {first}.pdf", data=ep_report_pdf(first),
                    description="Full report from the consultation")
        attached += 1
    advice = first_of(select(Contribution).where(Contribution.kind == ContributionKind.SLT_ASSESSMENT)
                      .order_by(Contribution.id), slt)
    if advice is not None:
        attach_file(slt, advice, filename="Classroom advice sheet.docx", data=slt_advice_docx(),
                    description="Strategies for the class teacher")
        attached += 1
    # Maya's planning meeting, which her mum can read: the timetable the meeting agreed to share with home.
    maya = find_by_upn(_account("senco@oakfield.example"), MAYA_UPN)
    meeting = first_of(select(Meeting).where(Meeting.signed_off_at.is_not(None), Meeting.shared_with_family.is_(True),
                                             Meeting.learner_id == (maya.id if maya is not None else None))
                       .order_by(Meeting.id), lsp)
    if meeting is not None:
        attach_file(lsp, meeting, filename="Visual timetable.png", data=visual_timetable_png(),
                    description="The morning timetable agreed at this meeting")
        attached += 1
    concern = first_of(select(SafeguardingConcern).where(SafeguardingConcern.author_id == lsp.id)
                       .order_by(SafeguardingConcern.id), lsp)
    if concern is not None:
        attach_file(lsp, concern, filename="Copy of the note.png", data=note_copy_png(),
                    description="Copied before the original went to the DSL")
        attached += 1
    return attached
