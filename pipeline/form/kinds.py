"""What kind of institution and department a form is from, read from their names.

A kindergarten writes 园所/幼儿/保教 where a school writes 学校/学生/教学, and a
教务处 summary has other headings than a 后勤处 one, so wording and
classification need both kinds. config.yaml may name the institution kind;
otherwise it is read from the organization's name here, the one place that
does so::

    >>> institution_kind("青禾实验幼儿园")
    '幼儿园'
    >>> institution_kind("明德实验学校")
    '学校'
    >>> department_kind("南园区后勤部"), department_kind("政教处"), department_kind("校长室")
    ('后勤', '德育', None)
"""

from __future__ import annotations

#: The institution kinds worksum knows; config.yaml's ``institution`` takes one of them.
#: ``学校`` is a school of unknown level: what is said of every school holds for it.
INSTITUTION_KINDS = ("幼儿园", "小学", "初中", "高中", "完全中学", "九年一贯制", "十二年一贯制",
                     "中等职业学校", "特殊教育学校", "学校")
KINDERGARTEN = "幼儿园"
SCHOOL = "学校"

# Checked in this order: the first kind with a word in the name wins, so 幼儿园 before
# 学校 (实验学校附属幼儿园 is a kindergarten) and 一贯制 before 小学/中学.
_INSTITUTION_WORDS = (
    ("幼儿园", ("幼儿园", "幼稚园", "幼教中心", "托幼", "保育院")),
    ("特殊教育学校", ("特殊教育", "特教", "培智", "启智", "聋哑", "盲校")),
    ("中等职业学校", ("职业学校", "职业中学", "职业技术学校", "职业高级中学", "职教中心", "中专", "技工学校",
                     "中等专业学校", "职校")),
    ("十二年一贯制", ("十二年一贯",)),
    ("九年一贯制", ("九年一贯", "九年制")),
    ("完全中学", ("完全中学",)),
    ("高中", ("高级中学", "高中")),
    ("初中", ("初级中学", "初中")),
    ("小学", ("小学",)),
)

#: Department kinds, each with the words its names are made of (后勤处, 总务处, 后勤保障部 …).
#: A department whose work is one topic joins that topic's kind: 校车, 交通, 消防 and 防溺水 are 安全,
#: 学生资助, 收费 and 伙食费 are 财务, 心理健康 is 德育 (心理 stands before 健康教育 in its name); 节水 and
#: 节能 (节约型校园: meters, pipes, lighting) are 后勤's upkeep, 控烟 (无烟学校) and 传染病防控 卫生保健; 师德师风,
#: 教师读书 and 教师队伍建设 are teachers' learning, 教科研 (in real summaries of these nearly every item is study).
#: docs/填报指南.md lists the kinds, their words and their headings in a table (a test compares).
DEPARTMENT_KINDS = ("后勤", "教务", "保教", "德育", "安全", "财务", "办公室", "卫生保健", "教科研", "家校")
DEPARTMENT_WORDS = (
    ("后勤", ("后勤", "总务", "食堂", "膳食", "营养餐", "节水", "节能")),
    ("教务", ("教务", "教导", "教学", "课程", "图书")),
    ("保教", ("保教", "保育")),
    ("德育", ("德育", "政教", "学生处", "学生发展", "学工", "少先队", "团委", "心理", "心育")),
    ("安全", ("安全", "保卫", "安保", "综治", "校车", "交通", "消防", "周边环境", "护校", "溺水", "欺凌", "防汛")),
    ("财务", ("财务", "会计", "财会", "资产", "资助", "收费", "经费", "伙食费")),
    ("办公室", ("办公室", "校办", "园办", "行政办", "综合办")),
    ("卫生保健", ("卫生", "保健", "医务", "健康教育", "近视", "控烟", "传染病")),
    ("教科研", ("教科", "教研", "教学研究", "科研", "研修", "研训", "培训", "师训", "师德", "教师读书", "队伍建设")),
    ("家校", ("家长", "家校", "家园", "家访", "家庭教育", "家委会")),
)


def _first_kind(name: str, table) -> str | None:
    """The kind whose word stands earliest in ``name``; of words starting at one place the
    longest (教学研究室 is 教学研究, not 教学), then the table's order."""
    best: tuple[int, int, int, str] | None = None
    for order, (kind, words) in enumerate(table):
        for word in words:
            at = name.find(word)
            if at >= 0 and (best is None or (at, -len(word), order) < best[:3]):
                best = (at, -len(word), order, kind)
    return best[3] if best else None


def institution_kind(organization: str | None, configured: str | None = None) -> str:
    """The institution kind: ``configured`` (config.yaml) when given, else read from the
    organization's name, else ``学校``."""
    if configured:
        return configured
    if not organization:
        return SCHOOL
    for kind, words in _INSTITUTION_WORDS:  # in order: the more specific kinds first
        if any(word in organization for word in words):
            return kind
    return SCHOOL


def is_kindergarten(kind: str) -> bool:
    return kind == KINDERGARTEN


def department_kind(department: str | None) -> str | None:
    """The department's kind from its name (后勤处 → 后勤, 政教处 → 德育), or None when the name
    says nothing worksum knows (校长室)."""
    return _first_kind(department, DEPARTMENT_WORDS) if department else None
