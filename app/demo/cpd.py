"""Demo CPD logs: the LSP's year so far (one entry withdrawn), goals and signed annual review; a few entries for the
SLT and EP.

Every word here is invented. Dates are counted from the start of the practitioner's current CPD year
(an INSET day on its first weekday, a webinar three weeks in, ...). The autumn's entries are always
written — squeezed into the days so far when the year is younger than the autumn — and later ones
only once their date has come, so the log always looks like this year so far. Case-work entries reflect on the
demo's own meetings and contributions, dated by them. Everything is written through the services the
pages use, so the audit trail records it. The practitioners' writing never names a learner.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from app.agencies.accounts.models import User
from app.cases.contributions.models import Contribution, ContributionKind
from app.cases.learners.models import Learner
from app.cases.learners.services import find_by_upn
from app.cases.meetings.models import Meeting, MeetingKind
from app.core.dates import today as school_today
from app.cpd.entries.models import ReflectiveEntry
from app.cpd.entries.services import EntryDraft, current_year, offer_for, record_entry, withdraw_entry
from app.cpd.goals.models import GoalStatus
from app.cpd.goals.services import GoalDraft, record_goal, update_goal
from app.cpd.reviews.models import Achieved, ReviewKind
from app.cpd.reviews.services import ReviewDraft, TargetDraft, record_review, sign_review
from app.extensions import db


@dataclass(frozen=True)
class DemoEntry:
    """One reflective entry. `day` counts from the CPD year's start; case work is dated by its work instead."""

    key: str
    day: int | None
    hours: str | None  # None: the hours the linked meeting offers
    activity_type: str
    participation: str
    model: str
    title: str
    content: str
    reflection: dict[str, str]
    action_what: str
    action_how: str
    action_in_days: int
    standards: tuple[str, ...]
    work: tuple[str, str, str] | None = None  # (learner UPN, "meeting" or "contribution", kind)
    withdrawn_because: str | None = None  # written, then withdrawn with this reason


# --- Tom Fletcher, learning support practitioner (0.6 FTE) --------------------------------------

