"""`zugong import` and `zugong template`: exit status, the summary line, rejects, --as; and a kill
in the middle of the commit leaves the database exactly as it was."""

import datetime as dt
import io
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from python_calamine import CalamineWorkbook

from zugong.core.audit import verify_chain
from zugong.core.importing import bulk, pipeline
from zugong.core.models import AuditEntry, AuditHead
from zugong.members import importers
from zugong.members.models import Member, MemberEvent
from zugong.orgs.models import Org

from ..factories import id_number_for
from ..import_helpers import FIXTURES, MEMBER_HEADER, write_xlsx


def member(n: int, org: str = "C0A1") -> list:
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=n % 9000)
    sex = "1" if n % 2 else "2"
    number = id_number_for(birth, sex, seq=n)
    return [f"党员{n}", "男" if n % 2 else "女", "汉", number, None, "本科", "2010-07-01", "2011-07-01",
            "正式", "13912345678", org]  # fmt: skip


def call(*args) -> tuple[int, list[str]]:
    out = io.StringIO()
    try:
        call_command("import", *args, stdout=out)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue().strip().splitlines()


@pytest.mark.django_db
def test_exit_0_when_written_with_the_summary_last(tree):
    code, lines = call("members", str(FIXTURES / "members.xls"))
    assert code == 0
    assert lines[-1] == "导入完成。读取5行,新增5行,更新0行,未变0行,拒绝0行"
    code, lines = call("members", str(FIXTURES / "members.xls"), "--dry-run")
    assert code == 0 and lines[-1].startswith("试运行") and "未变5行" in lines[-1]


@pytest.mark.django_db
def test_exit_2_refused_lists_every_problem(tree, tmp_path):
    path = write_xlsx(tmp_path / "m.xlsx", [MEMBER_HEADER, member(1), member(2, "C0A"), member(3, "C9")])
    code, lines = call("members", str(path))
    assert code == 2
    assert lines[0].startswith("第3行“所在党支部”列") and lines[1].startswith("第4行“所在党支部”列")
    assert lines[-1] == "未导入:发现问题,数据库未做任何修改。读取3行,新增0行,更新0行,未变0行,拒绝2行"
    assert Member.objects.count() == 0


@pytest.mark.django_db
def test_skip_invalid_with_rejects(tree, tmp_path):
    path = write_xlsx(tmp_path / "m.xlsx", [MEMBER_HEADER, member(1), member(2, "C9")])
    rejects = tmp_path / "rejects.xlsx"
    code, lines = call("members", str(path), "--skip-invalid", "--rejects", str(rejects))
    assert code == 0 and "新增1行" in lines[-1] and "拒绝1行" in lines[-1]
    assert "有问题的1行已写入" in lines[-2]
    rows = CalamineWorkbook.from_path(str(rejects)).get_sheet_by_index(0).to_python()
    assert rows[1][MEMBER_HEADER.index("所在党支部")] == "C9" and "找不到党组织" in rows[1][-1]


@pytest.mark.django_db
def test_exit_1_for_other_failures(tree, tmp_path):
    with pytest.raises(CommandError) as info:
        call("members", str(tmp_path / "missing.xlsx"))
    assert info.value.returncode == 1 and "找不到文件" in str(info.value)
    (tmp_path / "x.pdf").write_bytes(b"%PDF")
    with pytest.raises(CommandError, match="不支持的文件类型"):
        call("members", str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError, match="找不到账号"):
        call("members", str(FIXTURES / "members.xls"), "--as", "nobody")
    with pytest.raises(CommandError, match="--org 只用于党员导入"):
        call("orgs", str(FIXTURES / "orgs.xls"), "--org", "C0")


@pytest.mark.django_db
def test_as_an_account_imports_within_its_scope(tree, accounts, tmp_path):
    path = write_xlsx(tmp_path / "m.xlsx", [MEMBER_HEADER, member(1), member(2, "C0B1")])
    code, lines = call("members", str(path), "--as", "organizer_a")
    assert code == 2 and "不在该账号的管理范围内" in lines[0]
    with pytest.raises(CommandError, match="没有编辑党员信息的权限"):
        call("members", str(path), "--as", "leader_a")
    code, _lines = call("members", str(path), "--as", "admin")
    assert code == 0
    created = AuditEntry.objects.filter(action="member.create").exclude(object_repr="张三")
    assert set(created.values_list("actor_label", flat=True)) == {"admin"}


@pytest.mark.django_db
def test_orgs_command(tree):
    code, lines = call("orgs", str(FIXTURES / "orgs.xls"))
    assert code == 0 and "新增3行" in lines[-1]


