"""The professional standards a CPD entry can be mapped to: NOS for learning support (2007) and ETF (2022)."""
from __future__ import annotations

import enum
from dataclasses import dataclass


class Framework(enum.Enum):
    """A published set of professional standards."""

    NOS_LSP = "nos_lsp"
    ETF = "etf_2022"

    @property
    def label(self) -> str:
        return FRAMEWORK_LABELS[self]


FRAMEWORK_LABELS = {
    Framework.NOS_LSP: "National Occupational Standards for learning support practitioners (LLUK, 2007)",
    Framework.ETF: "Professional Standards for Tutors and Trainers in Education and Training (ETF, 2022)",
}

NOS_SOURCE = (
    "National Occupational Standards for the role of learning support practitioner "
    "in the lifelong learning sector, LLUK, December 2007"
)
ETF_SOURCE = (
    "Professional Standards for Tutors and Trainers in Education and Training, "
    "Education and Training Foundation, 2022 (CPD policy, Appendix 3)"
)

# Headings as the NOS document itself names its three standards (its contents page shortens them).
NOS_GROUPS = {
    "AP": "Standard A: Providing learning support to individuals or groups of learners",
    "BP": "Standard B: Planning and assessing for learning support",
    "CP": "Standard C: Providing specialist learning support",
}
ETF_VALUES = "Professional values and attributes"
ETF_KNOWLEDGE = "Professional knowledge and understanding"
ETF_SKILLS = "Professional skills"

# Blocks of 100 keep NOS A, B, C and then ETF apart whatever their numbers; within a block, by number.
_SORT_BLOCKS = {"AP": 100, "BP": 200, "CP": 300, "ETF": 400}


@dataclass(frozen=True)
class StandardDefinition:
    """One performance criterion (NOS) or standard (ETF), worded exactly as published."""

    framework: Framework
    code: str
    title: str
    group: str
    source: str
    sort_key: int


# Only the performance criteria ("AP n", "BP n", "CP n") are mapped; the knowledge statements
# (AK, BK, CK) describe what underpins them and are not evidenced separately.
_NOS_TITLES: tuple[tuple[str, str], ...] = (
    ("AP 1", "Provide high quality learning support that enables learners to achieve identified goals"),
    ("AP 2", "Engage learners in activities that advance learning for individuals and groups"),
    ("AP 3", "Develop and maintain effective relationships with learners that promote learning"),
    ("AP 4", "Communicate effectively with learners"),
    ("AP 5", "Use, adapt and/or develop resources that support learners' needs"),
    ("AP 6", "Provide support that builds on learners' experience, learning preferences and levels of "
             "independence and encourages learners to work independently"),
    ("AP 7", "Work with colleagues with appropriate expertise to identify and address the language, "
             "literacy, numeracy and ICT needs of learners"),
    ("AP 8", "Support learner progression"),
    ("AP 9", "Provide learning support in a purposeful learning environment where learners feel safe, "
             "secure, confident and valued"),
    ("AP 10", "Promote, maintain and model behaviour that demonstrates respect for others"),
    ("AP 11", "Enable learners to manage, reflect on and make decisions about their learning"),
    ("AP 12", "Collaborate with and respect the contribution of colleagues and others"),
    ("AP 13", "Communicate relevant information about learners to others with a legitimate interest"),
    ("AP 14", "Maintain accurate records relating to learning support"),
    ("AP 15", "Provide learning support that conforms to organisational and legal requirements"),
    ("AP 16", "Contribute, and encourage learners to contribute, to review of learning programme and of "
              "organisation"),
    ("AP 17", "Evaluate and improve the effectiveness of own practice, identify own professional development "
              "and training needs, and take steps to address these"),
    ("BP 1", "Contribute to the planning of learning support that is inclusive and meets curriculum "
             "requirements"),
    ("BP 2", "Contribute to the planning of learning support that meets the needs of individual learners and "
             "groups and enables them to progress towards their identified learning objectives"),
    ("BP 3", "Contribute to the negotiation and monitoring of individual learning objectives"),
    ("BP 4", "Evaluate learner response to specialist learning support and use this information with "
             "colleagues in the planning of further support"),
    ("BP 5", "Support colleagues in the development and application of assessment methods"),
    ("BP 6", "Promote learning through questioning and constructive feedback and involve learners in feedback "
             "activities"),
    ("BP 7", "Encourage learners to share responsibility for assessment of their own learning"),
    ("BP 8", "Work in accordance with the quality requirements of the organisation in relation to assessment "
             "and monitoring of learner progress"),
    ("CP 1", "Use knowledge of learning support in their specialist area(s) to provide high quality learning "
             "support"),
    ("CP 2", "Use their specialist knowledge to identify and address individual learners' learning support "
             "needs"),
    ("CP 3", "Use learning support activities relevant to their specialist area(s)"),
    ("CP 4", "Support learners, colleagues and others in the selection, development, use and evaluation of "
             "resources in providing specialist support"),
    ("CP 5", "Engage in professional development in specialist area(s) and in relevant learning support"),
    ("CP 6", "Support progression and the transition of the learner in the context of the specialist area(s)"),
)

