import datetime as dt

import pytest
from django.db import transaction

from zugong.core import audit
from zugong.core.models import AuditEntry

from ..factories import make_member


@pytest.mark.django_db
def test_record_outside_transaction_is_refused(tree):
    # pytest-django wraps tests in a transaction; leave it to test the guard
    with pytest.raises(RuntimeError):
        transaction.get_connection().in_atomic_block = False
        try:
            audit.record(actor=None, action="x")
        finally:
            transaction.get_connection().in_atomic_block = True


@pytest.mark.django_db
def test_chain_verifies_and_detects_tampering(tree):
    make_member(tree.branch_a1)
    checked, bad = audit.verify_chain()
    assert checked == AuditEntry.objects.count() > 5
    assert bad == []
    entry = AuditEntry.objects.filter(action="member.create").get()
    AuditEntry.objects.filter(pk=entry.pk).update(after={"name": "篡改"})
    _, bad = audit.verify_chain()
    assert entry.pk in bad


@pytest.mark.django_db
def test_member_audit_never_holds_clear_id_number(tree):
    member = make_member(
        tree.branch_a1, id_number="11010519491231002X", birth_date=dt.date(1949, 12, 31), sex="2"
    )
    entry = AuditEntry.objects.get(action="member.create", object_id=str(member.pk))
    text = str(entry.after)
    assert "11010519491231002X" not in text
    assert entry.after["id_number_masked"] == "110105********002X"
    assert "13912345678" not in text


@pytest.mark.django_db
def test_move_carries_audit_paths(tree):
    from zugong.orgs.services import org_move

    make_member(tree.branch_a2)
    org_move(actor=None, org=tree.general_a, new_parent=tree.town_b)
    tree.branch_a2.refresh_from_db()
    entry = AuditEntry.objects.get(action="member.create")
    assert entry.org_path == tree.branch_a2.path
