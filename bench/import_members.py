"""Member import throughput against the raw limit of the same machine, in the same run.

    python bench/import_members.py --rows 1000000 --db postgres://postgres@127.0.0.1:5432/zg_bench

The database is the benchmark's own: it is migrated, and its members, member events and audit
entries are deleted first. Steps:

1. a roster .xlsx of ROWS members in the national column layout (xlsxwriter, constant memory),
   spread over 200 branches of a generated county;
2. the raw limit: python-calamine reads the file and the same rows go by binary COPY (psycopg 3
   `write_row` with `set_types`) into a copy of the members table (same columns, indexes and
   constraints), with no checking or encryption (dates only become dates, as binary COPY needs);
3. `zugong import members FILE` in a child process: rows/s and its peak memory — the largest sum
   of the resident memory of the import and its reader process, sampled every 0.1 s, and each
   process's own high-water mark;
4. the ratio import / raw limit (target: at least 0.5), counts and the audit chain checked.

Memory is read from /proc (Linux only).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HEADER = ["姓名", "性别", "民族", "公民身份号码", "出生日期", "籍贯", "学历", "学位", "人员类别", "工作单位",
          "职务", "入党日期", "转正日期", "党员类型", "手机", "住址", "所在党支部", "流动党员"]  # fmt: skip
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "秀英",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
]
EDUCATION = ["大学本科", "大专", "高中", "初中", "硕士", "中专"]
CATEGORY = ["农牧渔民", "工人", "专业技术人员", "离退休人员", "党政机关工作人员", "学生"]
BRANCHES = 200


def log(message: str) -> None:
    print(message, flush=True)


def setup_django(db: str, data_dir: Path) -> None:
    os.environ["DATABASE_URL"] = db
    os.environ["ZUGONG_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zugong.settings")
    import django

    django.setup()


def prepare_database() -> list[str]:
    """Migrate, empty the member tables, make sure the county and its branches exist."""
    from django.core.management import call_command
    from django.db import connection

    from zugong.orgs import services
    from zugong.orgs.models import Org, OrgKind

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        # CASCADE reaches every table that points at members (accounts, and through them the rules'
        # changed_by): migrate again below, whose post_migrate loads the code tables and rule packs.
        cursor.execute(
            "TRUNCATE members_memberevent, members_member, core_auditentry RESTART IDENTITY CASCADE"
        )
        cursor.execute("UPDATE core_audithead SET last_hash = '', count = 0")
        cursor.execute("UPDATE orgs_org SET member_total = 0")
    call_command("migrate", verbosity=0)
    county = Org.objects.filter(code="BENCH").first()
    if county is None:
        county = services.org_create(
            actor=None, parent=None, code="BENCH", name="基准县委", kind=OrgKind.COMMITTEE
        )
    codes = []
    for t in range(10):
        town = Org.objects.filter(code=f"BENCH{t:02d}").first() or services.org_create(
            actor=None, parent=county, code=f"BENCH{t:02d}", name=f"基准镇{t}党委", kind=OrgKind.COMMITTEE
        )
        for b in range(BRANCHES // 10):
            code = f"BENCH{t:02d}{b:03d}"
            if not Org.objects.filter(code=code).exists():
                services.org_create(
                    actor=None, parent=town, code=code, name=f"基准{t}镇{b}村党支部", kind=OrgKind.BRANCH
                )
            codes.append(code)
    return codes


def id_number(n: int) -> tuple[str, dt.date, str]:
    from zugong.core.idnumber import make

    birth = dt.date(1950, 1, 1) + dt.timedelta(days=n % 13000)  # 1950 .. 1985
    region = f"14{(n // 13000) % 10000:04d}"
    sex = "1" if n % 2 else "2"
    return make(region, birth, (n // 180_000_000) % 100, sex), birth, sex


def write_roster(path: Path, rows: int, branches: list[str]) -> float:
    import xlsxwriter

    started = time.monotonic()
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("党员")
    for c, text in enumerate(HEADER):
        sheet.write_string(0, c, text)
    for n in range(rows):
        number, birth, sex = id_number(n)
        joined = birth + dt.timedelta(days=365 * 22 + n % 3000)  # converted by 2016 at the latest
        values = [
            SURNAMES[n % len(SURNAMES)] + GIVEN[n % len(GIVEN)],
            "男" if sex == "1" else "女",
            "汉族" if n % 20 else "回族",
            number,
            birth.isoformat(),
            "山西晋城",
            EDUCATION[n % len(EDUCATION)],
            "",
            CATEGORY[n % len(CATEGORY)],
            "晋城市泽州县某单位",
            "",
            joined.isoformat(),
            (joined + dt.timedelta(days=400)).isoformat(),
            "正式党员",
            f"139{n % 100_000_000:08d}",
            "泽州县某村",
            branches[n % len(branches)],
            "否",
        ]
        for c, value in enumerate(values):
            if value:
                sheet.write_string(n + 1, c, value)
    workbook.close()
    return time.monotonic() - started


def raw_limit(path: Path) -> tuple[float, float]:
    """(seconds to read the file with calamine, seconds to read it and COPY the same rows)."""
    from django.db import connection
    from python_calamine import CalamineWorkbook

    started = time.monotonic()
    workbook = CalamineWorkbook.from_path(str(path))
    n = sum(1 for _row in workbook.get_sheet_by_index(0).iter_rows())
    workbook.close()
    read_seconds = time.monotonic() - started
    assert n > 1

    from zugong.orgs.models import Org

    orgs = dict(Org.objects.values_list("code", "id"))
    paths = dict(Org.objects.values_list("code", "path"))
    now = dt.datetime.now(dt.UTC)
    columns = ", ".join(
        ["name", "sex", "ethnicity", "id_number_enc", "id_number_hash", "id_number_masked", "birth_date",
         "native_place", "education", "degree", "category", "work_unit", "job_title", "joined_on",
         "converted_on", "status", "standing", "phone_enc", "phone_masked", "address", "is_mobile", "org_id",
         "org_path", "province_code", "created_at", "updated_at"]
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_member")
        cursor.execute("CREATE TABLE bench_raw_member (LIKE members_member INCLUDING ALL)")
    started = time.monotonic()
    workbook = CalamineWorkbook.from_path(str(path))
    rows = workbook.get_sheet_by_index(0).iter_rows()
    next(rows)
    date = dt.date.fromisoformat
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = 'bench_raw_member'::regclass"
        )
        oids = dict(cursor.fetchall())
        types = [oids[c.strip()] for c in columns.split(",")]
        with cursor.cursor.copy(f"COPY bench_raw_member ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(types)
            for r in rows:
                copy.write_row(
                    (r[0], r[1][:1], "01", r[3], r[3], r[3], date(r[4]), r[5], "21", "", "50", r[9],
                     r[10], date(r[11]), date(r[12]) if r[12] else None, "formal", "normal", r[14], r[14],
                     r[15], False, orgs[r[16]], paths[r[16]], "14", now, now)
                )  # fmt: skip
    workbook.close()
    copy_seconds = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_raw_member")
    return read_seconds, copy_seconds


# The child reports its own peak: VmHWM belongs to the process's address space after exec, while
# ru_maxrss also counts the parent's pages the child had between fork and exec.
CHILD = """
import atexit, sys
def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            print("PEAK_KIB=" + line.split()[1], file=sys.stderr)
atexit.register(peak)
from zugong.cli import main
sys.argv = ["zugong", *sys.argv[1:]]
main()
"""


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            with open(f"/proc/{current}/task/{current}/children") as handle:
                todo.extend(int(p) for p in handle.read().split())
        except OSError:
            pass
    return pids


def run_import(path: Path, env: dict[str, str]) -> tuple[float, int, int, str]:
    """(seconds, peak KiB of the process tree's summed RSS, the main process's VmHWM KiB, summary)."""
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-c", CHILD, "import", "members", str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak_sum = 0
    sampler_done = threading.Event()

    def sample() -> None:
        nonlocal peak_sum
        while not sampler_done.wait(0.1):
            peak_sum = max(peak_sum, sum(_rss_kib(p) for p in _tree(process.pid)))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    sampler_done.set()
    sampler.join()
    seconds = time.monotonic() - started
    peaks = [line for line in stderr.splitlines() if line.startswith("PEAK_KIB=")]
    peak_kib = int(peaks[-1].split("=")[1]) if peaks else 0
    output = (stdout.strip().splitlines() or [""])[-1]
    if process.returncode != 0:
        raise SystemExit(f"zugong import failed ({process.returncode}): {stdout[-2000:]} {stderr[-2000:]}")
    return seconds, max(peak_sum, peak_kib), peak_kib, output


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", required=True, help="PostgreSQL URL of a database the benchmark may empty")
    parser.add_argument("--workdir", help="where the roster is written (default: a temporary folder)")
    parser.add_argument("--no-verify", action="store_true", help="skip the audit chain check at the end")
    parser.add_argument("--json", help="also write the figures to this file (python -m bench run reads it)")
    args = parser.parse_args()
    if not args.db.startswith(("postgres://", "postgresql://")):
        parser.error("--db: a PostgreSQL URL (the raw limit is measured with COPY)")

    with tempfile.TemporaryDirectory(prefix="zugong-bench-") as tmp:
        work = Path(args.workdir or tmp)
        work.mkdir(parents=True, exist_ok=True)
        data = Path(tmp) / "data"
        setup_django(args.db, data)
        from django.conf import settings

        env = {
            **os.environ,
            "DATABASE_URL": args.db,
            "ZUGONG_DATA_DIR": str(data),
            "ZUGONG_FIELD_KEY": settings.FIELD_KEY,
        }
        branches = prepare_database()
        path = work / f"roster-{args.rows}.xlsx"
        if not path.exists():
            seconds = write_roster(path, args.rows, branches)
            size = path.stat().st_size / 2**20
            log(f"roster: {args.rows:,} rows, {size:.1f} MiB, written in {seconds:.1f} s")
        read_s, raw_s = raw_limit(path)
        raw_peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        log(f"calamine read:        {args.rows / read_s:10,.0f} rows/s ({read_s:.1f} s)")
        raw_rate, raw_peak = args.rows / raw_s, raw_peak_kib / 1024
        log(f"raw limit (read+COPY): {raw_rate:9,.0f} rows/s ({raw_s:.1f} s), peak {raw_peak:.0f} MiB")

        load = os.getloadavg()
        seconds, peak_kib, main_kib, summary = run_import(path, env)
        rate = args.rows / seconds
        log(
            f"zugong import members: {rate:9,.0f} rows/s ({seconds:.1f} s), peak {peak_kib / 1024:.0f} MiB "
            f"(both processes; main process alone {main_kib / 1024:.0f} MiB)"
        )
        log(f"  {summary}")
        log(f"ratio import / raw limit: {raw_s / seconds:.2f}")
        log(
            f"load average at the start of the import: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, "
            f"{os.cpu_count()} CPUs"
        )

        from zugong.core.audit import verify_chain
        from zugong.members.models import Member
        from zugong.orgs.models import Org

        assert Member.objects.count() == args.rows
        assert Org.objects.get(code="BENCH").member_total == args.rows
        checked = None
        if not args.no_verify:
            started = time.monotonic()
            checked, bad = verify_chain()
            assert not bad, bad[:10]
            log(f"audit chain: {checked:,} entries verified in {time.monotonic() - started:.1f} s")
        if args.json:
            figures = {
                "rows": args.rows,
                "read_s": read_s,
                "raw_s": raw_s,
                "raw_peak_mib": raw_peak,
                "import_s": seconds,
                "peak_mib": peak_kib / 1024,
                "main_peak_mib": main_kib / 1024,
                "load": list(load),
                "summary": summary,
                "chain_checked": checked,
            }
            Path(args.json).write_text(json.dumps(figures, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    main()
