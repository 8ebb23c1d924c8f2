"""Build the .docx templates of the paperwork (run after editing: `python -m zugong.recruitment.docx.build`).

Layout after GB/T 9704-2012 (党政机关公文格式): A4, margins 37/35/28/26 mm, title in 小标宋 22 pt
centred, body in 仿宋_GB2312 16 pt with 28 pt line spacing, first-line indent of two characters,
signature and date at the right. The placeholders are docxtpl (Jinja) tags filled by paperwork.py.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

HERE = Path(__file__).resolve().parent.parent / "templates" / "docx"
BODY_FONT, TITLE_FONT = "仿宋_GB2312", "方正小标宋简体"


def _doc() -> Document:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    style = doc.styles["Normal"]
    style.font.name, style.font.size = BODY_FONT, Pt(16)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), BODY_FONT)
    style.paragraph_format.line_spacing = Pt(28)
    style.paragraph_format.space_after = Pt(0)
    return doc


def _run(p, text: str, *, font: str = BODY_FONT, size: int = 16, bold: bool = False):
    run = p.add_run(text)
    run.font.name, run.font.size, run.bold = font, Pt(size), bold
    run.element.rPr.rFonts.set(qn("w:eastAsia"), font)
    return run


def title(doc, text: str) -> None:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_after = Pt(16)
    _run(p, text, font=TITLE_FONT, size=22)


def para(doc, text: str, *, indent: bool = True, align=None) -> None:
    p = doc.add_paragraph()
    if indent:
        p.paragraph_format.first_line_indent = Pt(32)
    if align is not None:
        p.alignment = align
    _run(p, text)


def signature(doc) -> None:
    doc.add_paragraph()
    para(doc, "{{ org_name }}", indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    para(doc, "{{ date_cn }}", indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)


def publicity() -> None:
    doc = _doc()
    title(doc, "关于{{ name }}同志拟列为发展对象的公示")
    para(
        doc,
        "经党员推荐、群团组织推优,支部委员会研究,{{ name }}同志经过一年以上的培养教育和考察,"
        "基本具备党员条件,拟列为发展对象。现将有关情况公示如下:",
    )
    para(
        doc,
        "{{ name }},{{ sex }},{{ ethnicity }},{{ birth_cn }}出生,{{ education }},{{ work }}。"
        "{{ applied_cn }}递交入党申请书,{{ activist_cn }}被确定为入党积极分子。",
    )
    para(
        doc,
        "公示时间:{{ publicity_from_cn }}至{{ publicity_to_cn }}(共{{ publicity_workdays }}个工作日)。"
        "公示期间,党员和群众可通过来信、来电、来访等方式向党支部或上级党委组织部门反映情况。"
        "反映问题应实事求是,以真实姓名反映的予以保密。",
    )
    para(doc, "联系电话:{{ contact_phone }}")
    signature(doc)
    doc.save(HERE / "publicity.docx")


def talk() -> None:
    doc = _doc()
    title(doc, "入党谈话记录")
    for line in (
        "谈话对象:{{ name }}    性别:{{ sex }}    出生年月:{{ birth_ym }}",
        "工作单位及职务:{{ work }}",
        "谈话类型:{{ talk_kind }}",
        "谈话时间:{{ talk_cn }}    谈话人:{{ talker }}",
        "谈话地点:",
    ):
        para(doc, line, indent=False)
    para(doc, "谈话主要内容:", indent=False)
    para(doc, "{{ talk_note }}")
    for _i in range(8):
        doc.add_paragraph()
    para(doc, "谈话人签名:                    谈话对象签名:", indent=False)
    para(doc, "{{ date_cn }}", indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    doc.save(HERE / "talk.docx")


def review() -> None:
    doc = _doc()
    title(doc, "关于{{ name }}同志的政治审查结论")
    para(
        doc,
        "{{ name }},{{ sex }},{{ ethnicity }},{{ birth_cn }}出生,{{ native_place }}人,{{ education }},"
        "{{ work }}。{{ candidate_cn }}被确定为发展对象。",
    )
    para(
        doc,
        "根据《中国共产党发展党员工作细则》的规定,党支部采取同本人谈话、查阅有关材料、"
        "向有关单位和人员了解情况等方式,对{{ name }}同志进行了政治审查。",
    )
    para(
        doc,
        "经审查,该同志对党的理论和路线、方针、政策的态度端正,政治历史清楚,"
        "在重大政治斗争中能同党中央保持一致,遵纪守法,品行端正;其直系亲属和与本人关系密切的"
        "主要社会关系政治情况清楚。",
    )
    para(doc, "结论:{{ review_result }}。")
    signature(doc)
    doc.save(HERE / "review.docx")


def request() -> None:
    doc = _doc()
    title(doc, "关于接收{{ name }}同志为中共预备党员的请示")
    para(doc, "{{ parent_name }}:", indent=False)
    para(
        doc,
        "{{ name }},{{ sex }},{{ ethnicity }},{{ birth_cn }}出生,{{ education }},{{ work }}。"
        "该同志于{{ applied_cn }}递交入党申请书,{{ activist_cn }}被确定为入党积极分子,"
        "{{ candidate_cn }}被确定为发展对象,入党介绍人为{{ introducers }}同志,"
        "政治审查结论为{{ review_result }},参加集中培训{{ training }}。入党志愿书编号{{ serial }}。",
    )
    para(
        doc,
        "{{ assembly_cn }},党支部召开支部大会讨论其入党问题。应到会有表决权的正式党员{{ expected }}名,"
        "实到{{ present }}名;经无记名投票表决,赞成{{ yes }}票,反对{{ no }}票,弃权{{ abstain }}票,"
        "同意接收{{ name }}同志为中共预备党员。",
    )
    para(doc, "妥否,请批示。")
    signature(doc)
    doc.save(HERE / "request.docx")


if __name__ == "__main__":
    HERE.mkdir(parents=True, exist_ok=True)
    publicity()
    talk()
    review()
    request()
    print("templates written to", HERE)
