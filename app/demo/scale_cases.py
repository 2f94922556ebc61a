"""`flask demo scale`, the cases: learners, their teams, families and plans; contributions; meetings."""
from __future__ import annotations

import random
from datetime import date, timedelta
from datetime import time as clock
from html import escape

from sqlalchemy import select

from app.agencies.accounts.models import Role
from app.agencies.accounts.services import EXTERNAL_ROLES
from app.cases.contributions.models import Contribution, ContributionKind, ContributionRevision, Visibility
from app.cases.lawful_basis.bases import default_for
from app.cases.learners.models import AreaOfNeed, Learner, SenStatus, YearGroupSource, name_and_birth_index
from app.cases.meetings.models import ActionStatus, Attendance, Meeting, MeetingAction, MeetingKind
from app.cases.plans.models import CycleStage, Outcome, PlanCycle, ProgressRating, Provision, SupportPlan
from app.demo.cases import CLASSROOM_VIEWS, EP_ASSESSMENT, INTERVENTIONS, LEARNER_VOICE, LIKES, SLT_ASSESSMENT
from app.demo.plans import CYCLE_DAYS, NEEDS, OUTCOMES, PROVISION
from app.demo.scale_people import LearnerLayout, public_id_from
from app.demo.scale_writing import (
    TABLES,
    Ids,
    count_keyring_seals,
    keyring_sealer,
    learner_sealers,
    moment,
    write,
)
from app.extensions import db
from app.security.sanitize import ALLOWLIST_VERSION, render_writing


