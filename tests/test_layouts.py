"""Another province's layout: no colons after labels, 万元 budgets, the national indicator template."""
from datetime import date
from decimal import Decimal
from pathlib import Path

from ingest.parse.document import parse_document
from ingest.read import read_path

FIXTURE = Path(__file__).parent / "fixtures" / "other_layout.txt"


def test_other_layout_reads_the_same_fields():
    result = parse_document(read_path(FIXTURE))
    assert result.errors == []
    [p] = result.projects
    assert (p.year, p.name, p.unit, p.category, p.performance_type) == (
        2021, "食品安全抽检监测经费", "上海市质量监督检验技术研究院", "经常性项目", "其他类")
    assert (p.gov_purchase, p.start_date, p.end_date) == (True, date(2021, 1, 1), date(2021, 12, 31))
    b = p.budget
    assert (b.total, b.current_year, b.prev_year_budget, b.prev_year_executed) == (
        Decimal(2565000), Decimal(2565000), Decimal(2400000), Decimal(2312000))
    assert p.section("legal_basis").startswith("《中华人民共和国食品安全法》第八十七条规定")
    assert p.section("goals") == "完成全年抽检任务，不合格食品处置率100%。"
    rows = [(i.level1, i.level2, i.name, i.operator, i.value, i.unit) for i in p.indicators]
    assert rows == [
        ("产出指标", "数量指标", "抽检批次", ">=", Decimal(12000), "批次"),
        ("产出指标", "质量指标", "不合格食品核查处置率", ">=", Decimal(95), "%"),
        ("产出指标", "时效指标", "检验报告按时出具率", None, Decimal(100), "%"),
        ("效益指标", "社会效益指标", "食品安全知晓率", ">=", Decimal(90), "%"),
        ("满意度指标", "服务对象满意度指标", "群众满意度", ">=", Decimal(90), "%"),
    ]
