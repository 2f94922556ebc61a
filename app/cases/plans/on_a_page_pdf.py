"""The plan on a page drawn as an A4 PDF: who the plan is for, its outcomes, its provision and the team."""
from __future__ import annotations

from app.core.pdf import Document, Writer


def plan_on_a_page_pdf(page) -> bytes:
    """`page`: an app.cases.plans.on_a_page.PlanPage (not imported: that module loads this one when asked)."""
    pdf = Document(footer=f"Plan on a page made {page.made_on} - confidential")
    pdf.set_title("Plan on a page")  # metadata names no child: a file listing shows only the document's kind
    pdf.add_page()
    out = Writer(pdf)
    out.title(f"Plan on a page: {page.known_as}")
    out.para(f"{page.year} · {page.cycle} · Review date: {page.review_on}", style="B")

    out.heading("Outcomes")
    if not page.outcomes:
        out.para("No outcomes set yet.", style="I")
    for number, outcome in enumerate(page.outcomes, 1):
        out.item([("B", f"{number}. {outcome.description}"),
                  ("", f"Measured by: {outcome.measure}"),
                  ("", f"Target date: {outcome.target_on} · Latest rating: {outcome.rating}")])

    out.heading("Provision")
    if not page.provisions:
        out.para("No provision recorded yet.", style="I")
    for provision in page.provisions:
        out.item([("B", provision.description),
                  ("", f"Who: {provision.delivered_by} · How often: {provision.frequency}"),
                  ("", provision.period)])

    out.heading("The team around the child")
    if not page.team:
        out.para("Nobody is on the team yet.", style="I")
    for name, role in page.team:
        out.para(f"{name}, {role}")
    return bytes(pdf.output())
