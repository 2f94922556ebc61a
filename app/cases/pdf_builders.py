"""Every PDF of a case in one place (imported through app.cases.printing, only when a file is made)."""
from app.cases.family_profile.profile_pdf import family_profile_pdf
from app.cases.meetings.record_pdf import meeting_record_pdf
from app.cases.plans.on_a_page_pdf import plan_on_a_page_pdf
from app.cases.transfers.bundle import make_bundle_pdf, new_passphrase

__all__ = ["family_profile_pdf", "make_bundle_pdf", "meeting_record_pdf", "new_passphrase", "plan_on_a_page_pdf"]
