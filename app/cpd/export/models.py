"""What a CPD record export is: why it is made (written to the audit trail) and in which format. Nothing stored."""
from __future__ import annotations

import enum


class ExportPurpose(enum.Enum):
    """Why a record is exported: required, and written to the audit trail as its code."""

    PROGRESS_REVIEW = "cpd_progress_review"
    QUALITY_ASSURANCE = "cpd_quality_assurance"
    OWN_RECORDS = "cpd_own_records"

    @property
    def label(self) -> str:
        return EXPORT_PURPOSE_LABELS[self]


EXPORT_PURPOSE_LABELS = {
    ExportPurpose.PROGRESS_REVIEW: "A progress review with my line manager",
    ExportPurpose.QUALITY_ASSURANCE: "An external quality assurance visit",
    ExportPurpose.OWN_RECORDS: "My own records",
}


class ExportFormat(enum.Enum):
    PDF = "pdf"
    CSV = "csv"

    @property
    def label(self) -> str:
        return {"pdf": "PDF, laid out like the reflective record (Appendix 5)",
                "csv": "CSV, for a spreadsheet"}[self.value]

    @property
    def mimetype(self) -> str:
        return {"pdf": "application/pdf", "csv": "text/csv"}[self.value]