LSP_ENTRIES = (
    DemoEntry(
        "inset-attachment", 0, "3", "inset_day", "participatory", "gibbs",
        "INSET: attachment-aware and trauma-informed practice",
        "Whole-staff training led by the virtual school's attachment lead: how early adversity affects a child's "
        "stress response and learning; the 'regulate, relate, reason' sequence; the difference between "
        "connection-seeking behaviour and defiance. We practised emotion-coaching scripts in pairs.",
        {"description": "The morning covered the science of the stress response; the afternoon was practical. "
                        "In pairs we role-played an emotion-coaching conversation with a pupil who will not come "
                        "back into class after lunch.",
         "feelings": "I was confident about the theory but exposed in the role play. My partner pointed out that I "
                     "jumped to a solution ('shall we go and get your book?') before the pupil felt heard, and I "
                     "recognised that from real situations.",
         "evaluation": "The role play was the most useful part because it showed me my own habit. The long section "
                       "on brain anatomy added little to what I already knew.",
         "analysis": "Perry's sequence explains why my solution-first approach often fails: a child who is still "
                     "dysregulated cannot yet 'reason'. My habit comes from wanting to get the pupil back to "
                     "learning quickly, which is a fair aim, but it skips the 'relate' step that makes the return "
                     "last. It links to AP 9 (learners feel safe and valued) and ETF 13 (wellbeing).",
         "conclusion": "Validating the feeling first does not waste learning time; it shortens the time before a "
                       "pupil is ready to learn. I could have asked to repeat the role play rather than watching "
                       "other pairs."},
        "Name and validate the feeling before suggesting any next step when a pupil is dysregulated",
        "Use the two-sentence script from the training and keep a tally in my planner for two weeks of how often I "
        "manage it; discuss the tally with the SENCo at our next 1:1",
        28, ("AP 9", "AP 3", "ETF 13"),
    ),
    DemoEntry(
        "reading-eef", 8, "0.75", "reading", "individual", "driscoll",
        "Reading: EEF guidance report 'Making best use of teaching assistants'",
        "Re-read the seven recommendations, concentrating on 3 to 5: support staff should add value to what "
        "teachers do rather than replace them, use a scaffolding framework that builds independence, and deliver "
        "structured interventions linked to classroom learning.",
        {"what": "I read the report before term started, mainly the section on interactions with pupils and the "
                 "scaffolding framework (self-scaffolding, prompting, clueing, modelling, correcting).",
         "so_what": "I realised how often I move straight to clueing or even correcting when a pupil hesitates, which "
                    "takes the thinking away from them. The research that pupils with the most adult support can "
                    "make less progress is uncomfortable, but this is one of the reasons it gives.",
         "now_what": "I want to allow more wait time and start with the least support, moving up the framework only "
                     "when a pupil is stuck, so that independence (AP 6, AP 11) is built rather than assumed."},
        "Work through the scaffolding framework in order and correct only as a last step",
        "Keep the framework on a card on my lanyard and ask the class teacher to note which level I use most in one "
        "observed session",
        42, ("AP 6", "AP 11", "ETF 9"),
    ),
    DemoEntry(
        "webinar-vocabulary", 22, "1", "webinar", "individual", "kolb",
        "Webinar: teaching tier 2 vocabulary to pupils with language needs",
        "A speech and language charity's webinar on choosing and teaching tier 2 words ('compare', 'predict', "
        "'explain'), the STAR approach (select, teach, activate, review) and checking that words are retained.",
        {"experience": "I watched the webinar after school and tried its word-selection activity on next week's "
                       "Year 4 science plans.",
         "reflection": "Most of the words I usually pre-teach are tier 3 topic words that the teacher teaches anyway. "
                       "The words pupils stumble over are in the instructions: 'describe', 'explain', 'compare'.",
         "conceptualisation": "Vocabulary is a strong predictor of reading comprehension, and tier 2 words carry "
                              "across subjects, so they repay teaching more than topic words. Spaced retrieval "
                              "matters more than one rich introduction.",
         "experimentation": "For my language group I will choose two tier 2 words a week from the class plans, teach "
                            "them with the STAR steps and review them at the start of each session. It has worked if "
                            "pupils use the words unprompted in class."},
        "Pre-teach two tier 2 words each week to my language group",
        "Ask for the class plans on Thursdays and track each word on a simple grid: taught, reviewed, used in class",
        21, ("CP 1", "AP 5", "ETF 8"),
    ),
    # Logged twice by mistake, then withdrawn: it stays in the log, marked withdrawn, and counts for nothing.
    DemoEntry(
        "webinar-vocabulary-again", 23, "1", "webinar", "individual", "driscoll",
        "Webinar on tier 2 vocabulary",
        "The speech and language charity's webinar on tier 2 words and the STAR approach.",
        {"what": "I watched the webinar on teaching tier 2 vocabulary.",
         "so_what": "The words pupils stumble over are in the instructions, not the topic words.",
         "now_what": "Pre-teach two tier 2 words a week to my language group."},
        "Pre-teach two tier 2 words each week", "From the class plans, reviewed at the start of each session",
        21, ("CP 1",),
        withdrawn_because="Logged twice by mistake: this webinar is already in my log.",
    ),
    DemoEntry(
        "peer-observation", 36, "1", "peer_observation", "participatory", "schon",
        "Peer observation: a colleague's precision teaching session",
        "Observed an experienced colleague delivering precision teaching to a small Year 3 group, then talked it "
        "through with her using the school's peer observation prompts.",
        {"in_action": "During the session I noticed she gave almost no praise during the one-minute probes, only "
                      "afterwards. It felt cold to me at first, so I watched the pupils' faces instead: they were "
                      "concentrating hard and seemed to enjoy the pace.",
         "on_action": "Afterwards she explained that praise in the middle of a probe breaks fluency, and that pupils "
                      "plotting their own score is the motivation. I had assumed constant praise is always good. "
                      "I will keep praise for effort when a pupil is anxious, but move the rest to the end and let "
                      "pupils chart their own progress (BP 6, BP 7)."},
        "Move praise to after the timed probe and let pupils plot their own scores",
        "Change my precision teaching routine this week and invite my colleague to observe me after half-term",
        35, ("AP 17", "BP 6", "BP 7", "ETF 10"),
    ),
    DemoEntry(
        "safeguarding-refresher", 51, "1.5", "online_training", "individual", "gibbs",
        "Online training: annual safeguarding refresher",
        "The annual refresher on Keeping Children Safe in Education: this year's changes, signs of neglect, "
        "recording concerns factually, and our procedure for passing concerns to the DSL.",
        {"description": "I completed the module and its quiz, then re-read the summary of our safeguarding policy.",
         "feelings": "Reassured that I know the procedure; uneasy about how I record. Looking back at my notes I "
                     "sometimes write my interpretation rather than what the child said.",
         "evaluation": "The case studies on recording were excellent; the section on online safety was generic.",
         "analysis": "Exact words matter because the DSL and other agencies may rely on them, and an interpretation "
                     "written as fact can mislead. This is what AP 14 (accurate records) and AP 15 (legal and "
                     "organisational requirements) ask of me.",
         "conclusion": "Write the child's words in quotation marks and keep what I saw apart from what I think."},
        "Record a concern with the pupil's exact words and my observations kept apart from my interpretation",
        "Use the 'said, saw, did' headings from the training in my notebook before I record a concern",
        14, ("AP 15", "AP 14", "ETF 12"),
    ),
    DemoEntry(
        "twilight-apdr", 64, "1.5", "inset_day", "participatory", "driscoll",
        "Twilight INSET: the graduated approach and SMART outcomes",
        "A SENCo-led twilight on the assess, plan, do, review cycle, writing SMART outcomes with pupils and families, "
        "and how support staff evidence progress against outcomes.",
        {"what": "With two class teachers I rewrote vague targets ('improve reading') as outcomes with a measure "
                 "and a date.",
         "so_what": "I realised my intervention records describe what we did rather than what changed for the "
                    "pupil, which leaves the review meeting to guess at impact (BP 3, BP 8).",
         "now_what": "Every intervention record I write will end with progress against the outcome it serves, with "
                     "a number wherever one exists."},
        "End every intervention record with progress against its outcome",
        "Add a 'progress against the outcome' heading to my record template and check three records with the SENCo "
        "at our next 1:1",
        21, ("BP 2", "BP 3", "BP 8"),
    ),
    DemoEntry(
        "network", 78, "1.5", "network_event", "participatory", "kolb",
        "Cluster network meeting for support staff",
        "The termly network of support staff from four local primary schools: early reading interventions and how "
        "each school maps and evaluates its provision.",
        {"experience": "I presented our language group for five minutes and listened to three other schools.",
         "reflection": "Explaining why we do things was harder than describing what we do. Another school's entry "
                       "and exit check for every intervention stood out.",
         "conceptualisation": "Without a baseline and an exit check nobody can say whether an intervention worked or "
                              "whether the pupil would have progressed anyway. Evaluating impact is part of BP 4 "
                              "and AP 16, not an extra.",
         "experimentation": "I will pilot an entry and exit check in my next six-week group and bring the results "
                            "to the next network meeting."},
        "Add a baseline and an exit check to my next six-week intervention",
        "Use the webinar's vocabulary checklist in weeks 1 and 6 and record both scores in the intervention record",
        49, ("AP 16", "AP 12", "ETF 7"),
    ),
    DemoEntry(
        "reading-mutism", 100, "0.75", "reading", "individual", "driscoll",
        "Reading: supporting selective talkers in school",
        "An article on selective mutism: anxiety rather than refusal, the 'sliding-in' technique, and removing the "
        "pressure to speak.",
        {"what": "I read the article after a staff briefing mentioned a pupil who talks at home but not at school.",
         "so_what": "I had thought of coaxing a pupil to answer as encouragement; the article shows it raises "
                    "anxiety. Commenting rather than questioning keeps communication open without pressure.",
         "now_what": "Use commenting language and non-verbal ways to respond in my groups, and talk to the SENCo "
                     "before trying anything more structured."},
        "Use comments instead of direct questions with pupils who find speaking in school hard",
        "Plan three commenting phrases for each group session and note which responses they draw",
        30, ("AP 4", "CP 2", "ETF 11"),
    ),
    DemoEntry(
        "webinar-assistive", 113, "1", "webinar", "individual", "gibbs",
        "Webinar: assistive technology for pupils with dyslexia",
        "Reading pens, text-to-speech and speech-to-text, and how to teach pupils to use them independently.",
        {"description": "A one-hour webinar with demonstrations of each tool.",
         "feelings": "Enthusiastic, but aware that our reading pens sit in a drawer most of the week.",
         "evaluation": "Clear demonstrations; little on how to build pupils' habits of using the tools.",
         "analysis": "A tool helps only if the pupil chooses to use it without an adult prompting; otherwise it "
                     "becomes one more form of adult support (AP 6).",
         "conclusion": "Teaching the routine matters as much as having the tool."},
        "Teach two pupils to choose the reading pen for themselves in class reading",
        "Model it, then fade my prompts over three weeks and record how often they pick it up unprompted",
        28, ("AP 5", "AP 6", "ETF 16"),
    ),
    DemoEntry(
        "inset-regulation", 124, "2", "inset_day", "participatory", "kolb",
        "INSET: a whole-school approach to regulation",
        "Introducing a shared language for feelings and regulation across the school, with the strategies each "
        "class will display.",
        {"experience": "We mapped the strategies already used in each class and agreed a common set.",
         "reflection": "Pupils moving between adults meet different words for the same thing; consistency is itself "
                       "support.",
         "conceptualisation": "Co-regulation comes before self-regulation; shared language makes co-regulation "
                              "predictable for pupils who find change hard.",
         "experimentation": "Use the agreed words in every group and check with class teachers that they match."},
        "Use the school's agreed regulation language in all my sessions",
        "Put the visual in my intervention room and ask each class teacher for their display",
        14, ("AP 9", "AP 10", "ETF 13"),
    ),
    DemoEntry(
        "observation-guided-reading", 150, "1", "observation_of_tla", "participatory", "schon",
        "Observation of guided reading in Year 5",
        "Observed a class teacher's guided reading lesson to align my reading intervention with it.",
        {"in_action": "I noticed the teacher asked pupils to find evidence before answering; my group answers from "
                      "memory. I started noting her question stems as she used them.",
         "on_action": "Using the same question stems in my group will make it a bridge back to class rather than a "
                      "separate world (AP 7, BP 1)."},
        "Use the class's guided reading question stems in my reading group",
        "Copy the stems into my planning and review with the teacher after four sessions",
        28, ("BP 1", "AP 7", "ETF 15"),
    ),
    DemoEntry(
        "documentary-autism", 175, "1", "documentary", "individual", "driscoll",
        "Documentary: growing up autistic, in young people's own words",
        "A documentary in which autistic young people describe school: noise, unexpected change and being "
        "misunderstood.",
        {"what": "I watched it at home and made notes on what the young people said helped.",
         "so_what": "Several described adults' kindness as 'too much talking'. Less language and more predictability "
                    "helped them most.",
         "now_what": "Reduce my language at transitions and give warnings of change visually."},
        "Give visual warnings of change and use fewer words at transitions",
        "Make a 'now and next' card set for my groups and use it for a half-term",
        35, ("AP 4", "ETF 5", "ETF 11"),
    ),
    DemoEntry(
        "standardisation", 195, "1", "standardisation", "participatory", "gibbs",
        "Standardisation of intervention records",
        "Support staff compared anonymised intervention records against the school's expectations.",
        {"description": "We read six records in pairs and rated them against the checklist.",
         "feelings": "Nervous before mine was read; encouraged afterwards.",
         "evaluation": "My records now state progress against outcomes; they are still long.",
         "analysis": "Readers want the measure and the next step first; detail can follow (AP 14, BP 8).",
         "conclusion": "Lead with the outcome and the number, then the detail."},
        "Start every intervention record with the measure and the next step",
        "Reorder my template and ask a colleague to read two records for clarity",
        21, ("AP 14", "BP 8", "ETF 7"),
    ),
    DemoEntry(
        "seminar-transition", 245, "1.5", "seminar", "participatory", "schon",
        "Seminar: transition to secondary school for pupils with SEND",
        "A local authority seminar on planning transition with pupils, families and secondary schools.",
        {"in_action": "When the speaker asked who starts transition work before the summer term, I realised we "
                      "start too late for the pupils who need it most.",
         "on_action": "Earlier, gradual exposure (visits, photos, a named adult) reduces anxiety. I will propose "
                      "an autumn start for next year's Year 6 pupils (CP 6, AP 8)."},
        "Propose an earlier, graduated transition plan for Year 6 pupils with SEND",
        "Draft a one-page plan with the SENCo and share it at the summer planning meeting",
        30, ("CP 6", "AP 8", "ETF 18"),
    ),
    DemoEntry(
        "shadowing-slt", 265, "2", "workplace_shadowing", "participatory", "driscoll",
        "Shadowing the speech and language therapist",
        "Spent a morning shadowing the visiting therapist's assessment and advice sessions.",
        {"what": "I watched two assessments and the therapist's feedback to class staff.",
         "so_what": "The therapist's advice is only as good as our follow-through between her visits.",
         "now_what": "Build the therapist's targets into my language group and report back before each visit."},
        "Report progress on the therapist's targets before each of her visits",
        "A short note to the SENCo a week before each visit",
        21, ("AP 12", "CP 4", "ETF 6"),
    ),
    DemoEntry(
        "inset-provision-review", 330, "1.5", "inset_day", "participatory", "kolb",
        "INSET: end-of-year review of provision",
        "The school reviewed which interventions worked this year, using entry and exit data.",
        {"experience": "I presented my groups' entry and exit checks.",
         "reflection": "The numbers made the conversation about pupils rather than opinions.",
         "conceptualisation": "Measured impact lets the school stop what does not work (AP 16).",
         "experimentation": "Keep entry and exit checks for every group next year."},
        "Keep entry and exit checks for every intervention next year",
        "Add the checks to my planning template before September",
        40, ("AP 16", "BP 4", "ETF 7"),
    ),
    # The CPD year before this one (negative days): the log names that year, and its page holds these.
    DemoEntry(
        "course-precision-teaching", -220, "3", "seminar", "participatory", "schon",
        "Course: precision teaching for reading and spelling",
        "A half-day course run by the local authority's SEND support service: probes, fluency aims and charting.",
        {"in_action": "In the practice task my first probe was far too long; the trainer helped me cut it to twelve "
                      "items so a pupil could finish it in a minute.",
         "on_action": "Short daily probes show progress a termly test hides, and pupils see it on the chart (AP 16)."},
        "Run a one-minute precision teaching probe daily with each reading-intervention pupil",
        "Set up a chart per pupil and review the aims with the SENCo at half term",
        30, ("AP 16", "AP 6", "ETF 9"),
    ),
    DemoEntry(
        "reading-send-code", -150, "1", "reading", "individual", "driscoll",
        "Reading: the SEND Code of Practice, chapter 6 (schools)",
        "Re-read the graduated approach (assess, plan, do, review) and the role of support staff within it.",
        {"what": "I read the chapter before the spring term's round of plan reviews.",
         "so_what": "My notes on pupils' responses to intervention are evidence the review needs, not just a record "
                    "for me.",
         "now_what": "Bring dated notes on each pupil's response to every review I am invited to."},
        "Keep dated notes of each pupil's response to intervention for their reviews",
        "A page per pupil in my planning file, summarised before each review",
        60, ("AP 12", "CP 4", "ETF 6"),
    ),
)

