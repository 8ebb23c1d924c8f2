import datetime as dt
import hashlib
import json

import pytest
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st

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


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(
    prev=st.text(alphabet="0123456789abcdef", max_size=64),
    actor_id=st.none() | st.integers(min_value=1),
    objects=st.lists(
        st.tuples(
            st.sampled_from(["member.create", "org.update"]),
            st.text(max_size=8) | st.integers(min_value=0).map(str),
            st.dictionaries(st.text(max_size=6), _json_values, max_size=4),
            st.dictionaries(st.text(max_size=6), _json_values, max_size=4),
        ),
        min_size=1,
        max_size=4,
    ),
    request_id=st.text(max_size=12),
)
def test_bulk_chain_digests_equal_one_by_one_digests(prev, actor_id, objects, request_id):
    at = dt.datetime(2026, 11, 23, 12, 0, 0, 123456, tzinfo=dt.UTC)
    bulk = audit.chain_digests(
        prev,
        at=at,
        actor_id=actor_id,
        request_id=request_id,
        entries=[(a, "members.member", o, audit._json(b), audit._json(f)) for a, o, b, f in objects],
    )
    expected = []
    for action, object_id, before, after in objects:
        entry = AuditEntry(
            at=at, actor_id=actor_id, action=action, object_type="members.member", object_id=object_id,
            before=before, after=after, request_id=request_id,
        )  # fmt: skip
        # The definition the chain has always had: json.dumps of the whole list.
        payload = json.dumps(
            [prev, at.isoformat(), actor_id, action, "members.member", object_id, before, after, request_id],
            ensure_ascii=False,
            sort_keys=True,
            default=str,
        )
        assert audit._digest(prev, entry) == hashlib.sha256(payload.encode()).hexdigest()
        prev = audit._digest(prev, entry)
        expected.append(prev)
    assert bulk == expected
