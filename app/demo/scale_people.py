"""The authority `flask demo scale` builds: its schools, staff, professionals, families and learners, as plain values.

Everything here is drawn from the seed alone (one random.Random per school, per service, per learner), so any part
of the authority can be recomputed at any time, in any order: what lets a resumed build make the same rows.
Every name is invented, from the lists below; none belongs to the small demo (its agencies keep their names).
"""
from __future__ import annotations

import base64
import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property

from app.agencies.accounts.models import AgencyKind, Role
from app.cases.learners.models import AreaOfNeed
from app.cases.plans.models import CycleStage

FIRST_NAMES = (
    "Aaliyah", "Adam", "Alfie", "Amara", "Archie", "Ava", "Ayesha", "Ben", "Bilal", "Callum", "Chidi", "Daisy",
    "Darius", "Eleanor", "Elif", "Emily", "Erin", "Ewan", "Fatima", "Finley", "Florence", "George", "Hamza",
    "Harper", "Ibrahim", "Imogen", "Isaac", "Ivy", "Jack", "Jasmine", "Jayden", "Kai", "Keira", "Layla", "Leah",
    "Logan", "Lucas", "Luna", "Maisie", "Malik", "Mason", "Mia", "Milo", "Nadia", "Nathan", "Niamh", "Olivia",
    "Omar", "Oscar", "Phoebe", "Poppy", "Rafael", "Rhys", "Riya", "Rosie", "Rory", "Ruby", "Sami", "Sienna",
    "Sophie", "Tariq", "Teddy", "Thea", "Tobias", "Ummi", "Vanessa", "Willow", "Yusuf", "Zainab", "Zach",
)
SURNAMES = (
    "Abbott", "Achebe", "Ali", "Atkinson", "Baker", "Banerjee", "Barnes", "Begum", "Bell", "Brown", "Campbell",
    "Chen", "Collins", "Cooper", "Davies", "Dixon", "Doyle", "Edwards", "Ellis", "Farah", "Fisher", "Foster",
    "Gill", "Green", "Hall", "Harris", "Hill", "Hussain", "Iqbal", "Jackson", "James", "Kaur", "Kelly", "Khan",
    "Lewis", "Lloyd", "Malik", "Marshall", "Mason", "Mills", "Mitchell", "Murphy", "Nguyen", "Novak", "Obi",
    "Owen", "Parker", "Patel", "Phillips", "Price", "Quinn", "Reid", "Richards", "Roberts", "Rossi", "Scott",
    "Singh", "Smith", "Stewart", "Taylor", "Turner", "Usman", "Walker", "Ward", "Watson", "White", "Wood",
    "Wright", "Yilmaz", "Young",
)
PLACES = (
    "Ashbrook", "Beechwood", "Birchfield", "Blackthorn", "Bramley", "Brookside", "Castlegate", "Cedar Park",
    "Church Lane", "Clifton", "Copperfield", "Crossways", "Daleside", "Elmhurst", "Fairfield", "Fernhill",
    "Foxwood", "Glenfield", "Greenacres", "Hawthorn", "Hazelmere", "Highfield", "Hillcrest", "Holly Bank",
    "Kingsmead", "Lakeside", "Larkrise", "Linden", "Longmeadow", "Maple Grove", "Meadowbank", "Millbrook",
    "Moorside", "Northgate", "Orchard Vale", "Parkside", "Primrose Hill", "Queensway", "Redwood", "Rosehill",
)
SCHOOL_KINDS = ("Primary School", "Community Primary School", "Church of England Primary School",
                "Infant and Junior School", "Academy Primary")
AREAS = ("Northern", "Southern", "Eastern", "Western", "Central", "Coastal", "Valley", "Uplands")
STREETS = ("Mill Lane", "Station Road", "Park Avenue", "Church Street", "Victoria Road", "The Green", "Elm Close",
           "King Street", "Queens Drive", "Orchard Way")

SECONDARY_NAME = "Kingsbridge Academy"  # the authority's one large secondary
MIN_SCHOOL_STAFF = 5  # a SENCo, a DSL, an administrator, a class teacher and a learning support practitioner