# Case work, reflecting on the demo's own records (the learner named only by UPN here, never in the writing).
LSP_CASE_WORK = (
    DemoEntry(
        "case-planning-language", None, None, "case_work", "participatory", "gibbs",
        "Reflection on a planning meeting I recorded",
        "Planning meeting for a pupil with language needs. I recorded the minutes and "
        "actions; the SENCo chaired, the class teacher and a family member took part.",
        {"description": "We heard the pupil's views through a drawing they had made, reviewed the language group and "
                        "agreed actions for the term. I wrote the minutes as we went.",
         "feelings": "I felt stretched between listening and writing, and worried I would miss a decision.",
         "evaluation": "The pupil's voice was at the centre, which went well. The actions at the end were rushed and "
                       "I had to check two owners by email afterwards.",
         "analysis": "Recording while participating splits attention, which is why the actions became unclear. "
                     "Reading each action back with its owner and date before the meeting closes is what other "
                     "minute-takers do; it is also what AP 13 asks: clear information to those who need it.",
         "conclusion": "Read the actions back at the end of every meeting I record, and share them within a day."},
        "Read every action back with its owner and date before a meeting closes",
        "Keep a three-column action table open while minuting and leave the last five minutes for reading it back",
        30, ("AP 12", "AP 13", "BP 4"),
        work=("Q801200004030", "meeting", MeetingKind.PLANNING.value),
    ),
    DemoEntry(
        "case-planning-autism", None, None, "case_work", "participatory", "schon",
        "Reflection on a planning meeting: involving the family",
        "Planning meeting for a pupil with autism and communication needs; I recorded it and shared what I see in "
        "my small-group sessions.",
        {"in_action": "When the family described mornings at home, I saw the same pattern as in my groups: change "
                      "without warning leads to shutdown. I changed what I was going to say and described what "
                      "helps in my sessions instead of listing what had gone wrong.",
         "on_action": "Describing strategies that work gave the family and the teacher something to use the same "
                      "day. Partnership with families means planning together, not reporting to them (AP 12, "
                      "ETF 6). I will prepare 'what helps' examples before each meeting."},
        "Bring two 'what helps' examples from my sessions to every planning meeting",
        "Note examples in my planner during the week before a meeting",
        21, ("AP 12", "ETF 6", "AP 13"),
        work=("M801200013075", "meeting", MeetingKind.PLANNING.value),
    ),
    DemoEntry(
        "case-review", None, None, "case_work", "participatory", "driscoll",
        "Reflection on a review meeting I recorded",
        "End-of-cycle review meeting: we looked at each outcome and the evidence for it.",
        {"what": "I recorded the review and reported on the intervention I deliver, with my entry and exit checks.",
         "so_what": "Having numbers changed the discussion: we could agree the outcome was met rather than debate "
                    "it. Where I had no measure, the outcome was carried forward by default (BP 3, AP 16).",
         "now_what": "Make sure every outcome I contribute to has a measure I collect, before the cycle starts."},
        "Agree with the class teacher how each outcome will be measured at the start of every cycle",
        "Add a 'how we will measure it' line to the plan for each outcome I support",
        28, ("BP 3", "AP 16", "BP 8"),
        work=("F801200002020", "meeting", MeetingKind.REVIEW.value),
    ),
    DemoEntry(
        "case-intervention", None, "1", "case_work", "individual", "kolb",
        "Reflection on my language group intervention record",
        "Reviewed my record of a six-week vocabulary group against its baseline and the therapist's advice.",
        {"experience": "I wrote up the six weeks of the group: 14 of the 18 target words learnt, and 'before' and "
                       "'after' now used correctly.",
         "reflection": "The words that stuck were the ones revisited in class; the four that did not were taught "
                       "only in my group.",
         "conceptualisation": "Generalisation needs the same words used by the class teacher; an intervention alone "
                              "builds knowledge that stays in the room (CP 3, BP 4).",
         "experimentation": "Send the week's words to the class teacher each Monday and check use in class on "
                            "Fridays."},
        "Share each week's target words with the class teacher",
        "A Monday message with the words and a picture for each, and a Friday check with the teacher",
        21, ("CP 3", "BP 4", "AP 14"),
        work=("Q801200004030", "contribution", ContributionKind.INTERVENTION_RECORD.value),
    ),
)

