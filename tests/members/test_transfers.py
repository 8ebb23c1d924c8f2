"""组织关系转接 services (members.transfers): every state change, the rules GX-01/02/03 at their
boundaries, scope on both sides, and stored totals and rollups exact after a member moves or leaves."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zugong.core.exceptions import NotInScope
from zugong.core.models import AuditEntry
from zugong.core.scope import scope_for
from zugong.members import transfers, transfers_selectors
from zugong.members.models import Member, MemberEvent, Transfer
from zugong.orgs import services as org_services
from zugong.orgs.models import Org
from zugong.rules import engine

from ..factories import make_member, make_transfer, member_fields
from ..stats.test_rollups import assert_exact

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


def total(org: Org) -> int:
    return Org.objects.get(pk=org.pk).member_total


def months(key: str) -> int:
    return engine.rule("GX-03").params[key]


# -- within the system ------------------------------------------------------------------------------
def test_within_transfer_keeps_the_member_in_the_sending_branch_until_received(tree, accounts):
    m = make_member(tree.branch_a1)
    before_a, before_b = total(tree.branch_a1), total(tree.branch_b1)
    t = transfers.transfer_start(
        actor=accounts["secretary_a1"], member=m, kind="within", to_org=tree.branch_b1, reason="工作调动"
    )
    assert t.state == Transfer.State.PENDING and t.to_name == "乙村党支部"
    assert t.letter_number == f"{TODAY.year}-0001"
    assert t.valid_until == engine.add_months(TODAY, months("max_letter_months"))
    m.refresh_from_db()
    assert m.org_id == tree.branch_a1.pk  # GX-01/GX-02: one org, the sender's, until receipt
    assert (total(tree.branch_a1), total(tree.branch_b1)) == (before_a, before_b)
    # visible in both orgs' views while in transit
    sender, receiver = scope_for(accounts["organizer_a"]), scope_for(accounts["organizer_b"])
    assert [x.pk for x in transfers_selectors.in_transit(scope=sender, org=tree.branch_a1)] == [t.pk]
    assert [x.pk for x in transfers_selectors.in_transit(scope=receiver, org=tree.branch_b1)] == [t.pk]
    incoming = transfers_selectors.TransferFilters(tab="incoming")
    assert list(transfers_selectors.transfer_list(scope=receiver, filters=incoming)) == [t]
    assert MemberEvent.objects.filter(member=m, kind=MemberEvent.Kind.TRANSFER_OUT).count() == 1
    assert AuditEntry.objects.filter(action="transfer.start", org_path=tree.branch_a1.path).exists()

    done = transfers.transfer_receive(actor=accounts["organizer_b"], transfer=t, note="已报到")
    m.refresh_from_db()
    assert done.state == Transfer.State.RECEIVED and done.received_on == TODAY
    assert m.org_id == tree.branch_b1.pk and m.org_path == tree.branch_b1.path
    assert (total(tree.branch_a1), total(tree.branch_b1)) == (before_a - 1, before_b + 1)
    assert total(tree.town_a) == total(tree.branch_a1) + total(tree.general_a)
    assert_exact()
    assert MemberEvent.objects.filter(
        member=m, kind=MemberEvent.Kind.ORG_CHANGED, from_org=tree.branch_a1, to_org=tree.branch_b1
    ).exists()


def test_letter_numbers_run_per_issuing_branch_and_year_and_may_be_typed(tree):
    a, b, c = (make_member(tree.branch_a1) for _ in range(3))
    assert make_transfer(a, tree.branch_b1).letter_number == f"{TODAY.year}-0001"
    assert make_transfer(b, tree.branch_b1).letter_number == f"{TODAY.year}-0002"
    other = make_transfer(make_member(tree.branch_a2), tree.branch_b1)
    assert other.letter_number == f"{TODAY.year}-0001"  # another branch counts its own
    with pytest.raises(ValidationError) as exc:
        make_transfer(c, tree.branch_b1, letter_number=f"{TODAY.year}-0002")
    assert "不能重复" in exc.value.message_dict["letter_number"][0]
    assert make_transfer(c, tree.branch_b1, letter_number="甲字第7号").letter_number == "甲字第7号"


def test_one_open_transfer_per_member(tree):
    m = make_member(tree.branch_a1)
    t = make_transfer(m, tree.branch_b1)
    with pytest.raises(ValidationError) as exc:
        make_transfer(m, tree.branch_a2)
    assert t.letter_number in exc.value.message_dict["member"][0]
    with pytest.raises(IntegrityError), transaction.atomic():  # the database says so too
        Transfer.objects.create(
            member=m, kind="out", from_org=tree.branch_a1, from_name="x", to_name="y",
            letter_number="dup", issued_on=TODAY, valid_until=TODAY,
        )  # fmt: skip
    transfers.transfer_cancel(actor=None, transfer=t, reason="去向有误")
    assert make_transfer(m, tree.branch_a2).state == Transfer.State.PENDING


def test_receiving_org_must_be_another_active_branch(tree):
    m = make_member(tree.branch_a1)
    for org, text in ((tree.town_b, "“乙镇党委”是党委"), (tree.branch_a1, "无需转接")):
        with pytest.raises(ValidationError) as exc:
            make_transfer(m, org)
        assert text in exc.value.message_dict["to_org"][0]
    assert transfers.find_receiving_org("C0B1") == tree.branch_b1
    assert transfers.find_receiving_org(" 乙村党支部 ") == tree.branch_b1
    with pytest.raises(ValidationError):
        transfers.find_receiving_org("乙村")  # exact only: no browsing by fragments


def test_return_needs_a_reason_and_waits_for_the_sender(tree, accounts):
    m = make_member(tree.branch_a1)
    t = make_transfer(m, tree.branch_b1)
    with pytest.raises(ValidationError) as exc:
        transfers.transfer_return(actor=accounts["organizer_b"], transfer=t, reason="  ")
    assert "GX-02" in exc.value.message_dict["return_reason"][0]
    returned = transfers.transfer_return(
        actor=accounts["organizer_b"], transfer=t, reason="查无此人,请核实去向"
    )
    m.refresh_from_db()
    assert returned.state == Transfer.State.RETURNED and m.org_id == tree.branch_a1.pk
    assert transfers.needs_sender(returned)
    sender = scope_for(accounts["secretary_a1"])
    tab = transfers_selectors.TransferFilters(tab="returned")
    assert list(transfers_selectors.transfer_list(scope=sender, filters=tab)) == [returned]
    assert transfers_selectors.tab_counts(scope=sender)["returned"] == 1
    # the receiver may not settle it, the sender does (or sends a new letter)
    with pytest.raises(NotInScope):
        transfers.transfer_settle(actor=accounts["organizer_b"], transfer=t, note="x")
    with pytest.raises(ValidationError):
        transfers.transfer_settle(actor=accounts["secretary_a1"], transfer=t, note="")
    settled = transfers.transfer_settle(actor=accounts["secretary_a1"], transfer=t, note="暂不转接")
    assert settled.settled_on == TODAY and not transfers.needs_sender(settled)
    with pytest.raises(ValidationError):
        transfers.transfer_settle(actor=accounts["secretary_a1"], transfer=t, note="again")


def test_a_new_letter_settles_a_returned_one(tree):
    m = make_member(tree.branch_a1)
    t = make_transfer(m, tree.branch_b1)
    transfers.transfer_return(actor=None, transfer=t, reason="不符合接收条件")
    make_transfer(m, tree.branch_a2)
    t.refresh_from_db()
    assert t.settled_on == TODAY


def test_states_allow_only_their_next_steps(tree, accounts):
    m = make_member(tree.branch_a1)
    t = make_transfer(m, tree.branch_b1)
    transfers.transfer_receive(actor=None, transfer=t)
    for call in (
        lambda: transfers.transfer_receive(actor=None, transfer=t),
        lambda: transfers.transfer_return(actor=None, transfer=t, reason="x"),
        lambda: transfers.transfer_cancel(actor=None, transfer=t),
        lambda: transfers.transfer_reissue(actor=None, transfer=t),
        lambda: transfers.transfer_settle(actor=None, transfer=t, note="x"),
    ):
        with pytest.raises(ValidationError):
            call()
    out = make_transfer(make_member(tree.branch_a1))
    with pytest.raises(ValidationError):  # out of the system: a receipt, not a receive
        transfers.transfer_receive(actor=None, transfer=out)
    with pytest.raises(ValidationError):
        transfers.transfer_record_receipt(actor=None, transfer=t, on=TODAY)


# -- scope and permissions --------------------------------------------------------------------------
def test_each_side_does_only_its_part(tree, accounts):
    m = make_member(tree.branch_a1)
    t = make_transfer(m, tree.branch_b1, actor=accounts["secretary_a1"])
    with pytest.raises(NotInScope):  # the sender does not accept for the receiver
        transfers.transfer_receive(actor=accounts["secretary_a1"], transfer=t)
    with pytest.raises(NotInScope):
        transfers.transfer_return(actor=accounts["organizer_a"], transfer=t, reason="x")
    with pytest.raises(NotInScope):  # the receiver does not withdraw the sender's letter
        transfers.transfer_cancel(actor=accounts["organizer_b"], transfer=t)
    with pytest.raises(PermissionDenied):
        transfers.transfer_cancel(actor=accounts["leader_a"], transfer=t)
    with pytest.raises(NotInScope):
        make_transfer(make_member(tree.branch_b1), tree.branch_a1, actor=accounts["organizer_a"])


def test_the_receiver_sees_the_incoming_member_only(tree, accounts):
    from zugong.members.selectors import member_get, member_list

    m = make_member(tree.branch_a1)
    make_member(tree.branch_a1, name="王五")
    t = make_transfer(m, tree.branch_b1)
    receiver = scope_for(accounts["organizer_b"])
    assert transfers_selectors.transfer_get(scope=receiver, pk=t.pk) == t
    with pytest.raises(NotInScope):
        member_get(scope=receiver, pk=m.pk)  # the registry of the sender stays closed
    assert not member_list(scope=receiver).filter(org=tree.branch_a1).exists()
    other = make_transfer(make_member(tree.branch_a1), tree.branch_a2)
    with pytest.raises(NotInScope):
        transfers_selectors.transfer_get(scope=receiver, pk=other.pk)
    for who in ("member", "talent_office"):
        assert not transfers_selectors.transfers_in_scope(scope=scope_for(accounts[who])).exists()


# -- GX-03: validity, overdue, reissue -----------------------------------------------------------------
def test_validity_is_the_rule_months_and_cross_province_months(tree):
    day = dt.date(2026, 1, 31)
    same = transfers.validity(issued_on=day, cross_province=False)
    cross = transfers.validity(issued_on=day, cross_province=True)
    assert same.last_day == engine.add_months(day, months("max_letter_months")) == dt.date(2026, 4, 30)
    assert cross.last_day == engine.add_months(day, months("max_letter_months_cross_province"))
    assert "GX-03" in same.text


def test_valid_until_may_be_shorter_never_longer(tree):
    issued = TODAY - dt.timedelta(days=3)
    last = engine.add_months(issued, months("max_letter_months"))
    m = make_member(tree.branch_a1)
    with pytest.raises(ValidationError) as exc:
        make_transfer(m, tree.branch_b1, issued_on=issued, valid_until=last + dt.timedelta(days=1))
    assert "GX-03" in exc.value.message_dict["valid_until"][0]
    assert make_transfer(m, tree.branch_b1, issued_on=issued, valid_until=last).valid_until == last
    short = make_transfer(
        make_member(tree.branch_a1), tree.branch_b1, valid_until=TODAY + dt.timedelta(days=10)
    )
    assert short.valid_until == TODAY + dt.timedelta(days=10)


def test_out_of_province_letters_get_the_cross_province_validity(tree):
    out = make_transfer(make_member(tree.branch_a1), to_province="11")
    assert out.cross_province
    assert out.valid_until == engine.add_months(TODAY, months("max_letter_months_cross_province"))
    home = make_transfer(make_member(tree.branch_a1), to_province="14", to_name="中共太原市某党支部")
    assert not home.cross_province
    assert home.valid_until == engine.add_months(TODAY, months("max_letter_months"))
    with pytest.raises(ValidationError) as exc:
        make_transfer(make_member(tree.branch_a1), to_province="")
    assert "to_province" in exc.value.message_dict


def test_overdue_from_the_day_after_the_last_valid_day(tree):
    issued = engine.add_months(TODAY, -months("max_letter_months"))  # last valid day: today
    m = make_member(tree.branch_a1)
    t = make_transfer(m, tree.branch_b1, issued_on=issued)
    assert t.valid_until == TODAY
    assert not transfers.is_overdue(t, TODAY)
    assert transfers.is_overdue(t, TODAY + dt.timedelta(days=1))
    overdue = transfers_selectors.TransferFilters(tab="overdue")
    from zugong.core.exporting import SYSTEM_SCOPE

    assert not transfers_selectors.transfer_list(scope=SYSTEM_SCOPE, filters=overdue, today=TODAY).exists()
    assert transfers_selectors.transfer_list(
        scope=SYSTEM_SCOPE, filters=overdue, today=TODAY + dt.timedelta(days=1)
    ).exists()
    with pytest.raises(ValidationError):  # not overdue yet: nothing to reissue
        transfers.transfer_reissue(actor=None, transfer=t)
    # received on its last day: still valid
    assert transfers.transfer_receive(actor=None, transfer=t, on=TODAY).state == Transfer.State.RECEIVED


def test_an_expired_letter_is_not_received_but_reissued(tree, accounts):
    issued = engine.add_months(TODAY, -months("max_letter_months")) - dt.timedelta(days=1)
    m = make_member(tree.branch_a1)
    t = make_transfer(m, tree.branch_b1, issued_on=issued)
    assert transfers.is_overdue(t)
    with pytest.raises(ValidationError) as exc:
        transfers.transfer_receive(actor=accounts["organizer_b"], transfer=t)
    assert "GX-03" in exc.value.message_dict["received_on"][0]
    # received in time but recorded late: the date on the letter counts
    late = transfers.transfer_receive(actor=accounts["organizer_b"], transfer=t, on=t.valid_until)
    assert late.state == Transfer.State.RECEIVED

    m2 = make_member(tree.branch_a1)
    t2 = make_transfer(m2, tree.branch_b1, issued_on=issued)
    with pytest.raises(NotInScope):
        transfers.transfer_reissue(actor=accounts["organizer_b"], transfer=t2)
    new = transfers.transfer_reissue(actor=accounts["secretary_a1"], transfer=t2)
    t2.refresh_from_db()
    assert t2.state == Transfer.State.REISSUED and new.reissue_of == t2
    assert new.state == Transfer.State.PENDING and new.letter_number != t2.letter_number
    assert new.valid_until == engine.add_months(TODAY, months("max_letter_months"))


def test_stub_kept_for_the_rule_years(tree):
    t = make_transfer(make_member(tree.branch_a1), tree.branch_b1)
    years = engine.rule("GX-03").params["stub_keep_years"]
    assert transfers.stub_keep_until(t) == engine.add_months(t.issued_on, 12 * years)


# -- out of the system and in from outside -------------------------------------------------------------
def test_receipt_takes_the_member_out_of_the_registry(tree, accounts):
    m = make_member(tree.branch_a1)
    before = total(tree.county)
    t = make_transfer(m, actor=accounts["secretary_a1"])
    with pytest.raises(ValidationError):
        transfers.transfer_record_receipt(
            actor=accounts["secretary_a1"], transfer=t, on=TODAY + dt.timedelta(1)
        )
    done = transfers.transfer_record_receipt(
        actor=accounts["secretary_a1"], transfer=t, on=TODAY, receipt_number="京回字12号"
    )
    m.refresh_from_db()
    assert done.state == Transfer.State.RECEIVED and done.receipt_number == "京回字12号"
    assert m.standing == Member.Standing.TRANSFERRED_OUT and m.org_id == tree.branch_a1.pk
    assert total(tree.county) == before - 1
    assert_exact()
    with pytest.raises(ValidationError):  # no second letter for someone no longer in the registry
        make_transfer(m, tree.branch_b1)


def test_the_outside_org_returning_the_letter_is_recorded_by_the_sender(tree, accounts):
    t = make_transfer(make_member(tree.branch_a1))
    with pytest.raises(NotInScope):
        transfers.transfer_return(actor=accounts["organizer_b"], transfer=t, reason="x")
    back = transfers.transfer_return(actor=accounts["secretary_a1"], transfer=t, reason="对方单位无党组织")
    assert back.state == Transfer.State.RETURNED and transfers.needs_sender(back)


def test_in_from_outside_registers_the_member_with_the_letter(tree, accounts):
    before = total(tree.branch_a1)
    issued = TODAY - dt.timedelta(days=20)
    t = transfers.transfer_in_from_outside(
        actor=accounts["secretary_a1"],
        to_org=tree.branch_a1,
        from_name="中共郑州市某街道党工委",
        from_province="41",
        letter_number="郑组转〔2026〕15号",
        issued_on=issued,
        **member_fields(name="赵敏"),
    )
    assert t.kind == Transfer.Kind.IN and t.state == Transfer.State.RECEIVED and t.received_on == TODAY
    assert t.cross_province and t.valid_until == engine.add_months(
        issued, months("max_letter_months_cross_province")
    )
    assert t.member.org_id == tree.branch_a1.pk and total(tree.branch_a1) == before + 1
    assert MemberEvent.objects.filter(member=t.member, kind=MemberEvent.Kind.TRANSFER_IN).exists()
    assert_exact()
    expired = engine.add_months(TODAY, -months("max_letter_months")) - dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        transfers.transfer_in_from_outside(
            actor=None, to_org=tree.branch_a1, from_name="中共某县某支部", letter_number="1",
            issued_on=expired, **member_fields(),
        )  # fmt: skip
    assert "received_on" in exc.value.message_dict
    with pytest.raises(NotInScope):
        transfers.transfer_in_from_outside(
            actor=accounts["organizer_b"], to_org=tree.branch_a1, from_name="x", letter_number="2",
            issued_on=TODAY, **member_fields(),
        )  # fmt: skip


def test_merge_hands_open_letters_to_the_target(tree):
    m = make_member(tree.branch_a2)
    t = make_transfer(m, tree.branch_b1)
    incoming = make_transfer(make_member(tree.branch_b1), tree.branch_a2)
    org_services.org_merge(actor=None, source=tree.branch_a2, target=tree.branch_a1)
    t.refresh_from_db()
    incoming.refresh_from_db()
    assert t.from_org_id == tree.branch_a1.pk and t.from_path == tree.branch_a1.path
    assert incoming.to_org_id == tree.branch_a1.pk and incoming.to_name == "甲村党支部"
    assert transfers.transfer_receive(actor=None, transfer=t).state == Transfer.State.RECEIVED


def test_paths_follow_subtree_moves(tree):
    t = make_transfer(make_member(tree.branch_a1), tree.branch_b1)
    org_services.org_move(actor=None, org=tree.branch_b1, new_parent=tree.town_a)
    t.refresh_from_db()
    assert t.to_path == Org.objects.get(pk=tree.branch_b1.pk).path


# -- GX-01 under any sequence of actions ---------------------------------------------------------------
ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["start", "receive", "return", "cancel", "out", "receipt"]),
        st.integers(0, 2),
        st.integers(0, 2),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=ACTIONS)
def test_a_member_always_belongs_to_exactly_one_org(tree, ops):
    branches = [tree.branch_a1, tree.branch_a2, tree.branch_b1]
    with transaction.atomic():
        people = [make_member(b) for b in branches]
        for op, who, where in ops:
            member = Member.objects.get(pk=people[who].pk)
            open_one = transfers_selectors.open_transfer(member=member)
            try:
                if op == "start":
                    make_transfer(member, branches[where])
                elif op == "out":
                    make_transfer(member)
                elif open_one is not None and op == "receive":
                    transfers.transfer_receive(actor=None, transfer=open_one)
                elif open_one is not None and op == "return":
                    transfers.transfer_return(actor=None, transfer=open_one, reason="核实")
                elif open_one is not None and op == "cancel":
                    transfers.transfer_cancel(actor=None, transfer=open_one)
                elif open_one is not None and op == "receipt":
                    transfers.transfer_record_receipt(actor=None, transfer=open_one, on=TODAY)
            except ValidationError:
                pass
            for p in Member.objects.filter(pk__in=[x.pk for x in people]).select_related("org"):
                assert p.org_path == p.org.path  # one org, and its path
                assert Transfer.objects.filter(member=p, state="pending").count() <= 1
                pending = transfers_selectors.open_transfer(member=p)
                if pending is not None:
                    assert pending.from_org_id == p.org_id
        assert_exact()
        transaction.set_rollback(True)
