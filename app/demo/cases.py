"""Demo cases at Oakfield: about two dozen fictional learners at every stage of the graduated approach.

Every name, date and story here is invented. Built only through the services a user would use,
so the demo shows each capability working: teams, invitations, plans in cycles, contributions with
history, meetings with actions and signed-off versions, and safeguarding concerns.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from app.agencies.accounts.models import Role, User
from app.cases.contributions.models import ContributionKind, Visibility
from app.cases.learners.models import AreaOfNeed, Learner
from app.cases.learners.services import find_by_upn, register_learner
from app.cases.meetings.models import Attendance, MeetingKind
from app.cases.meetings.services import reviewable_outcomes
from app.cases.plans.models import CycleStage, ProgressRating, SupportPlan
from app.core.dates import today as school_today
from app.demo.break_glass import load_demo_break_glass
from app.demo.concerns import record_demo_concern
from app.demo.contributions import add_demo_contribution
from app.demo.meetings import record_demo_meeting
from app.demo.plans import build_demo_mistaken_move, build_demo_plan
from app.demo.team import add_demo_team, demo_leaver, invite_demo_external, open_demo_invitation
from app.extensions import db
from app.types import utcnow

C, K, S, P = (AreaOfNeed.COMMUNICATION_INTERACTION, AreaOfNeed.COGNITION_LEARNING, AreaOfNeed.SEMH,
              AreaOfNeed.SENSORY_PHYSICAL)


@dataclass(frozen=True)
class CaseStory:
    name: str
    preferred_name: str | None
    date_of_birth: date
    year_group: int
    upn: str
    areas: tuple[AreaOfNeed, ...]
    notes: str
    stage: CycleStage
    closed_cycles: int
    slt: bool = False
    ep: bool = False


# The first three are the learners the demo has always had; the rest join them.
STORIES = (
    CaseStory("Maya Carter", None, date(2018, 5, 14), 3, "C801200001015", (C,), "", CycleStage.DO, 1,
              slt=True, ep=True),
    CaseStory("Leo Nowak", "Leo", date(2016, 11, 2), 5, "F801200002020", (K, P), "", CycleStage.REVIEW, 1, ep=True),
    CaseStory("Aisha Rahman", "Ash", date(2019, 9, 23), 2, "M801200003025", (S,), "", CycleStage.PLAN, 0),
    CaseStory("Oliver Bennett", "Ollie", date(2017, 2, 8), 4, "Q801200004030", (C,),
              "Oliver has a diagnosis of developmental language disorder and uses a word mat in every lesson.",
              CycleStage.DO, 2, slt=True),
    CaseStory("Sofia Marques", None, date(2016, 7, 19), 5, "X801200005035", (K,),
              "Sofia finds number facts hard to recall; she enjoys practical maths with resources.",
              CycleStage.REVIEW, 1),
    CaseStory("Ethan Clarke", None, date(2018, 12, 1), 2, "A801200006040", (S, C),
              "Ethan is settling after a move from another school and likes a job to do "
              "at the start of the day.",
              CycleStage.ASSESS, 0, slt=True),
    CaseStory("Zara Ahmed", None, date(2015, 4, 27), 6, "G801200007045", (P,),
              "Zara has a hearing impairment and wears hearing aids; a radio aid is used in class.",
              CycleStage.DO, 1),
    CaseStory("Noah Williams", None, date(2017, 9, 3), 3, "K801200008050", (K, S),
              "Noah works hard in reading interventions and responds well to praise for effort.",
              CycleStage.PLAN, 1, ep=True),
    CaseStory("Amelia Jones", "Millie", date(2019, 1, 16), 2, "R801200009055", (C,),
              "Millie is a selective talker at school and talks freely at home.",
              CycleStage.DO, 0, slt=True),
    CaseStory("Harry Thompson", None, date(2016, 3, 30), 5, "W801200010060", (S,),
              "Harry can find unstructured times difficult; a lunchtime club helps.",
              CycleStage.REVIEW, 2),
    CaseStory("Isla Robertson", None, date(2018, 6, 22), 3, "C801200011065", (P, K),
              "Isla has dyspraxia; she uses a sloped board and pencil grip for writing.",
              CycleStage.DO, 1),
    CaseStory("Mohammed Hussain", "Mo", date(2015, 10, 11), 6, "F801200012070", (K,),
              "Mo is preparing for transition to secondary school and likes to know what is coming.",
              CycleStage.PLAN, 2, ep=True),
    CaseStory("Grace O'Connor", None, date(2017, 8, 5), 4, "M801200013075", (C, S),
              "Grace is autistic; visual supports and advance warning of changes help her.",
              CycleStage.DO, 1, slt=True),
    CaseStory("Jacob Evans", None, date(2019, 3, 9), 1, "Q801200014080", (C,),
              "Jacob's speech is hard for unfamiliar adults to understand.",
              CycleStage.ASSESS, 0),
    CaseStory("Lily Patel", None, date(2016, 12, 14), 5, "X801200015085", (K,),
              "Lily has dyslexia and uses a reading pen and coloured overlay.",
              CycleStage.REVIEW, 1),
    CaseStory("Samuel Adeyemi", "Sam", date(2018, 1, 25), 3, "A801200016090", (S,),
              "Sam can become overwhelmed in busy spaces; a quiet start to the day helps.",
              CycleStage.DO, 0),
    CaseStory("Freya Morgan", None, date(2017, 5, 2), 4, "G801200017095", (P,),
              "Freya has a visual impairment; enlarged resources and good lighting are in place.",
              CycleStage.PLAN, 1),
    CaseStory("Daniel Kowalski", "Dan", date(2015, 11, 20), 6, "R801200018100", (K, S),
              "Dan enjoys science and is working on organising his homework.",
              CycleStage.DO, 2),
    CaseStory("Chloe Henderson", None, date(2019, 7, 7), 1, "Y801200019105", (C,),
              "Chloe is learning to use a simple picture exchange system at snack time.",
              CycleStage.ASSESS, 0),
    CaseStory("Reuben Shaw", None, date(2016, 9, 28), 5, "C801200020110", (S,),
              "Reuben has a trusted adult he checks in with each morning.",
              CycleStage.DO, 1),
    CaseStory("Hana Suzuki", None, date(2018, 10, 13), 3, "J801200021115", (K,),
              "Hana is new to English and making rapid progress; needs are being assessed carefully.",
              CycleStage.ASSESS, 0),
    CaseStory("Theo Walsh", None, date(2017, 12, 4), 4, "M801200022120", (P, C),
              "Theo has cerebral palsy and uses a walking frame; physiotherapy advice is followed in PE.",
              CycleStage.REVIEW, 1),
    CaseStory("Evie Grant", None, date(2016, 4, 18), 5, "U801200023125", (S, K),
              "Evie is working with the learning mentor on managing worries about tests.",
              CycleStage.DO, 1),
    CaseStory("Arjun Mehta", None, date(2015, 2, 21), 6, "X801200024130", (C,),
              "Arjun has a stammer; the class knows to give him time to finish.",
              CycleStage.PLAN, 1),
)

# Invented words from each role, chosen by the learner's first area of need.
CLASSROOM_VIEWS = {
    C: "{first} joins in well in small groups but rarely answers in whole-class discussion. "
       "Visual prompts on the table help {first} start tasks independently.\n\n"
       "- Follows two-part instructions when they are shown as well as said\n"
       "- Needs extra thinking time before answering",
    K: "{first} is keen and tries hard; working memory makes copying from the board slow. "
       "Chunked tasks with a checklist are working well.\n\n"
       "- Reading age about eighteen months below chronological age\n"
       "- Good oral answers, written work much shorter",
    S: "{first} settles best with a predictable routine and a warm greeting at the door.\n"
       "Afternoons after lunch are the hardest time; a movement break helps.",
    P: "{first} manages the classroom well with the adaptations in place.\n"
       "Seating near the front and enlarged resources make a clear difference.",
}
INTERVENTIONS = {
    C: ("Language group, weeks 1-6", "Six sessions of small-group vocabulary work (Word Aware). "
        "{first} learnt 14 of 18 target words and now uses 'before' and 'after' correctly."),
    K: ("Precision teaching, first half term", "Daily ten-minute precision teaching of high-frequency words. "
        "{first} moved from 12 to 31 words read automatically."),
    S: ("Emotion coaching check-ins", "Morning check-ins using a 1-5 feelings scale. "
        "{first} used the calm corner independently three times this fortnight."),
    P: ("Fine motor programme", "Twice-weekly fine motor circuit (threading, pegboards, tweezers). "
        "{first} now forms most letters correctly on a sloped board."),
}
LEARNER_VOICE = ("What {first} told us", "“I like it when I know what is happening next. "
                 "I don't like it when it is noisy. My favourite thing is {likes}.”")
LIKES = ("drawing", "football", "Lego", "reading with Mr Fletcher", "science experiments", "music")
# Typed as anyone would: headings, paragraphs and lists in the Markdown subset (app.security.sanitize).
SLT_ASSESSMENT = ("Speech and language assessment", "## Assessment\n\nCELF-5 core language score in the "
                  "low average range; expressive vocabulary a **relative weakness**.\n\n## Advice\n\n"
                  "- Pre-teach topic vocabulary with pictures\n- Give one instruction at a time\n"
                  "- Model correct sentences rather than correcting errors")
EP_ASSESSMENT = ("Educational psychology consultation", "## What we found\n\nVerbal reasoning is a "
                 "**strength**; processing speed and working memory are areas of difficulty.\n\n"
                 "## What this means in class\n\nLong instructions and copying from the board overload "
                 "working memory, so tasks are left unfinished.\nWhen steps are written down one at a time, "
                 "the work is completed and accurate.\n\n"
                 "## Recommendations\n\n1. Reduce copying; provide printed notes\n"
                 "2. Use a task planner with ticks for each step\n3. Review in one term")
FAMILY_VIEW = ("Our view at home", "Maya chats all the time at home and loves telling us about animals.\n\n"
               "She gets tired after school and sometimes upset if she did not understand something. "
               "Bedtime stories about her day help her talk about it.\n\n"
               "We would like her to feel confident to ask for help.")
PHONICS_WEEKS = (
    "Blended **s-a-t** and **p-i-n** words with picture cards; needed the sound buttons for three of ten.",
    "Read eight of ten CVC words unaided. Lost focus after ten minutes; the sand timer helped her come back.",
    "Introduced **sh** and **ch**. Mixed them up in reading, but wrote *ship* and *chip* correctly.",
    "A quieter week: tired after swimming. Kept to review cards and she finished the set.",
    "Read a decodable book to the group for the first time, and asked for a harder one next week.",
    "Segmented four-sound words (*frog*, *stop*) with counters. Ready to try the next set of cards.",
)


# What the review meetings rate each outcome (varied by learner and outcome); the later review goes further.
MID_CYCLE_RATINGS = (ProgressRating.PARTLY_MET, ProgressRating.NOT_MET)
MID_CYCLE_COMMENT = "Seen with support in class; not yet on their own."
END_OF_CYCLE_RATINGS = (ProgressRating.MET, ProgressRating.PARTLY_MET, ProgressRating.EXCEEDED)
END_OF_CYCLE_COMMENT = "Seen in four of the last five weeks, in class and in the intervention group."


def _first(learner: Learner) -> str:
    return (learner.preferred_name or learner.name).split()[0]


def _account(email: str) -> User:
    return db.session.scalars(select(User).where(User.email.matches(email))).one()


def _register(senco: User, story: CaseStory) -> Learner:
    learner = find_by_upn(senco, story.upn)
    if learner is None:
        learner = register_learner(senco, name=story.name, preferred_name=story.preferred_name,
                                   date_of_birth=story.date_of_birth, year_group=story.year_group,
                                   upn=story.upn, notes=story.notes, areas_of_need=list(story.areas))
    return learner


def _has_plan(learner: Learner) -> bool:
    return db.session.scalar(select(SupportPlan.id).where(SupportPlan.learner_id == learner.id)) is not None


def load_demo_cases() -> int:
    """Build every demo case that is not there yet; returns how many were built. Only flushes."""
    senco, lsp, teacher, dsl = (_account(f"{role}@oakfield.example") for role in ("senco", "lsp", "teacher", "dsl"))
    slt, ep, parent = (_account("slt@riverside-slt.example"), _account("ep@county-eps.example"),
                       _account("parent@family.example"))
    now, today = utcnow(), school_today()
    built = 0
    for n, story in enumerate(STORIES):
        learner = _register(senco, story)
        if _has_plan(learner):
            continue
        built += 1
        first = _first(learner)
        add_demo_team(senco, learner, [lsp, teacher] + ([dsl] if story.areas[0] is S else []))
        if story.slt:
            invite_demo_external(senco, learner, slt, now + timedelta(days=180))
        if story.ep:
            # The EP's work with Mohammed has finished: that invitation has expired.
            ends = now - timedelta(days=20) if story.name == "Mohammed Hussain" else now + timedelta(days=120)
            invite_demo_external(senco, learner, ep, ends)
        if story.name == "Maya Carter":
            invite_demo_external(senco, learner, parent, now + timedelta(days=365))
        if story.name == "Leo Nowak":
            # Sent two days ago to a speech and language therapist new to Braid, not yet accepted: "Revoke" shows.
            open_demo_invitation(senco, learner, email="amira.haddad@riverside-slt.example",
                                 display_name="Amira Haddad", agency_id=slt.agency_id, role=Role.SLT, sent_days_ago=2)
        build_demo_plan(senco, learner, stage=story.stage, closed_cycles=story.closed_cycles, owner=lsp)
        if story.name == "Mohammed Hussain":
            # Team history: the DSL supported Mo through a hard autumn and has left the case; the EP's has expired.
            demo_leaver(senco, learner, dsl, joined_days_ago=150, left_days_ago=45)
        if story.name == "Aisha Rahman":
            build_demo_mistaken_move(senco, learner)  # stage history: moved on too early, moved back the same day

        area = story.areas[0]
        add_demo_contribution(teacher, learner, ContributionKind.CLASSROOM_VIEW, Visibility.TEAM,
                              f"Classroom view, {first}", CLASSROOM_VIEWS[area].format(first=first),
                              edits=([CLASSROOM_VIEWS[area].format(first=first)
                                      + "\n\nUpdate: the visual timetable is now used every day."]
                                     if n % 3 == 0 else []))
        title, body = INTERVENTIONS[area]
        add_demo_contribution(lsp, learner, ContributionKind.INTERVENTION_RECORD, Visibility.TEAM, title,
                              body.format(first=first))
        title, body = LEARNER_VOICE
        add_demo_contribution(lsp, learner, ContributionKind.LEARNER_VOICE, Visibility.TEAM_AND_FAMILY,
                              title.format(first=first), body.format(first=first, likes=LIKES[n % len(LIKES)]))
        if story.slt:
            add_demo_contribution(slt, learner, ContributionKind.SLT_ASSESSMENT, Visibility.TEAM, *SLT_ASSESSMENT)
        if story.ep and story.name != "Mohammed Hussain":
            add_demo_contribution(ep, learner, ContributionKind.EP_ASSESSMENT, Visibility.TEAM, *EP_ASSESSMENT)
        if story.name == "Maya Carter":
            add_demo_contribution(parent, learner, ContributionKind.FAMILY_VIEW, Visibility.TEAM_AND_FAMILY,
                                  *FAMILY_VIEW)
            add_demo_contribution(teacher, learner, ContributionKind.CLASSROOM_VIEW, Visibility.RESTRICTED,
                                  "Note for the SENCo",
                                  "Maya mentioned a change at home; passing on for context.")
            # A term of the LSP's weekly notes: her plan page shows the newest ten and the way to the rest.
            for week, note in enumerate(PHONICS_WEEKS, start=1):
                add_demo_contribution(lsp, learner, ContributionKind.INTERVENTION_RECORD, Visibility.TEAM,
                                      f"Phonics group, week {week}", note)

        if story.stage in (CycleStage.DO, CycleStage.REVIEW):
            record_demo_meeting(
                lsp, learner, kind=MeetingKind.PLANNING, held_on=today - timedelta(days=40 + n), chair=senco,
                attendees={senco: Attendance.PRESENT, lsp: Attendance.PRESENT, teacher: Attendance.PRESENT}
                | ({slt: Attendance.APOLOGIES} if story.slt else {})
                | ({parent: Attendance.PRESENT} if story.name == "Maya Carter" else {}),
                others=["Family member (by phone)"] if n % 2 else [],
                agenda="1. Views of the learner and family\n2. Outcomes for this cycle\n"
                       "3. Provision and who delivers it",
                minutes=f"We heard {first}'s views and agreed what success looks like this term.\n\n"
                        "The class teacher described what is working in class.",
                decisions="- Continue the current intervention three times a week\n"
                          "- Share the visual timetable with home",
                actions=[(f"Send home a copy of {first}'s visual timetable", teacher,
                          today + timedelta(days=5 + n % 9)),
                         ("Book the review meeting", senco, today + timedelta(days=20 + n % 15)),
                         ("Update the intervention record", lsp, today + timedelta(days=2 + n % 6))],
                shared_with_family=True, sign_off=True,
            )
        if story.stage is CycleStage.REVIEW:
            # Ratings of signed-off meetings become the outcomes' progress on the plan: a mid-cycle review
            # gives the first ones; the end-of-cycle review supersedes them once signed off (Leo's is).
            outcomes = reviewable_outcomes(learner)
            record_demo_meeting(
                lsp, learner, kind=MeetingKind.REVIEW, held_on=today - timedelta(days=30 + n), chair=senco,
                attendees={senco: Attendance.PRESENT, lsp: Attendance.PRESENT, teacher: Attendance.PRESENT},
                others=[], agenda="Mid-cycle check on this cycle's outcomes.",
                minutes=f"{first} is making steady progress; the support is working and continues as planned.",
                decisions="Keep the current provision until the end-of-cycle review.",
                actions=[], shared_with_family=True, sign_off=True,
                outcome_reviews={outcome: (MID_CYCLE_RATINGS[(n + i) % len(MID_CYCLE_RATINGS)], MID_CYCLE_COMMENT)
                                 for i, outcome in enumerate(outcomes)},
            )
            signed = story.name == "Leo Nowak"
            record_demo_meeting(
                lsp, learner, kind=MeetingKind.REVIEW, held_on=today - timedelta(days=2), chair=senco,
                attendees={senco: Attendance.PRESENT, lsp: Attendance.PRESENT, teacher: Attendance.APOLOGIES},
                others=[], agenda="Review of this cycle's outcomes.",
                minutes=(f"{first} has made good progress towards most outcomes." if signed else
                         f"Draft minutes: {first} has made good progress towards most outcomes."),
                decisions=("Close the cycle with these ratings; carry forward what is not yet met." if signed
                           else "To be agreed when the record is signed off."),
                actions=[("Write up the review summary", senco, today + timedelta(days=3))],
                shared_with_family=False, sign_off=signed,
                outcome_reviews={outcome: (END_OF_CYCLE_RATINGS[(n + i) % len(END_OF_CYCLE_RATINGS)],
                                           END_OF_CYCLE_COMMENT) for i, outcome in enumerate(outcomes)},
            )
        if story.name == "Harry Thompson":
            record_demo_concern(teacher, learner, "Harry arrived without a coat on three cold mornings this week "
                                "and said he had not had breakfast.", dsl=dsl,
                                action_taken="Spoke with mum, who is between jobs; referred to the school's breakfast "
                                             "club and the family support worker. Review in two weeks.")
        if story.name == "Samuel Adeyemi":
            record_demo_concern(lsp, learner, "Sam said an older child outside school has been taking his lunch "
                                "money and told him not to tell anyone.")
        db.session.flush()
    load_demo_break_glass(dsl, senco)  # an ended break-glass hour, for the DSL's review
    return built