# --- Megan Hughes, speech and language therapist; Dr Alan Brooks, educational psychologist --------

SLT_ENTRIES = (
    DemoEntry(
        "slt-case", None, "1", "case_work", "individual", "driscoll",
        "Reflection on an assessment report for a school team",
        "Wrote up a language assessment with advice for class staff and the learning support practitioner.",
        {"what": "I wrote the assessment and three pieces of advice for the classroom.",
         "so_what": "My earlier reports had long test results and short advice; staff told me the advice is what "
                    "they use. This time I led with the advice.",
         "now_what": "Keep scores in an appendix and write advice as actions staff can do tomorrow (ETF 6, ETF 10)."},
        "Lead every school report with practical advice and move scores to an appendix",
        "Revise my report template and ask two schools for feedback on it",
        30, ("ETF 6", "ETF 10", "ETF 11"),
        work=("Q801200004030", "contribution", ContributionKind.SLT_ASSESSMENT.value),
    ),
    DemoEntry(
        "slt-webinar", 30, "1.5", "webinar", "individual", "kolb",
        "Webinar: developmental language disorder in the classroom",
        "A professional body's webinar on identifying DLD in school-age children and supporting vocabulary.",
        {"experience": "I attended live and joined the question session on tier 2 vocabulary.",
         "reflection": "Teachers ask me for vocabulary lists; the evidence favours teaching fewer words more deeply.",
         "conceptualisation": "Depth of word knowledge, not list length, predicts comprehension.",
         "experimentation": "Recommend two words a week, taught and revisited, in my next school reports."},
        "Recommend fewer, deeper vocabulary targets in school advice",
        "Change the vocabulary section of my advice template",
        21, ("ETF 8", "ETF 9"),
    ),
    DemoEntry(
        "slt-supervision", 60, "1", "one_to_one", "participatory", "schon",
        "Clinical supervision: balancing school and clinic caseloads",
        "Monthly supervision with my clinical lead.",
        {"in_action": "Talking through a difficult week, I noticed I had stopped visiting schools between reviews.",
         "on_action": "Brief check-ins with school staff prevent problems growing; I will protect time for them "
                      "(ETF 1, ETF 7)."},
        "Protect one afternoon a fortnight for school check-ins",
        "Block the time in my diary for the rest of the term",
        14, ("ETF 1", "ETF 7"),
    ),
)

