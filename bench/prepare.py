"""Data for a run: `zugong migrate` and `zugong seed` once per (scale, database).

The database says what it holds: `zugong seed` writes an audit entry with its scale, seed and
counts. A run skips seeding when that entry matches the scale and seed asked for, the counts
still match, and a member's ID number decrypts with this data folder's field key (a database
seeded with another key could not be written to). A marker file under bench/results/markers/
records what was found or seeded, for people.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

RESULTS = Path(__file__).resolve().parent / "results"
REPO = RESULTS.parent.parent


def safe_url(url: str) -> str:
    """The URL without its password."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def marker_path(url: str) -> Path:
    return RESULTS / "markers" / (hashlib.sha1(safe_url(url).encode()).hexdigest()[:12] + ".json")


def zugong(*args: str, env: dict[str, str]) -> None:
    child = {k: v for k, v in env.items() if k != "DJANGO_SETTINGS_MODULE"}
    subprocess.run(
        [sys.executable, "-m", "zugong", *args], env=child, cwd=REPO, check=True, stdin=subprocess.DEVNULL
    )


def found(scale: str, seed: int) -> tuple[bool, str, int]:
    """(the data is the seeded scale, why not, number of orgs present)."""
    from zugong.core import crypto
    from zugong.core.models import AuditEntry
    from zugong.members.models import Member
    from zugong.orgs.models import Org

    orgs = Org.objects.count()
    if not orgs:
        return False, "empty database", 0
    entry = AuditEntry.objects.filter(action="seed").order_by("-id").first()
    if entry is None:
        return False, "no seed entry in the audit log", orgs
    info = entry.after or {}
    if (info.get("scale"), info.get("seed")) != (scale, seed):
        return False, f"seeded as {info.get('scale')} (seed {info.get('seed')})", orgs
    if (orgs, Member.objects.count()) != (info.get("orgs"), info.get("members")):
        return False, "counts differ from the seed entry", orgs
    sample = Member.objects.order_by("pk").values_list("id_number_enc", flat=True).first()
    if sample:
        try:
            crypto.decrypt(sample)
        except Exception:
            return False, "seeded with another field key (ZUGONG_DATA_DIR)", orgs
    return True, f"seeded {info.get('as_of')}", orgs


def ensure_seeded(
    *, scale: str, seed: int, url: str, env: dict[str, str], reseed: bool = False, log=print
) -> dict:
    """Migrate, and seed unless the database already holds this scale. Needs django.setup() done."""
    from django.db import connection

    zugong("migrate", "--noinput", "-v", "0", env=env)
    ok, why, orgs = found(scale, seed)
    marker = marker_path(url)
    if ok and not reseed:
        log(f"data: {scale} already seeded ({why}); not seeding again")
        info = {"db": safe_url(url), "scale": scale, "seed": seed, "checked": dt.datetime.now().isoformat()}
    else:
        if orgs and not reseed and why in {"no seed entry in the audit log"}:
            raise SystemExit(
                f"{safe_url(url)} holds {orgs:,} orgs that `zugong seed` did not write; "
                "pass --reseed to wipe them and seed"
            )
        log(f"data: seeding {scale} ({why})")
        connection.close()
        zugong("seed", "--scale", scale, "--seed", str(seed), *(["--force"] if orgs else []), env=env)
        ok, why, _orgs = found(scale, seed)
        if not ok:
            raise SystemExit(f"seeding did not produce the {scale} data: {why}")
        info = {"db": safe_url(url), "scale": scale, "seed": seed, "seeded": dt.datetime.now().isoformat()}
    if settle(connection):
        log("data: vacuumed (the visibility map was mostly empty)")
    info["data_dir"] = env.get("ZUGONG_DATA_DIR", "")
    marker.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(marker.read_text()) if marker.exists() else {}
    marker.write_text(json.dumps({**previous, **info}, ensure_ascii=False, indent=1))
    return info


def settle(connection) -> bool:
    """PostgreSQL: VACUUM the loaded tables when most of the members table is not marked
    all-visible. `zugong seed` only ANALYZEs, which leaves the visibility map empty (no index-only
    scans) and the hint bits unset (the first read of every page writes it back): a state no
    production database stays in. See docs/performance.md."""
    if connection.vendor != "postgresql":
        return False
    from bench.raw import Raw

    raw = Raw(connection)
    pages, visible = raw.all(
        "SELECT relpages, relallvisible FROM pg_class WHERE oid = 'members_member'::regclass"
    )[0]
    if visible * 2 >= pages:
        return False
    raw.run("VACUUM (ANALYZE) members_member, orgs_org, orgs_unit, members_partygroup")
    return True


def environment(url: str, data_dir: str | None) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, "ZUGONG_DATA_DIR": data_dir or str(RESULTS / "data")}