class CasePhases:
    """Phases 2 to 4 of ScaleBuild (app.demo.scale), which holds the loop, the lookups and the authority."""

    # --- phase 2: learners, their teams, families and plans

    def _units_learners(self):
        def unit(indexes):
            def make() -> int:
                return self._write_learners(indexes)
            return self.authority.learner(indexes[0]).public_id, make
        return [unit(chunk) for chunk in self._chunks(self.counts.learners, self.learners_per_unit)]

    def _write_learners(self, indexes) -> int:
        ids, keyring = Ids(db.session), keyring_sealer()
        users, agencies = self._user_ids(), self._agency_ids()
        layouts = self._layouts(indexes)
        sealers = learner_sealers([layout.public_id for layout in layouts])
        rows = {name: [] for name in ("learner", "membership", "plan", "cycle", "outcome", "provision")}
        written = 0
        for layout in layouts:
            school = self.authority.schools[layout.school]
            seal, pid = sealers[layout.public_id], layout.public_id
            registered = moment(self.anchor - timedelta(days=CYCLE_DAYS * (layout.closed_cycles + 1) + 30), 9)
            learner_id = ids.take(TABLES["learner"])
            notes = f"{layout.first} is a fictional learner at {school.name}."
            rows["learner"].append(dict(
                id=learner_id, public_id=pid, school_id=agencies[school.public_id], year_group=layout.year_group,
                created_at=registered, version=1, year_group_source=YearGroupSource.REGISTERED,
                year_group_set_on=None, leaving_on=None, archived_at=None, restricted_at=None,
                name_sealed=seal(Learner.name, pid, layout.name), name_index=Learner.name.lookup(layout.name),
                preferred_name_sealed=seal(Learner.preferred_name, pid, layout.preferred_name),
                date_of_birth_sealed=seal(Learner.date_of_birth, pid, layout.date_of_birth),
                upn_sealed=seal(Learner.upn, pid, layout.upn), upn_index=Learner.upn.lookup(layout.upn),
                name_and_birth_index=name_and_birth_index(layout.name, layout.date_of_birth),
                notes_sealed=seal(Learner.notes, pid, notes),
                notes_html_sealed=seal(Learner.notes_html, pid, f"<p>{notes}</p>"), writing_version=ALLOWLIST_VERSION,
                areas_of_need_sealed=seal(Learner.areas_of_need, pid, list(layout.areas)),
                sen_status_sealed=seal(Learner.sen_status, pid, SenStatus.SEN_SUPPORT),
                needs_sealed=None, registration_group_sealed=None, merged_into_id=None, merged_at=None,
                merged_by_id=None, merge_reason_sealed=None,
            ))
            senco = users[school.of(Role.SENCO)[0].public_id]
            team = self._team(layout)
            if layout.parent:
                family = self.authority.family(layout)
                written += self._write_agency(family, "", commit=False, ids=ids, sealer=keyring)
                users[family.people[0].public_id] = ids.next["user_account"] - 1
            rng = random.Random(f"{layout.seed}|team")
            for person in team:
                external = person.role in EXTERNAL_ROLES
                basis6, basis9 = default_for(person.role) if external else (None, None)
                rows["membership"].append(dict(
                    id=ids.take(TABLES["membership"]), public_id=public_id_from(rng), learner_id=learner_id,
                    user_id=users[person.public_id], role=person.role, starts_at=registered,
                    ends_at=moment(self.anchor + timedelta(days=365), 17) if external else None,
                    ended_at=None, ended_by_id=None, end_reason_sealed=None, added_by_id=senco,
                    created_at=registered, lawful_basis=basis6, special_category_condition=basis9,
                    lawful_basis_assumed=False, consent_id=None,
                ))
            plan_id = ids.take(TABLES["plan"])
            rows["plan"].append(dict(id=plan_id, public_id=public_id_from(rng), learner_id=learner_id,
                                     created_by_id=senco, created_at=registered))
            lsp = users[school.of(Role.LSP)[layout.lsp].public_id]
            for number, (assess_on, review_on) in enumerate(self.cycle_dates(layout), start=1):
                current = number == layout.closed_cycles + 1
                cycle_id, cycle_pid = ids.take(TABLES["cycle"]), public_id_from(rng)
                closed_at = None if current else moment(review_on, 15)
                row = dict(
                    id=cycle_id, public_id=cycle_pid, plan_id=plan_id, number=number,
                    stage=layout.stage if current else CycleStage.CLOSED, assess_on=assess_on,
                    plan_on=assess_on + timedelta(days=14), do_from=assess_on + timedelta(days=21),
                    review_on=review_on, version=1, opened_at=moment(assess_on, 9), closed_at=closed_at,
                    closed_by_id=None if current else senco, merged_at=None, writing_version=ALLOWLIST_VERSION,
                )
                texts = {
                    "learner_views": f"{layout.first} says: “I like it when I know what is happening next.”",
                    "family_views": "At home we see a happy, creative child who gets tired after a hard day.",
                    "aspirations": f"{layout.first} wants to have a best friend in class.",
                    "review_summary": None if current else "Review held with the family and the class team.",
                }
                for area in layout.areas:
                    name, need = NEEDS[area]
                    texts[name] = need
                for name in ("learner_views", "family_views", "aspirations", "needs_communication",
                             "needs_cognition", "needs_semh", "needs_sensory", "review_summary"):
                    value = texts.get(name)
                    row[f"{name}_sealed"] = seal(getattr(PlanCycle, name), cycle_pid, value)
                    row[f"{name}_html_sealed"] = seal(getattr(PlanCycle, f"{name}_html"), cycle_pid,
                                                      f"<p>{value}</p>" if value else None)
                rows["cycle"].append(row)
                for n, area in enumerate((layout.areas * 2)[:2]):
                    description, measure = OUTCOMES[area][(number + n) % 2]
                    outcome_pid = public_id_from(rng)
                    rows["outcome"].append(dict(
                        id=ids.take(TABLES["outcome"]), public_id=outcome_pid, cycle_id=cycle_id, target_on=review_on,
                        owner_id=lsp, progress=rng.choice(_RATINGS) if not current else _RATINGS[0], version=1,
                        created_at=moment(assess_on, 10),
                        description_sealed=seal(Outcome.description, outcome_pid, f"{layout.first} {description}"),
                        measure_sealed=seal(Outcome.measure, outcome_pid, measure),
                    ))
                for area in layout.areas:
                    what, who, how_often = PROVISION[area]
                    provision_pid = public_id_from(rng)
                    rows["provision"].append(dict(
                        id=ids.take(TABLES["provision"]), public_id=provision_pid, cycle_id=cycle_id,
                        frequency=how_often,
                        starts_on=assess_on + timedelta(days=21), ends_on=None, version=1,
                        created_at=moment(assess_on, 10),
                        description_sealed=seal(Provision.description, provision_pid, what),
                        delivered_by_sealed=seal(Provision.delivered_by, provision_pid, who),
                    ))
        for name in ("learner", "membership", "plan", "cycle", "outcome", "provision"):
            write(db.session, TABLES[name], rows[name])
            written += len(rows[name])
        count_keyring_seals(db.session, keyring)
        self._commit(ids)
        return written

    def _team(self, layout: LearnerLayout):
        """Who is on the learner's case: a class teacher and an LSP, the DSL where the need is social and emotional,
        and the SLT, EP and parent the layout gives them."""
        school = self.authority.schools[layout.school]
        team = [school.of(Role.TEACHER)[layout.teacher], school.of(Role.LSP)[layout.lsp]]
        if AreaOfNeed.SEMH in layout.areas:
            team.append(school.of(Role.DSL)[0])
        if layout.slt is not None:
            team.append(self.authority.professionals(Role.SLT)[layout.slt])
        if layout.ep is not None:
            team.append(self.authority.professionals(Role.EP)[layout.ep])
        if layout.parent:
            team.append(self.authority.family(layout).people[0])
        return team

    def cycle_dates(self, layout: LearnerLayout) -> list[tuple[date, date]]:
        """(assess on, review on) of each cycle, oldest first: the current one reviews 5 to 60 days from the anchor."""
        review_on = self.anchor + timedelta(days=5 + (layout.index * 11) % 56)
        current = review_on - timedelta(days=CYCLE_DAYS)
        dates = [(current - timedelta(days=CYCLE_DAYS * (layout.closed_cycles - n)),
                  current - timedelta(days=CYCLE_DAYS * (layout.closed_cycles - n) - CYCLE_DAYS + 3))
                 for n in range(layout.closed_cycles)]
        return [*dates, (current, review_on)]

    def _cycles_of(self, learner_ids: list[int]) -> dict[int, list[int]]:
        rows = db.session.execute(
            select(SupportPlan.learner_id, PlanCycle.id).join(PlanCycle, PlanCycle.plan_id == SupportPlan.id)
            .where(SupportPlan.learner_id.in_(learner_ids)).order_by(PlanCycle.number)
        ).all()
        cycles: dict[int, list[int]] = {}
        for learner_id, cycle_id in rows:
            cycles.setdefault(learner_id, []).append(cycle_id)
        return cycles

    def _learner_ids(self, layouts) -> dict[str, int]:
        return dict(db.session.execute(select(Learner.public_id, Learner.id).where(
            Learner.public_id.in_([layout.public_id for layout in layouts]))).all())

    # --- phase 3: contributions (50 a learner on average), some edited once

    def _units_contributions(self):
        def unit(indexes):
            def make() -> int:
                return self._write_contributions(indexes)
            first = self.authority.learner(indexes[0])
            return self._contribution_id(first, 0), make
        return [unit(chunk) for chunk in self._chunks(self.counts.learners, self.learners_per_unit)]

    def _contribution_id(self, layout: LearnerLayout, n: int) -> str:
        return public_id_from(random.Random(f"{layout.seed}|contribution|{n}"))

    def _write_contributions(self, indexes) -> int:
        ids, users = Ids(db.session), self._user_ids()
        layouts = self._layouts(indexes)
        learner_ids = self._learner_ids(layouts)
        cycles = self._cycles_of(list(learner_ids.values()))
        sealers = learner_sealers([layout.public_id for layout in layouts])
        contributions, revisions = [], []
        for layout in layouts:
            seal, learner_id = sealers[layout.public_id], learner_ids[layout.public_id]
            authors = [person for person in self._team(layout) if person.role in _KINDS]
            dates = self.cycle_dates(layout)
            rng = random.Random(f"{layout.seed}|contributions")
            for n in range(layout.contributions):
                author = authors[n % len(authors)]
                kind = _KINDS[author.role][n % len(_KINDS[author.role])]
                cycle_number = min(len(dates) - 1, n * len(dates) // layout.contributions)
                assess_on, review_on = dates[cycle_number]
                # Written between the cycle's start and its review, or today for the current cycle: never ahead.
                day = assess_on + timedelta(days=rng.randint(0, min(CYCLE_DAYS, (self.anchor - assess_on).days)))
                written_at = moment(day, rng.randint(8, 17), rng.randint(0, 59))
                title, template = _template(kind, layout, n)
                title = title.replace(_PLACEHOLDER, layout.first)
                body, body_html = _writing(template, layout.first)
                if edited := n % 10 == 3:
                    earlier, earlier_html = body, body_html
                    body, body_html = _writing(template + _UPDATE, layout.first)
                pid = self._contribution_id(layout, n)
                visibility = (Visibility.TEAM_AND_FAMILY if kind in _FAMILY_KINDS else
                              Visibility.RESTRICTED if n % 97 == 0 else Visibility.TEAM)
                basis6, basis9 = default_for(author.role)
                contribution_id = ids.take(TABLES["contribution"])
                contributions.append(dict(
                    id=contribution_id, public_id=pid, learner_id=learner_id,
                    cycle_id=cycles[learner_id][cycle_number], author_id=users[author.public_id], kind=kind,
                    visibility=visibility, version=2 if edited else 1, created_at=written_at,
                    updated_at=written_at + timedelta(days=2) if edited else written_at,
                    title_sealed=seal(Contribution.title, pid, title),
                    body_sealed=seal(Contribution.body, pid, body),
                    body_html_sealed=seal(Contribution.body_html, pid, body_html),
                    writing_version=ALLOWLIST_VERSION, lawful_basis=basis6, special_category_condition=basis9,
                    lawful_basis_assumed=False, withdrawn_at=None, withdrawn_by_id=None, withdrawn_reason_sealed=None,
                ))
                if edited:
                    revision_pid = public_id_from(rng)
                    revisions.append(dict(
                        id=ids.take(TABLES["revision"]), public_id=revision_pid, contribution_id=contribution_id,
                        version=1, visibility=visibility, written_by_id=users[author.public_id], written_at=written_at,
                        title_sealed=seal(ContributionRevision.title, revision_pid, title),
                        body_sealed=seal(ContributionRevision.body, revision_pid, earlier),
                        body_html_sealed=seal(ContributionRevision.body_html, revision_pid, earlier_html),
                        writing_version=ALLOWLIST_VERSION,
                    ))
        write(db.session, TABLES["contribution"], contributions)
        write(db.session, TABLES["revision"], revisions)
        self._commit(ids)
        return len(contributions) + len(revisions)

    # --- phase 4: meetings (two a learner: the current cycle's planning meeting and the last review)

    def _units_meetings(self):
        def unit(indexes):
            def make() -> int:
                return self._write_meetings(indexes)
            return self._meeting_id(self.authority.learner(indexes[0]), 0), make
        return [unit(chunk) for chunk in self._chunks(self.counts.learners, self.learners_per_unit)]

    def _meeting_id(self, layout: LearnerLayout, n: int) -> str:
        return public_id_from(random.Random(f"{layout.seed}|meeting|{n}"))

    def _write_meetings(self, indexes) -> int:
        ids, users = Ids(db.session), self._user_ids()
        layouts = self._layouts(indexes)
        learner_ids = self._learner_ids(layouts)
        cycles = self._cycles_of(list(learner_ids.values()))
        sealers = learner_sealers([layout.public_id for layout in layouts])
        rows = {"meeting": [], "attendee": [], "action": []}
        for layout in layouts:
            seal, learner_id = sealers[layout.public_id], learner_ids[layout.public_id]
            school = self.authority.schools[layout.school]
            senco = users[school.of(Role.SENCO)[0].public_id]
            team = self._team(layout)
            lsp, teacher = users[team[1].public_id], users[team[0].public_id]
            dates = self.cycle_dates(layout)
            rng = random.Random(f"{layout.seed}|meetings")
            for n in range(self.counts.meetings_per_learner):
                kind = MeetingKind.PLANNING if n % 2 == 0 else MeetingKind.REVIEW
                cycle_number = len(dates) - 1 if kind is MeetingKind.PLANNING else max(0, len(dates) - 2)
                assess_on, review_on = dates[cycle_number]
                held_on = min(self.anchor, assess_on + timedelta(days=14) if kind is MeetingKind.PLANNING
                              else review_on)
                pid = self._meeting_id(layout, n)
                meeting_id = ids.take(TABLES["meeting"])
                texts = {
                    "agenda": "1. Views of the learner and family\n2. Outcomes for this cycle\n3. Provision",
                    "minutes": f"We heard {layout.first}'s views and agreed what success looks like this term.",
                    "decisions": "- Continue the current intervention three times a week\n"
                                 "- Share the visual timetable with home",
                }
                row = dict(
                    id=meeting_id, public_id=pid, learner_id=learner_id, cycle_id=cycles[learner_id][cycle_number],
                    kind=kind, held_on=held_on, starts_at=clock(15, 30), duration_minutes=rng.choice((30, 45, 60)),
                    chair_id=senco, recorded_by_id=lsp, shared_with_family=layout.parent, record_number=1,
                    signed_off_at=None, version=1, created_at=moment(held_on, 17), writing_version=ALLOWLIST_VERSION,
                    other_attendees_sealed=None,
                )
                for name, value in texts.items():
                    row[f"{name}_sealed"] = seal(getattr(Meeting, name), pid, value)
                    row[f"{name}_html_sealed"] = seal(getattr(Meeting, f"{name}_html"), pid, _writing(value, "")[1])
                rows["meeting"].append(row)
                for user_id, attendance in ((senco, Attendance.PRESENT), (lsp, Attendance.PRESENT),
                                            (teacher, Attendance.APOLOGIES if n % 3 == 2 else Attendance.PRESENT)):
                    rows["attendee"].append(dict(id=ids.take(TABLES["attendee"]), meeting_id=meeting_id,
                                                 user_id=user_id, attendance=attendance))
                action_pid = public_id_from(rng)
                rows["action"].append(dict(
                    id=ids.take(TABLES["action"]), public_id=action_pid, meeting_id=meeting_id, owner_id=teacher,
                    due_on=held_on + timedelta(days=7), status=_ACTION_STATUS[n % 2], version=1,
                    created_at=moment(held_on, 17), completed_at=None,
                    description_sealed=seal(MeetingAction.description, action_pid,
                                            f"Send home a copy of {layout.first}'s visual timetable"),
                ))
        for name, table_rows in rows.items():
            write(db.session, TABLES[name], table_rows)
        self._commit(ids)
        return sum(len(table_rows) for table_rows in rows.values())


_RATINGS = (ProgressRating.NOT_YET_REVIEWED, ProgressRating.PARTLY_MET, ProgressRating.MET, ProgressRating.EXCEEDED,
            ProgressRating.NOT_MET)
_KINDS = {
    Role.TEACHER: (ContributionKind.CLASSROOM_VIEW,),
    Role.LSP: (ContributionKind.INTERVENTION_RECORD, ContributionKind.LEARNER_VOICE),
    Role.SLT: (ContributionKind.SLT_ASSESSMENT,),
    Role.EP: (ContributionKind.EP_ASSESSMENT,),
    Role.PARENT: (ContributionKind.FAMILY_VIEW,),
}
_FAMILY_KINDS = {ContributionKind.LEARNER_VOICE, ContributionKind.FAMILY_VIEW}
_UPDATE = "\n\nUpdate: the visual timetable is now used every day."
_ACTION_STATUS = (ActionStatus.DONE, ActionStatus.OPEN)
_FAMILY_VIEW = ("Our view at home", "{first} chats all the time at home and loves telling us about animals.\n\n"
                "We would like {first} to feel confident to ask for help.")
_PLACEHOLDER = "QQFIRSTQQ"  # each template is rendered to HTML once; the learner's name goes in afterwards
_rendered: dict[str, str] = {}




def _template(kind: ContributionKind, layout: LearnerLayout, n: int) -> tuple[str, str]:
    """(title, body) with the placeholder where the learner's name goes."""
    area, first = layout.areas[0], _PLACEHOLDER
    if kind is ContributionKind.CLASSROOM_VIEW:
        return f"Classroom view, {first}", CLASSROOM_VIEWS[area].format(first=first)
    if kind is ContributionKind.INTERVENTION_RECORD:
        title, body = INTERVENTIONS[area]
        return title, body.format(first=first)
    if kind is ContributionKind.LEARNER_VOICE:
        title, body = LEARNER_VOICE
        return title.format(first=first), body.format(first=first, likes=LIKES[n % len(LIKES)])
    if kind is ContributionKind.SLT_ASSESSMENT:
        return SLT_ASSESSMENT
    if kind is ContributionKind.EP_ASSESSMENT:
        return EP_ASSESSMENT
    title, body = _FAMILY_VIEW
    return title, body.format(first=first)


def _writing(template: str, first: str) -> tuple[str, str]:
    """(source, safe HTML) of a template for a learner, as writing.write makes them; each template rendered once."""
    html = _rendered.get(template)
    if html is None:
        html = _rendered[template] = render_writing(template)
    return template.replace(_PLACEHOLDER, first), html.replace(_PLACEHOLDER, escape(first))