EP_ENTRIES = (
    DemoEntry(
        "ep-case", None, "1.5", "case_work", "individual", "gibbs",
        "Reflection on a consultation and assessment report",
        "A consultation with school staff followed by an assessment of a pupil's learning profile.",
        {"description": "I met the SENCo and class teacher, assessed the pupil and wrote recommendations.",
         "feelings": "Satisfied with the assessment; less sure the recommendations fitted the classroom.",
         "evaluation": "The consultation was collaborative; the report was long.",
         "analysis": "Recommendations written with staff are more often carried out than those written for them "
                     "(ETF 6, ETF 9).",
         "conclusion": "Draft recommendations in the consultation itself, with staff."},
        "Agree recommendations with staff during the consultation",
        "End each consultation by drafting the recommendations together",
        28, ("ETF 6", "ETF 9", "ETF 11"),
        work=("F801200002020", "contribution", ContributionKind.EP_ASSESSMENT.value),
    ),
    DemoEntry(
        "ep-seminar", 40, "2", "seminar", "participatory", "kolb",
        "Seminar: consultation models in educational psychology",
        "A regional seminar on consultation-based service delivery.",
        {"experience": "Case discussions using a solution-focused consultation model.",
         "reflection": "My consultations drift into assessment planning too early.",
         "conceptualisation": "Exploring what already works gives staff ownership of the plan.",
         "experimentation": "Open each consultation by asking what is already working."},
        "Open every consultation with what is already working",
        "Use the model's opening questions for a term and review them with a colleague",
        42, ("ETF 10", "ETF 7"),
    ),
)


