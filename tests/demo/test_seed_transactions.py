"""On PostgreSQL, outside a caller's transaction, the seed loads in one transaction and reads back
in a second: the member indexes it rebuilds after the orglife UPDATE of every member row are
usable only by later transactions (pg_index.indcheckxmin), and the demo flows looked members up by
scanning the table. If the second part fails, the loaded data goes again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from zugong.demo import seed as seeding
from zugong.members.models import Member
from zugong.orgs.models import Org, OrgKind

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL bulk load"),
]

AS_OF = dt.date(2026, 6, 30)


def _lookup_plan() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN SELECT 1 FROM members_member WHERE id_number_hash = 'x'")
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = on")
    return plan


def test_the_demo_flows_find_members_through_the_indexes(monkeypatch):
    plans = []
    finish = seeding._finish

    def spying(*args, **kwargs):
        plans.append(_lookup_plan())
        return finish(*args, **kwargs)

    monkeypatch.setattr(seeding, "_finish", spying)
    summary = seeding.seed(scale="tiny", seed=2026, as_of=AS_OF)
    assert summary.members == Member.objects.count() > 0
    assert len(plans) == 1
    assert "member_id_number_hash_uniq" in plans[0], plans[0]
    assert "Seq Scan" not in plans[0]


def test_a_failure_after_the_load_removes_what_was_loaded(monkeypatch):
    from ..factories import make_member, make_org

    def load(*args, **kwargs):  # a committed load, cheaply: the wipe is what is tested here
        county = make_org(code="R1", name="县委", kind=OrgKind.COMMITTEE)
        branch = make_org(county, code="R1B", kind=OrgKind.BRANCH)
        make_member(branch)
        return seeding._Loaded(writer=None, root_id=branch.pk, wiped={})

    def broken(*args, **kwargs):
        assert Org.objects.count() == 2 and Member.objects.count() == 1  # committed by now
        raise RuntimeError("transfers failed")

    monkeypatch.setattr(seeding, "_load", load)
    monkeypatch.setattr(seeding, "_finish", broken)
    with pytest.raises(RuntimeError, match="transfers failed"):
        seeding.seed(scale="tiny", seed=2026, as_of=AS_OF)
    assert Org.objects.count() == 0
    assert Member.objects.count() == 0
