"""The workspace's config.yaml: its model and the built-in defaults.

Every key is optional; a workspace without config.yaml builds with
:data:`DEFAULT_HEADINGS` and the ``gbt9704`` layout profile.

``headings`` is a list; its order is the document's order. An entry whose key is
a standard heading changes that heading (its title, more keywords); an entry
with a new key adds a heading. Standard headings the list leaves out keep their
default place, so the five standard keys always exist and ``shortcomings``
stays last unless the list places it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pipeline.form.fields import Count, Name, Number, RequiredText, Text
from pipeline.form.kinds import INSTITUTION_KINDS
from pipeline.text.suggest import did_you_mean
from pipeline.workspace.outputs import check_pattern

#: The layout profiles this version knows (see :mod:`pipeline.layout.profile`).
FORMATS = ("gbt9704",)

DEFAULT_OUTPUT = "outputs/<term>/<campus>/<title>.docx"


@dataclass(frozen=True)
class Heading:
    """One standard or configured heading of the document."""

    key: str
    name: str  # the Chinese short name a form may use as category
    title: str  # the heading's wording in the document
    aliases: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    worded: bool = False  # config.yaml wrote the title: a template set's heading_<key>.j2 must not reword it


# Keyword lists for inferring a record's heading; config.yaml can add more.
# Words, not phrases: they are matched against jieba's words (see pipeline.document.classify).
# A keyword written "*费" matches every word ending in 费 (伙食费, 保险费, 差旅费).
# General vocabulary of the trade only: never a particular record's wording.
DEFAULT_HEADINGS: tuple[Heading, ...] = (
    Heading("study", "学习", "加强学习培训，提高队伍素质", ("学习培训",), (
        # learning and training as such
        "学习", "培训", "业务学习", "政治学习", "理论学习", "集中学习", "专题学习", "讲座", "进修",
        "研修", "读书", "培训会", "轮训", "训练", "练兵", "比武", "竞赛", "技能", "基本功", "岗前",
        "考证", "取证", "持证", "继续教育", "自学", "心得", "体会", "反思", "分享", "分享会", "报告会",
        # professional growth of teachers
        "教研", "教研活动", "课题", "论文", "沙龙", "观摩", "示范课", "公开课", "说课", "赛课",
        "师徒", "结对", "师德", "师风", "素养", "提升", "能力", "专业", "交流", "外出学习", "参观",
        "考察", "警示教育", "廉政", "学法", "规范学习",
    )),
    Heading("duties", "岗位", "明确岗位职责，做好服务保障", ("职责", "岗位/职责", "岗位职责", "服务"), (
        # services of the 后勤
        "岗位", "职责", "服务", "保障", "维修", "修缮", "改造", "报修", "维护", "保养", "更换",
        "保洁", "卫生", "清洁", "清洗", "消毒", "晾晒", "垃圾", "清运", "疏通", "绿化", "花木",
        "水电", "膳食", "伙食", "食谱", "营养", "留样", "验收", "进货", "配餐", "配送", "领用",
        "物资", "搬运", "收发", "保育", "宿舍", "接待", "会务", "伙委会", "三大员", "六T",
        # the routine of teaching and the 教务
        "备课", "集体备课", "上课", "听课", "评课", "作业", "批改", "教案", "辅导", "教学常规",
        "常规", "课程", "课表", "排课", "调课", "代课", "考试", "考场", "考务", "监考", "命题",
        "阅卷", "成绩", "质量分析", "复习", "评价", "评选", "评优", "学籍", "转学", "招生",
        "入学", "分班", "编班", "毕业", "花名册", "统计", "报表", "教材", "征订", "家长", "家访",
        "家长会", "课堂", "教学", "督导", "档案", "资料", "迎检", "布置", "社团", "兴趣", "课外",
        "衔接", "作息", "早读", "晚自习", "手续", "办理",
    )),
    Heading("safety", "安全", "狠抓安全管理，保障师生平安", ("安全管理",), (
        "安全", "消防", "演练", "疏散", "逃生", "隐患", "排查", "巡查", "巡视", "巡逻", "门卫",
        "保安", "保卫", "值班", "值守", "护校", "护导", "护学", "接送", "路队", "校车", "交通",
        "监控", "报警", "防溺水", "溺水", "防火", "防盗", "防汛", "防震", "地震", "防暑", "防滑",
        "食品安全", "卫生安全", "健康证", "传染病", "传染", "防控", "防疫", "疫苗", "接种", "晨检",
        "午检", "体检", "缺勤", "因病", "追踪", "防鼠", "防蝇", "流感", "应急", "预案", "事故",
        "意外", "伤害", "灭火器", "用电", "燃气", "实验室", "危化品", "化学品", "危险化学品",
        "有毒", "易燃", "刀具", "欺凌", "禁毒", "毒品", "诈骗", "法治", "平安", "危险", "警示",
        "风险",
    )),
    Heading("finance", "财务", "规范财务管理，管好用好资产", ("财务管理", "资产"), (
        "财务", "*费", "*款", "*金", "经费", "资金", "预算", "决算", "报销", "报账", "收费", "费用",
        "收支", "收入", "代收", "代付", "退费", "退还", "缴纳", "缴费", "支付", "付款", "款项",
        "往来", "工资", "绩效", "津贴", "补贴", "补助", "奖金", "资助", "核算", "结算", "审计",
        "票据", "发票", "核销", "账目", "帐目", "账实", "帐实", "账证", "台账", "记账", "会计",
        "出纳", "财产", "清查", "资产", "固定资产", "校产", "盘点", "节约", "节支", "开支", "支出",
        "采购", "招标", "询价", "价格", "成本", "货比三家", "出租", "租赁", "合同", "公物",
        "仓库", "库存", "入库", "出库", "报废", "捐赠",
    )),
    Heading("shortcomings", "不足", "存在的不足及今后努力方向", ("存在的不足", "不足与打算"), ()),
)

STANDARD_KEYS = tuple(h.key for h in DEFAULT_HEADINGS)


class HeadingConfig(BaseModel):
    """One entry of config.yaml's ``headings`` list."""

    model_config = ConfigDict(extra="forbid")

    key: RequiredText
    name: Text | None = None
    title: Text | None = None
    aliases: list[RequiredText] = Field(default_factory=list)
    keywords: list[RequiredText] = Field(default_factory=list)