# --- goals and the annual review -----------------------------------------------------------------


@dataclass(frozen=True)
class DemoGoal:
    specific: str
    measure: str
    relevant_to: str
    standard_code: str | None
    relevance: str | None
    due_in_days: int
    status: GoalStatus
    entries: tuple[str, ...] = field(default_factory=tuple)


LSP_GOALS = (
    DemoGoal("Pre-teach two tier 2 words each week to my language group, using the STAR approach",
             "At the end of the half-term the group uses at least 12 of 16 taught words correctly in class, "
             "checked by the class teacher", "standard", "CP 3", None, 18, GoalStatus.IN_PROGRESS,
             ("webinar-vocabulary", "case-intervention")),
    DemoGoal("Share the actions of every meeting I record with their owners within one working day",
             "Every meeting I record this term has its actions sent within a day (checked against the meeting dates)",
             "feedback", None, "My annual review: actions from meetings were sometimes circulated late", 14,
             GoalStatus.ACHIEVED, ("case-planning-language", "case-planning-autism", "case-review")),
    DemoGoal("Complete the local authority's course on supporting pupils' social, emotional and mental health",
             "Course certificate, and one new strategy from it evidenced in a reflective entry",
             "job_description", None, "Job description: support pupils' emotional wellbeing and regulation", 150,
             GoalStatus.NOT_STARTED, ("inset-attachment",)),
)


