"""Records grouped under the headings: config order, no empty headings, inference, incidents."""

from __future__ import annotations

import textwrap

from conftest import HEAD, write_form
from docx_reading import paragraphs


def build(tmp_path, run, body: str, config: str | None = None):
    if config is not None:
        (tmp_path / "config.yaml").write_text(config, encoding="utf-8")
    form = write_form(tmp_path, HEAD + textwrap.dedent(body))
    out = tmp_path / "out.docx"
    result = run(tmp_path, "build", str(form), "-o", str(out))
    assert result.exit_code == 0, result.output
    return paragraphs(out), result


def headings(paras) -> list[str]:
    return [p.text for p in paras if p.style == "Heading 1"]


def test_empty_headings_are_omitted_and_numbering_has_no_gaps(tmp_path, run):
    paras, _ = build(tmp_path, run, """\
        activities:
          - title: 财产清查
            category: finance
          - title: 消防演练
            category: 安全
        """)
    assert headings(paras) == ["一、狠抓安全管理，保障师生平安", "二、规范财务管理，管好用好资产"]


def test_config_reorders_renames_and_adds_headings(tmp_path, run):
    config = textwrap.dedent("""\
        headings:
          - key: finance
            title: 精打细算，管好资产
          - key: hygiene
            name: 卫生保健
            title: 抓实卫生保健，守护幼儿健康
            keywords: [体检, 晨检]
          - key: safety
        """)
    paras, _ = build(tmp_path, run, """\
        activities:
          - title: 消防演练
            category: safety
          - title: 新生入园体检
            details: 配合保健所完成新生体检并建档。
          - title: 财产清查
            category: 财务
          - title: 业务学习
            category: study
        shortcomings:
          - 人手不足。
        """, config)
    assert headings(paras) == [
        "一、加强学习培训，提高队伍素质",  # left out of the list: keeps its default place, first
        "二、精打细算，管好资产",
        "三、抓实卫生保健，守护幼儿健康",
        "四、狠抓安全管理，保障师生平安",
        "五、存在的不足及今后努力方向",  # left out of the list: stays last
    ]
    text = "\n".join(p.text for p in paras)
    assert text.index("新生入园体检") > text.index("、抓实卫生保健")


def test_record_without_category_is_placed_by_its_words(tmp_path, run):
    paras, result = build(tmp_path, run, """\
        activities:
          - title: 开学前校舍维修
            details: 暑假完成教室和食堂的维修改造。
          - title: 消防疏散演练
          - title: 期末财产清查
        """)
    assert headings(paras) == ["一、明确岗位职责，做好服务保障", "二、狠抓安全管理，保障师生平安",
                               "三、规范财务管理，管好用好资产"]
    assert "未写 category" not in result.stderr  # (proofreading may still call one-record headings thin)


def test_unsure_inference_is_a_warning_with_the_records_line(tmp_path, run):
    paras, result = build(tmp_path, run, """\
        activities:
          - title: 学期结束工作
            details: 按计划完成。
        """)
    assert "form.yaml:7:5: 警告: “学期结束工作”未写 category，无法从文字判断分类，暂归入“岗位”" in result.stderr
    assert headings(paras) == ["一、明确岗位职责，做好服务保障"]


def test_explicit_empty_incidents_is_stated_absent_claims_nothing(tmp_path, run):
    paras, _ = build(tmp_path, run, "incidents: []\n")
    assert headings(paras) == ["一、狠抓安全管理，保障师生平安"]
    assert any(p.text == "截至2025年1月16日，本校区本学期未发生安全责任事故。" for p in paras)

    (tmp_path / "config.yaml").unlink(missing_ok=True)
    paras, _ = build(tmp_path, run, "activities:\n  - title: 消防演练\n    category: safety\n")
    assert not any("事故" in p.text for p in paras)


def test_incidents_are_listed_under_safety(tmp_path, run):
    paras, _ = build(tmp_path, run, """\
        incidents:
          - date: 2024-10-21
            description: 一名学生课间奔跑时扭伤脚踝。
            handling: 校医处置后送医，通知家长。
            severity: 轻微
          - date: 2024-12-02
            description: 食堂一台冰柜夜间断电。
            resolved: false
        """)
    text = [p.text for p in paras]
    # The count leads the first incident's paragraph; each further incident has its own.
    assert ("本学期共发生安全事件2起，1起仍在跟进：2024年10月21日，一名学生课间奔跑时扭伤脚踝。"
            "校医处置后送医，通知家长。") in text
    assert "2024年12月2日，食堂一台冰柜夜间断电，目前仍在跟进处理。" in text


def test_counts_are_worded_with_unit_and_change(tmp_path, run):
    paras, _ = build(tmp_path, run, """\
        counts:
          - item: 维修课桌椅
            value: 112
            unit: 套
            category: duties
            previous: 86
          - item: 用水量
            value: 900
            unit: 吨
            category: duties
            previous: 1000
          - item: 接送卡发放
            value: 40
            unit: 张
            category: duties
            previous: 40
          - item: 体检合格率
            value: 98.5
            unit: "%"
            category: safety
            previous: 96
        """)
    text = "\n".join(p.text for p in paras)
    assert "维修课桌椅112套，较上学期增长30.2%；用水量900吨，较上学期下降10%；接送卡发放40张，与上学期持平。" in text
    assert "体检合格率98.5%，较上学期提高2.5个百分点。" in text


def test_year_terms_compare_with_last_year(tmp_path, run):
    form = HEAD.replace("term: 2024-2025-1", "term: 2024")
    write_form(tmp_path, form + "counts:\n  - item: 用电量\n    value: 80\n    unit: 度\n    previous: 100\n"
               "    category: duties\n")
    out = tmp_path / "out.docx"
    assert run(tmp_path, "build", str(tmp_path / "form.yaml"), "-o", str(out)).exit_code == 0
    assert any("用电量80度，较上年下降20%" in p.text for p in paragraphs(out))


def test_form_overrides_title_intro_closing_and_a_heading(tmp_path, run):
    paras, _ = build(tmp_path, run, """\
        title: 东湖校区后勤处学期工作回顾
        intro: 这是我们自己写的导语。
        closing: 这是我们自己写的结束语。
        headings:
          safety:
            title: 安全第一，警钟长鸣
            intro: 安全工作的引导语。
        activities:
          - title: 消防演练
            category: safety
        """)
    text = [p.text for p in paras]
    assert text[0] == "东湖校区后勤处学期工作回顾"
    assert text[2] == "这是我们自己写的导语。"
    assert "一、安全第一，警钟长鸣" in text
    assert text[text.index("一、安全第一，警钟长鸣") + 1] == "安全工作的引导语。"
    assert "这是我们自己写的结束语。" in text


def test_incidents_outside_safety_are_not_called_safety_events_and_severity_is_stated(tmp_path, run):
    paras, _ = build(tmp_path, run, """\
        incidents:
          - date: 2024-12-02
            description: 财务室一笔报销票据遗失。
            category: 财务
            severity: 严重
            resolved: 否
          - date: 2024-12-05
            description: 食堂冰柜夜间断电。
            severity: moderate
        """)
    text = [p.text for p in paras]
    assert "本学期发生严重等级的事件1起：2024年12月2日，财务室一笔报销票据遗失，目前仍在跟进处理。" in text
    assert "本学期发生一般等级的安全事件1起：2024年12月5日，食堂冰柜夜间断电。" in text
    assert "发生事件2起" in text[2]  # the opening: not every one of them is a safety event