@pytest.mark.django_db
def test_template_command(tmp_path):
    out = io.StringIO()
    call_command("template", "members", "-o", str(tmp_path / "t.xlsx"), stdout=out)
    assert "党员基本信息" in out.getvalue()
    header = CalamineWorkbook.from_path(str(tmp_path / "t.xlsx")).get_sheet_by_index(0).to_python()[0]
    assert "*公民身份号码" in header
    with pytest.raises(CommandError):
        call_command("template", "orgs", "-o", str(tmp_path / "t.csv"))


@pytest.mark.django_db
def test_a_failure_inside_the_write_rolls_everything_back(tree, tmp_path, monkeypatch):
    rows = [MEMBER_HEADER] + [member(n, "C0A1" if n % 2 else "C0B1") for n in range(1, 31)]
    path = write_xlsx(tmp_path / "m.xlsx", rows)
    monkeypatch.setattr(importers, "WRITE_BATCH", 10)
    calls = []
    flush = importers._BulkMembers.flush

    def failing(self):
        flush(self)
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")

    monkeypatch.setattr(importers._BulkMembers, "flush", failing)
    before = snapshot_orm()
    with pytest.raises(RuntimeError):
        call("members", str(path))
    assert snapshot_orm() == before and verify_chain()[1] == []


def snapshot_orm():
    head = AuditHead.objects.filter(id=1).values_list("last_hash", "count").first()
    return (
        Member.objects.count(),
        MemberEvent.objects.count(),
        AuditEntry.objects.count(),
        head,
        list(Org.objects.order_by("path").values_list("code", "member_total")),
    )


SNAPSHOT_SQL = [
    "SELECT count(*) FROM members_member",
    "SELECT count(*) FROM members_memberevent",
    "SELECT count(*) FROM core_auditentry",
    "SELECT last_hash, count FROM core_audithead",
    "SELECT code, member_total FROM orgs_org ORDER BY path",
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("parallel", [False, True], ids=["one-process", "reader-process"])
def test_killed_mid_commit_leaves_the_database_as_it_was(tree, tmp_path, parallel):
    if parallel and connection.vendor != "postgresql":
        pytest.skip("the reader process is used on PostgreSQL only")
    rows = [MEMBER_HEADER] + [member(n, "C0A1" if n % 3 else "C0B1") for n in range(1, 6001)]
    path = write_xlsx(tmp_path / "big.xlsx", rows)
    flag = tmp_path / "paused"
    env = {
        **os.environ,
        "ZUGONG_DATA_DIR": str(tmp_path / "data"),
        "ZUGONG_FIELD_KEY": settings.FIELD_KEY,
        bulk.PAUSE_ENV: f"1:{flag}",  # once the first batch is written, inside the open transaction
        pipeline.PARALLEL_ENV: "0" if parallel else str(2**40),
    }
    if connection.vendor == "sqlite":
        db_file = tmp_path / "db.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(db_file)
        connection.connection.backup(target)
        target.close()
        env["DATABASE_URL"] = f"sqlite:///{db_file}"

        def snapshot():
            with sqlite3.connect(db_file) as db:
                return [db.execute(sql).fetchall() for sql in SNAPSHOT_SQL]
    else:
        db = connection.settings_dict
        env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"

        def snapshot():
            with connection.cursor() as cursor:
                out = []
                for sql in SNAPSHOT_SQL:
                    cursor.execute(sql)
                    out.append(cursor.fetchall())
                return out

    before = snapshot()
    process = subprocess.Popen(
        [sys.executable, "-m", "zugong", "import", "members", str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 240
        while not flag.exists():
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.2)
        os.kill(process.pid, signal.SIGKILL)  # the first batch is written, the transaction is open
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
    assert process.returncode == -signal.SIGKILL
    time.sleep(0.5)  # PostgreSQL notices the dropped connection and rolls back
    deadline = time.monotonic() + 30
    while _children_reading(path) and time.monotonic() < deadline:
        time.sleep(0.2)  # the reader process ends once the pipe to its parent is broken
    assert not _children_reading(path)

    assert snapshot() == before
    verify = subprocess.run(
        [sys.executable, "-m", "zugong", "audit", "verify"], env=env, capture_output=True, text=True
    )
    assert verify.returncode == 0, verify.stderr
    assert "哈希链完整" in verify.stdout


def _children_reading(path) -> list[int]:
    """Processes still running `zugong import … path` (the reader process outlives no parent)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                cmdline = handle.read().split(b"\0")
            with open(f"/proc/{entry}/stat") as handle:
                state = handle.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z" and str(path).encode() in cmdline and b"import" in cmdline:
            found.append(int(entry))
    return found