def _account(email: str) -> User | None:
    return db.session.scalars(select(User).where(User.email.matches(email))).first()


def _weekday(day: date) -> date:
    """Training happens on school days: a weekend date moves to the Monday after."""
    return day + timedelta(days=(7 - day.weekday()) % 7) if day.weekday() >= 5 else day


AUTUMN_DAYS = 80  # entries this far into the year are always written


def _calendar_day(start: date, day: int, today: date) -> date | None:
    """The date of an entry `day` days into the year: squeezed into a young year if in the autumn, else None
    until it has come."""
    elapsed = (today - start).days
    if day > elapsed:
        if day > AUTUMN_DAYS:
            return None
        day = day * elapsed // AUTUMN_DAYS
    on = _weekday(start + timedelta(days=day))
    return on if on <= today else start + timedelta(days=day)


def _work(owner: User, senco: User, spec: tuple[str, str, str]):
    upn, what, kind = spec
    learner: Learner | None = find_by_upn(senco, upn)
    if learner is None:
        return None
    if what == "meeting":
        return db.session.scalars(select(Meeting).where(
            Meeting.learner_id == learner.id, Meeting.kind == MeetingKind(kind),
            (Meeting.recorded_by_id == owner.id) | (Meeting.chair_id == owner.id)).order_by(Meeting.held_on)).first()
    return db.session.scalars(select(Contribution).where(
        Contribution.learner_id == learner.id, Contribution.author_id == owner.id,
        Contribution.kind == ContributionKind(kind)).order_by(Contribution.id)).first()


def _write(owner: User, senco: User, specs, today: date) -> dict[str, ReflectiveEntry]:
    """Write each entry whose date has come, oldest first; returns them by key."""
    start = current_year(owner, today).starts_on
    planned = []
    for spec in specs:
        work = None
        if spec.work is not None:
            work = _work(owner, senco, spec.work)
            if work is None:
                continue  # the demo case it reflects on is not there
            offer = offer_for(owner, work)
            on = min(offer.work_on, today)
            hours = spec.hours or str(offer.hours)
        else:
            on, hours = _calendar_day(start, spec.day, today), spec.hours
        if on is not None:
            planned.append((on, spec, hours, work))
    written = {}
    for on, spec, hours, work in sorted(planned, key=lambda item: item[0]):
        draft = EntryDraft(
            activity_on=on, hours=hours, activity_type=spec.activity_type, participation=spec.participation,
            reflective_model=spec.model, title=spec.title, content=spec.content, reflection=dict(spec.reflection),
            action_what=spec.action_what, action_how=spec.action_how,
            action_by=on + timedelta(days=spec.action_in_days), standard_codes=list(spec.standards),
        )
        written[spec.key] = record_entry(owner, draft, work=work, today=today)
        if spec.withdrawn_because is not None:
            withdraw_entry(owner, written[spec.key], spec.withdrawn_because)
    return written


