"""A leaver's transfers: Oakfield's SENCo made Mohammed Hussain's transfer bundle for his secondary school, and the
DSL recorded that his child-protection file was sent separately and its receipt confirmed."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.agencies.accounts.models import User
from app.cases.learners.services import find_by_upn
from app.cases.transfers.models import TransferBundle
from app.cases.transfers.services import confirm_cp_receipt, make_transfer_bundle, record_cp_transfer
from app.core import dates
from app.extensions import db

MO_UPN = "F801200012070"  # Year 6, preparing for secondary school
NEXT_SCHOOL = "Northgate Academy"


def load_demo_transfers() -> int:
    """Make the bundle and record the transfer through the real services; returns how many bundles were made.

    The bundle's passphrase is thrown away, as it would be once shown: a visitor makes a new bundle to see one.
    """
    senco = db.session.scalars(select(User).where(User.email.matches("senco@oakfield.example"))).one()
    dsl = db.session.scalars(select(User).where(User.email.matches("dsl@oakfield.example"))).one()
    mo = find_by_upn(senco, MO_UPN)
    if mo is None or db.session.scalars(select(TransferBundle).where(TransferBundle.learner_id == mo.id)).first():
        return 0
    make_transfer_bundle(senco, mo, receiving_school=NEXT_SCHOOL)
    today = dates.today()
    transfer = record_cp_transfer(dsl, mo, receiving_school=NEXT_SCHOOL, method="secure_system",
                                  sent_on=today - timedelta(days=2),
                                  reference="Sent through the local authority's secure transfer service, "
                                            "addressed to Northgate's DSL.")
    confirm_cp_receipt(dsl, transfer, confirmed_on=today - timedelta(days=1),
                       confirmed_by="Mrs J. Okoro, DSL at Northgate Academy (by telephone)")
    return 1