@dataclass(frozen=True)
class ScaleCounts:
    """How much to build: every count follows from the number of learners (the issue's ratios)."""

    learners: int
    big_school: int
    schools: int
    staff_per_learner: float = 0.2
    professionals: int = 0
    contributions_per_learner: int = 50
    meetings_per_learner: int = 2
    cpd_per_learner: int = 10
    audit_per_learner: int = 200

    @classmethod
    def for_learners(cls, learners: int, big_school: int | None = None, schools: int | None = None,
                     audit_per_learner: int = 200) -> ScaleCounts:
        if learners < 1:
            raise ValueError("an authority has at least one learner")
        big = min(learners, learners // 5 if big_school is None else big_school)
        big = max(big, 1)
        if schools is None:
            schools = max(1, learners // 50)
        others = learners - big
        schools = 1 if others == 0 else max(2, min(schools, others + 1))
        return cls(learners=learners, big_school=big, schools=schools, professionals=max(2, round(learners * 0.03)),
                   audit_per_learner=audit_per_learner)

    @property
    def contributions(self) -> int:
        return self.learners * self.contributions_per_learner

    @property
    def meetings(self) -> int:
        return self.learners * self.meetings_per_learner

    @property
    def cpd_entries(self) -> int:
        return self.learners * self.cpd_per_learner

    @property
    def audit_events(self) -> int:
        return self.learners * self.audit_per_learner


def public_id_from(rng: random.Random) -> str:
    """A public id drawn from the seed, in the shape of app.types.new_public_id (22 URL-safe characters)."""
    return base64.urlsafe_b64encode(rng.randbytes(16)).rstrip(b"=").decode()


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")


@dataclass(frozen=True)
class Person:
    public_id: str
    name: str
    email: str
    role: Role
    fte: Decimal = Decimal("1.00")


@dataclass
class Agency:
    public_id: str
    name: str
    kind: AgencyKind
    people: list[Person] = field(default_factory=list)

    def of(self, role: Role) -> list[Person]:
        return [person for person in self.people if person.role is role]


@dataclass
class School(Agency):
    number: int = 0
    learners: int = 0
    secondary: bool = False


@dataclass(frozen=True)
class LearnerLayout:
    """One fictional learner and their case: who is on it, how far their plan has come, how much is written."""

    index: int
    public_id: str
    school: int
    name: str
    preferred_name: str | None
    date_of_birth: date
    year_group: int
    upn: str
    areas: tuple[AreaOfNeed, ...]
    stage: CycleStage
    closed_cycles: int
    teacher: int  # index into the school's teachers
    lsp: int  # index into the school's learning support practitioners
    slt: int | None  # index into the authority's speech and language therapists
    ep: int | None  # index into the authority's educational psychologists
    parent: bool
    contributions: int
    seed: str  # of this learner's own random draws in later phases

    @property
    def first(self) -> str:
        return (self.preferred_name or self.name).split()[0]


def _rng(seed, *parts) -> random.Random:
    # A string seed is hashed (SHA-512) by random.Random: the same on every run and platform.
    return random.Random("|".join(str(part) for part in (seed, *parts)))


def _person_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"


class Authority:
    """The whole fictional authority for one seed and one set of counts."""

    def __init__(self, seed: int, counts: ScaleCounts, anchor: date):
        self.seed, self.counts, self.anchor = seed, counts, anchor
        # Every draw depends on the seed and the sizes: another size is another authority, never a mix of two.
        self.key = f"{seed}/{counts.learners}/{counts.big_school}/{counts.schools}"

    # --- schools and their staff

    @cached_property
    def schools(self) -> list[School]:
        counts = self.counts
        others = counts.schools - 1
        rest = counts.learners - counts.big_school
        names = [f"{place} {kind}" for kind in SCHOOL_KINDS for place in PLACES]
        schools = []
        for number in range(counts.schools):
            rng = _rng(self.key, "school", number)
            if number == 0:
                name, pupils = SECONDARY_NAME, counts.big_school
            else:
                name = names[(number - 1) % len(names)]
                if number - 1 >= len(names):
                    name = f"{name} ({(number - 1) // len(names) + 1})"
                pupils = rest // others + (1 if number - 1 < rest % others else 0)
            school = School(public_id_from(rng), name, AgencyKind.SCHOOL, number=number, learners=pupils,
                            secondary=number == 0)
            domain = f"{slug(name)}.example"
            staff = max(MIN_SCHOOL_STAFF, round(pupils * counts.staff_per_learner))
            roles = [Role.SENCO, Role.DSL, Role.ADMIN]
            teachers = max(1, round((staff - 3) * 0.55))
            roles += [Role.TEACHER] * teachers + [Role.LSP] * max(1, staff - 3 - teachers)
            for j, role in enumerate(roles):
                name_of = _person_name(rng)
                if role in (Role.SENCO, Role.DSL, Role.ADMIN):
                    email = f"{role.value}@{domain}"  # one each: a bench signs in as senco@<school>.example
                else:
                    email = f"{slug(name_of).replace('-', '.')}.{j}@{domain}"
                fte = Decimal("1.00") if rng.random() < 0.7 else Decimal(rng.choice(("0.40", "0.60", "0.80")))
                school.people.append(Person(public_id_from(rng), name_of, email, role, fte))
            schools.append(school)
        return schools

    def school_of(self, index: int) -> int:
        counts = self.counts
        if index < counts.big_school:
            return 0
        return 1 + (index - counts.big_school) % (counts.schools - 1)

    # --- external professionals: speech and language therapists and educational psychologists

    @cached_property
    def services(self) -> list[Agency]:
        total = self.counts.professionals
        slts, eps = total // 2, total - total // 2
        services = []
        for kind, role, count, title in ((AgencyKind.NHS_SERVICE, Role.SLT, slts,
                                          "{area} Children's Speech and Language Therapy"),
                                         (AgencyKind.EP_SERVICE, Role.EP, eps,
                                          "{area} Educational Psychology Service")):
            per_service = 30
            service_count = max(1, -(-count // per_service))
            for number in range(service_count):
                rng = _rng(self.key, "service", role.value, number)
                area = AREAS[number % len(AREAS)] + (f" {number // len(AREAS) + 1}" if number >= len(AREAS) else "")
                name = title.format(area=area)
                service = Agency(public_id_from(rng), name, kind)
                domain = f"{slug(name)}.example"
                for j in range(number * per_service, min(count, (number + 1) * per_service)):
                    person_name = _person_name(rng)
                    title_name = f"Dr {person_name}" if role is Role.EP and rng.random() < 0.5 else person_name
                    service.people.append(Person(public_id_from(rng), title_name,
                                                 f"{slug(person_name).replace('-', '.')}.{j}@{domain}", role,
                                                 Decimal(rng.choice(("0.60", "0.80", "1.00")))))
                services.append(service)
        return services

    def professionals(self, role: Role) -> list[Person]:
        return [person for service in self.services for person in service.of(role)]

    def linked(self, role: Role, school: int) -> list[int]:
        """Indexes of the professionals of `role` who work with `school`: each works with several schools."""
        count = len(self.professionals(role))
        if count == 0:
            return []
        reach = min(count, 3)
        first = (school * 7) % count
        return [(first + step) % count for step in range(reach)]

    # --- families: a parent or carer of some learners, with a family of their own

    def family(self, layout: LearnerLayout) -> Agency:
        rng = _rng(self.key, "family", layout.index)
        surname = layout.name.split()[-1]
        parent_name = f"{rng.choice(FIRST_NAMES)} {surname}"
        # A family's name is unique in Braid (its blind index): the street tells two families of one name apart.
        name = f"The {surname} family, {rng.randint(1, 180)} {rng.choice(STREETS)} ({layout.index})"
        family = Agency(public_id_from(rng), name, AgencyKind.FAMILY)
        family.people.append(Person(public_id_from(rng), parent_name,
                                    f"{slug(parent_name).replace('-', '.')}.{layout.index}@family.example",
                                    Role.PARENT))
        return family

    # --- learners

    def learner(self, index: int) -> LearnerLayout:
        rng = _rng(self.key, "learner", index)
        school_number = self.school_of(index)
        school = self.schools[school_number]
        secondary = school.secondary
        year_group = rng.randint(7, 11) if secondary else rng.randint(0, 6)
        born = date(self.anchor.year - year_group - 5, 9, 1) - timedelta(days=rng.randint(0, 364))
        name = _person_name(rng)
        preferred = name.split()[0][:3] if rng.random() < 0.1 else None
        areas = tuple(rng.sample(list(AreaOfNeed), rng.choice((1, 1, 2))))
        stage = rng.choice((CycleStage.ASSESS, CycleStage.PLAN, CycleStage.DO, CycleStage.DO, CycleStage.REVIEW))
        slts, eps = self.linked(Role.SLT, school_number), self.linked(Role.EP, school_number)
        slt = rng.choice(slts) if slts and (AreaOfNeed.COMMUNICATION_INTERACTION in areas or rng.random() < 0.15) \
            else None
        ep = rng.choice(eps) if eps and rng.random() < 0.3 else None
        # Every tenth learner has exactly the average: the plan page's bench opens one of them.
        contributions = 50 if index % 10 == 0 else rng.randint(30, 70)
        upn = f"S{index:09d}{rng.randint(100, 999)}"
        return LearnerLayout(
            index=index, public_id=public_id_from(rng), school=school_number, name=name, preferred_name=preferred,
            date_of_birth=born, year_group=year_group, upn=upn, areas=areas, stage=stage,
            closed_cycles=rng.choice((0, 1, 1, 2)), teacher=rng.randrange(len(school.of(Role.TEACHER))),
            lsp=rng.randrange(len(school.of(Role.LSP))), slt=slt, ep=ep, parent=rng.random() < 0.25,
            contributions=contributions, seed=f"{self.key}|case|{index}",
        )