# Worded as in Appendix 3 of the CPD policy, including its missing full stop after standard 12.
_ETF_TITLES: tuple[str, ...] = (
    "Critically reflect on and evaluate your practices, values, and beliefs to improve learner outcomes.",
    "Promote and embed education for sustainable development (ESD) across learning and working practices.",
    "Inspire, motivate, and raise aspirations of learners by communicating high expectations and a passion "
    "for learning.",
    "Support and develop learners' confidence, autonomy and thinking skills, taking account of their needs, "
    "and starting points.",
    "Value and champion diversity, equality of opportunity, inclusion, and social equity.",
    "Develop collaborative and respectful relationships with learners, colleagues, and external stakeholders.",
    "Engage with and promote a culture of continuous learning and quality improvement.",
    "Develop and update knowledge of your subject specialism, taking account of new practices, research and/ "
    "or industry requirements.",
    "Critically review and apply your knowledge of educational research, pedagogy, and assessment to develop "
    "evidence-informed practice.",
    "Share and update knowledge of effective practice with colleagues, networks and/or research communities "
    "to support improvement.",
    "Develop and apply your knowledge of special educational needs and disabilities to create inclusive "
    "learning experiences.",
    "Understand your teaching role and responsibilities and how these are influenced by legal, regulatory, "
    "institutional, and ethical contexts",
    "Promote and support positive learner behaviour, attitudes, and wellbeing.",
    "Apply motivational, coaching and skill development strategies to help learners progress and achieve.",
    "Plan and deliver learning programmes that are safe, inclusive, stretching, and relevant to learners' "
    "needs.",
    "Select and use digital technologies safely and effectively to promote learning.",
    "Develop learners' mathematics, English, digital and wider employability skills.",
    "Provide access to up-to-date information, advice, and guidance so that learners can take ownership of "
    "their learning and make informed progression choices.",
    "Apply appropriate and fair methods of assessment and provide constructive and timely feedback to support "
    "learning and achievement.",
    "Develop enrichment and progression opportunities for learners through collaboration with employers, "
    "higher education and/or community groups.",
)


def _etf_group(number: int) -> str:
    if number <= 7:
        return ETF_VALUES
    if number <= 12:
        return ETF_KNOWLEDGE
    return ETF_SKILLS


def _build() -> tuple[StandardDefinition, ...]:
    standards = []
    for code, title in _NOS_TITLES:
        prefix, number = code.split(" ")
        standards.append(StandardDefinition(
            framework=Framework.NOS_LSP, code=code, title=title, group=NOS_GROUPS[prefix],
            source=NOS_SOURCE, sort_key=_SORT_BLOCKS[prefix] + int(number),
        ))
    for number, title in enumerate(_ETF_TITLES, start=1):
        standards.append(StandardDefinition(
            framework=Framework.ETF, code=f"ETF {number}", title=title, group=_etf_group(number),
            source=ETF_SOURCE, sort_key=_SORT_BLOCKS["ETF"] + number,
        ))
    return tuple(sorted(standards, key=lambda s: s.sort_key))


STANDARDS: tuple[StandardDefinition, ...] = _build()
_BY_CODE = {s.code: s for s in STANDARDS}


def standard(code: str) -> StandardDefinition:
    """The standard with this exact code ("AP 7", "ETF 11"); KeyError names the unknown code."""
    try:
        return _BY_CODE[code]
    except KeyError:
        raise KeyError(f"no standard has the code {code!r}") from None


def standards_in(framework: Framework) -> tuple[StandardDefinition, ...]:
    """One framework's standards in their published order."""
    return tuple(s for s in STANDARDS if s.framework is framework)