def _goals(owner: User, entries: dict[str, ReflectiveEntry], today: date) -> int:
    for goal in LSP_GOALS:
        linked = [entries[key].public_id for key in goal.entries if key in entries]
        draft = GoalDraft(specific=goal.specific, measure=goal.measure, relevant_to=goal.relevant_to,
                          standard_code=goal.standard_code, relevance=goal.relevance,
                          target_on=today + timedelta(days=goal.due_in_days),
                          status=GoalStatus.IN_PROGRESS if goal.status is GoalStatus.ACHIEVED else goal.status,
                          entry_public_ids=linked)
        made = record_goal(owner, draft, today=today)
        if goal.status is GoalStatus.ACHIEVED:
            # Set in progress, then marked achieved ahead of its date, as the practitioner would.
            draft.status = GoalStatus.ACHIEVED
            update_goal(owner, made, draft, version=made.version, today=today)
    return len(LSP_GOALS)


def _annual_review(senco: User, lsp: User, today: date) -> None:
    """Last year's annual review, held early this CPD year by the SENCo, then signed by both."""
    held_on = min(_weekday(current_year(lsp, today).starts_on + timedelta(days=16)), today)
    review = record_review(senco, lsp, ReviewDraft(
        kind=ReviewKind.ANNUAL, held_on=held_on,
        individual_summary="A year in which I took on the language group and started recording planning meetings. "
                           "I am most proud of the pupils' vocabulary progress; I find minuting while taking part "
                           "hard and my records have sometimes been late.",
        manager_summary="Tom has grown into a confident practitioner whom pupils trust. His language group is "
                        "valued by class teachers and the visiting therapist. His records are accurate but are "
                        "sometimes shared late, and he should now measure the impact of his interventions.",
        key_targets="1. Pre-teach tier 2 vocabulary in the language group and measure its use in class.\n"
                    "2. Share meeting actions within one working day.\n"
                    "3. Complete the local authority's SEMH course.",
        personal_development="Training in attachment-aware practice and emotional wellbeing; a peer observation "
                             "each term.",
        targets=[
            TargetDraft("Complete the Level 3 supporting teaching and learning module on literacy", Achieved.YES,
                        "Completed in the spring term; now used in the reading group."),
            TargetDraft("Run the language group independently, with planning shared with class teachers",
                        Achieved.PARTIALLY, "Runs it independently; planning is shared but not yet every week."),
            TargetDraft("Keep intervention records up to date weekly", Achieved.NO,
                        "Records were accurate but often written up late; carried forward as a new target."),
        ],
        revised_targets="Weekly planning shared with class teachers; actions from meetings shared within a day.",
        development_needs="SEMH course (local authority); time to observe the speech and language therapist.",
        comments="Agreed in a positive meeting. Tom will bring his CPD log to our half-termly 1:1s.",
    ), today=today)
    sign_review(senco, review, version=review.version)
    sign_review(lsp, review, version=review.version)


def _has_entries(user: User) -> bool:
    return db.session.scalar(select(ReflectiveEntry.id).where(ReflectiveEntry.owner_id == user.id).limit(1)) is not None


def load_demo_cpd(today: date | None = None) -> int:
    """Write the demo CPD logs that are not there yet; returns how many entries were written. Only flushes."""
    today = today or school_today()
    senco, lsp = _account("senco@oakfield.example"), _account("lsp@oakfield.example")
    slt, ep = _account("slt@riverside-slt.example"), _account("ep@county-eps.example")
    written = 0
    if lsp is not None and senco is not None and not _has_entries(lsp):
        entries = _write(lsp, senco, (*LSP_ENTRIES, *LSP_CASE_WORK), today)
        _goals(lsp, entries, today)
        _annual_review(senco, lsp, today)
        written += len(entries)
    for person, specs in ((slt, SLT_ENTRIES), (ep, EP_ENTRIES)):
        if person is not None and senco is not None and not _has_entries(person):
            written += len(_write(person, senco, specs, today))
    db.session.flush()
    return written