class CheckConfig(BaseModel):
    """config.yaml's ``check`` section: how ``worksum check`` judges text (see pipeline.proofread)."""

    model_config = ConfigDict(extra="forbid")

    similarity: Number = 0.8  # two sentences sharing this share of their words are near-duplicates
    min_chars: Count = 8  # shorter sentences are not compared (set phrases repeat legitimately)

    @field_validator("similarity")
    @classmethod
    def _fraction(cls, value: float) -> float:
        if not 0.5 <= value <= 1:
            raise ValueError(f"相似度应在 0.5 到 1 之间（现在是 {value}），如 0.8 表示八成词语相同即视为重复")
        return value

    @field_validator("min_chars")
    @classmethod
    def _at_least_two(cls, value: int) -> int:
        if value < 2:
            raise ValueError(f"min_chars 至少为 2（现在是 {value}）")
        return value


class Config(BaseModel):
    """config.yaml: workspace defaults, all optional."""

    model_config = ConfigDict(extra="forbid")

    organization: Text | None = None
    institution: Text | None = None  # 幼儿园, 小学, 初中 …: read from the organization's name when absent
    campuses: Optional[list[Name]] = None
    departments: Optional[list[Name]] = None
    headings: list[HeadingConfig] = Field(default_factory=list)
    format: Text = "gbt9704"
    templates: dict[str, Text] = Field(default_factory=dict)
    output: Text = DEFAULT_OUTPUT
    words: list[RequiredText] = Field(default_factory=list)  # extra words for jieba's dictionary
    check: CheckConfig = Field(default_factory=CheckConfig)

    @field_validator("institution")
    @classmethod
    def _known_institution(cls, value: str | None) -> str | None:
        if value is not None and value not in INSTITUTION_KINDS:
            hint = did_you_mean(value, INSTITUTION_KINDS) or "；"
            raise ValueError(f"未知的单位类型 \"{value}\"{hint}可用的类型：{'、'.join(INSTITUTION_KINDS)}")
        return value

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        if value not in FORMATS:
            raise ValueError(f"未知的版式 \"{value}\"，可用的版式：{'、'.join(FORMATS)}")
        return value

    @field_validator("output")
    @classmethod
    def _output_inside_outputs(cls, value: str) -> str:
        return check_pattern(value)

    @field_validator("headings")
    @classmethod
    def _unique_keys(cls, headings: list[HeadingConfig]) -> list[HeadingConfig]:
        seen = set()
        for entry in headings:
            if entry.key in seen:
                raise ValueError(f"标题 \"{entry.key}\" 重复配置")
            if entry.key not in STANDARD_KEYS and not (entry.name and entry.title):
                hint = did_you_mean(entry.key, STANDARD_KEYS, cutoff=0.6)
                if hint:
                    raise ValueError(f"未知的标题 \"{entry.key}\"{hint}"
                                     f"如要新增标题，请写明 name（简称）和 title（标题文字）")
                raise ValueError(f"新增的标题 \"{entry.key}\" 需要写明 name（简称）和 title（标题文字）")
            seen.add(entry.key)
        return headings

    @cached_property
    def heading_list(self) -> tuple[Heading, ...]:
        """The document's headings in order, defaults merged with config.yaml."""
        defaults = {h.key: h for h in DEFAULT_HEADINGS}
        configured = {entry.key: entry for entry in self.headings}
        merged: dict[str, Heading] = {}
        for entry in self.headings:
            base = defaults.get(entry.key)
            merged[entry.key] = Heading(
                key=entry.key,
                name=entry.name or (base.name if base else entry.key),
                title=entry.title or (base.title if base else entry.key),
                aliases=(base.aliases if base else ()) + tuple(entry.aliases),
                keywords=(base.keywords if base else ()) + tuple(entry.keywords),
                worded=bool(entry.title) or base is None,
            )
        order = [entry.key for entry in self.headings]
        for position, heading in enumerate(DEFAULT_HEADINGS):
            if heading.key in configured:
                continue
            merged[heading.key] = heading
            if heading.key == "shortcomings":
                order.append(heading.key)  # the last heading, unless the list places it
                continue
            # An omitted standard heading goes after the standard ones that precede it by default.
            before = [order.index(h.key) for h in DEFAULT_HEADINGS[:position] if h.key in order]
            order.insert(max(before) + 1 if before else 0, heading.key)
        return tuple(merged[key] for key in order)

    @cached_property
    def category_names(self) -> dict[str, str]:
        """Every name a form may write as ``category``, mapped to its heading key."""
        names: dict[str, str] = {}
        for heading in self.heading_list:
            if heading.key == "shortcomings":
                continue  # shortcomings and plans are lists of their own, not records
            for name in (heading.key, heading.name, *heading.aliases):
                names.setdefault(name, heading.key)
        return names

    def heading(self, key: str) -> Heading:
        return next(h for h in self.heading_list if h.key == key)
