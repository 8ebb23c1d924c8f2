from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from zugong.core import crypto
from zugong.core.models import AuditEntry

from ..factories import make_applicant
from .helpers import record

pytestmark = pytest.mark.django_db(transaction=False)
D = dt.date


def run(*args) -> str:
    out = io.StringIO()
    call_command("recruitment", "check", *args, stdout=out)
    return out.getvalue()


def test_check_writes_one_row_per_problem_with_the_issue_columns(tree, tmp_path):
    late_talk = make_applicant(tree.branch_a1, applied_on=D(2025, 1, 31), name="李迟谈")
    record(late_talk, "talk", D(2025, 3, 1))
    no_talk = make_applicant(tree.branch_b1, applied_on=D(2025, 9, 1), name="王未谈")
    make_applicant(tree.branch_a2, applied_on=D(2025, 9, 25), name="赵按时")
    target = tmp_path / "out.csv"
    stdout = run("--as-of", "2025-10-01", "-o", str(target))
    text = target.read_text(encoding="utf-8")
    assert text.startswith("\ufeff")
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0] == "姓名,公民身份号码,环节,规则编号,条款,问题,应办日期或最早日期"
    # 王未谈's talk is due on 2025-10-01 itself: not yet a problem
    assert lines[1:] == [
        f"李迟谈,{late_talk.id_number_masked},2. 党组织派人谈话,FZ-03,第七条,"
        "谈话日期2025-03-01晚于收到申请书后一个月的时限(最迟2025-02-28),2025-02-28",
    ]
    assert stdout.strip().splitlines()[-1] == (
        f"检查3份发展档案,1份有问题,共1个问题(逾期0个,不符合规定1个,缺少记录0个),已写入{target}"
    )
    stdout = run("--as-of", "2025-10-02", "-o", str(target))
    lines = target.read_text(encoding="utf-8").lstrip("\ufeff").splitlines()
    assert lines[2] == (
        f"王未谈,{no_talk.id_number_masked},2. 党组织派人谈话,FZ-03,第七条,"
        "已超过时限(最迟2025-10-01)尚未办理,2025-10-01"
    )
    assert "2份有问题,共2个问题(逾期1个" in stdout


def test_check_by_org_as_a_user_and_full_numbers_audited(tree, accounts, tmp_path):
    a = make_applicant(tree.branch_a1, applied_on=D(2025, 1, 31), name="李迟谈")
    record(a, "talk", D(2025, 3, 1))
    make_applicant(tree.branch_b1, applied_on=D(2025, 1, 31), name="乙村人")
    target = tmp_path / "a.csv"
    stdout = run("--org", "C0A", "--as", "organizer_a", "--full", "-o", str(target))
    body = target.read_text(encoding="utf-8")
    assert crypto.decrypt(a.id_number_enc) in body and "乙村人" not in body
    assert "检查1份发展档案" in stdout
    assert AuditEntry.objects.filter(action="recruitment.check_full").count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--org", "C0A", "--as", "organizer_b"], "不在本账号的管辖范围内"),
        (["--as", "leader_a", "--full"], "无权导出完整的公民身份号码"),
        (["--as", "member_zs"], "无权查看"),
        (["--as-of", "明天"], "无法识别"),
    ],
)
def test_check_refuses(tree, accounts, tmp_path, capsys, args, message):
    with pytest.raises(SystemExit) as exc:
        call_command("recruitment", "check", *args, "-o", str(tmp_path / "x.csv"))
    assert exc.value.code == 2
    assert message in capsys.readouterr().err
