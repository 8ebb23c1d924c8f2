import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from zugong.accounts import selectors, services
from zugong.accounts.models import ApiToken, User
from zugong.core.exceptions import NotInScope
from zugong.core.models import AuditEntry
from zugong.core.scope import Role, scope_for

from ..factories import make_member

PASSWORD = "Qingshan-Lvshui-2026"


def create(actor, **overrides):
    values = {
        "username": "new_account",
        "role": Role.BRANCH_SECRETARY,
        "org": None,
        "password": PASSWORD,
    }
    values.update(overrides)
    return services.account_create(actor=actor, **values)


@pytest.mark.django_db
def test_create_hashes_with_argon2_and_audits_without_password(tree, accounts):
    account = create(accounts["dept_admin"], org=tree.branch_a1, display_name=" 李四 ")
    account.refresh_from_db()
    assert account.password.startswith("argon2")
    assert account.check_password(PASSWORD)
    assert account.display_name == "李四"
    entry = AuditEntry.objects.get(action="account.create", object_id=str(account.pk))
    assert entry.org_path == tree.branch_a1.path
    assert entry.actor_id == accounts["dept_admin"].pk
    assert entry.after["role"] == Role.BRANCH_SECRETARY
    assert PASSWORD not in str(entry.after) and "password" not in entry.after


@pytest.mark.django_db
def test_create_outside_scope_is_not_found(tree, accounts):
    town_admin = User.objects.create(username="town_admin", role=Role.DEPT_ADMIN, org=tree.town_a)
    with pytest.raises(NotInScope):
        create(town_admin, org=tree.branch_b1)
    assert not User.objects.filter(username="new_account").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["organizer_a", "leader_a", "secretary_a1", "member"])
def test_create_needs_account_manage(tree, accounts, who):
    with pytest.raises(PermissionDenied):
        create(accounts[who], org=tree.branch_a1)


@pytest.mark.django_db
def test_role_must_be_known_and_assignable(tree, accounts, monkeypatch):
    with pytest.raises(ValidationError) as err:
        create(accounts["dept_admin"], org=tree.branch_a1, role="god")
    assert "未知的角色" in err.value.message_dict["role"][0]
    # a manager whose role may hand out only some roles
    monkeypatch.setitem(services.ASSIGNABLE_ROLES, Role.DEPT_ADMIN, [Role.LEADER])
    with pytest.raises(ValidationError) as err:
        create(accounts["dept_admin"], org=tree.branch_a1, role=Role.DEPT_ADMIN)
    assert "无权分配角色" in err.value.message_dict["role"][0]
    assert create(accounts["dept_admin"], org=tree.branch_a1, role=Role.LEADER).role == Role.LEADER
    # the system and superusers may hand out every role
    assert create(accounts["superuser"], org=tree.county, role=Role.DEPT_ADMIN, username="x2").role == (
        Role.DEPT_ADMIN
    )


@pytest.mark.django_db
def test_member_role_binds_the_members_branch(tree, accounts):
    member = make_member(tree.branch_a2, name="王五")
    account = create(accounts["dept_admin"], org=tree.town_a, role=Role.MEMBER, member=member)
    assert account.org == tree.branch_a2
    assert account.display_name == "王五"
    assert scope_for(account).member_id == member.pk


@pytest.mark.django_db
def test_member_role_requires_a_member_inside_the_org(tree, accounts):
    with pytest.raises(ValidationError) as err:
        create(accounts["dept_admin"], org=tree.town_a, role=Role.MEMBER)
    assert "member" in err.value.message_dict
    outside = make_member(tree.branch_b1)
    with pytest.raises(ValidationError) as err:
        create(accounts["dept_admin"], org=tree.town_a, role=Role.MEMBER, member=outside)
    assert "不在该党组织" in err.value.message_dict["member"][0]
    with pytest.raises(ValidationError) as err:
        create(None, org=tree.branch_a1, role=Role.MEMBER, member=accounts["member_record"])
    assert "已有账号" in err.value.message_dict["member"][0]


@pytest.mark.django_db
def test_username_unique_and_password_validated(tree, accounts):
    with pytest.raises(ValidationError) as err:
        create(None, org=tree.branch_a1, username="ADMIN")
    assert "已被使用" in err.value.message_dict["username"][0]
    for weak in ["12345678901", "short1!", "password123"]:
        with pytest.raises(ValidationError) as err:
            create(None, org=tree.branch_a1, password=weak)
        assert err.value.message_dict["password"]
    with pytest.raises(ValidationError) as err:
        create(None, org=tree.branch_a1, password="")
    assert err.value.message_dict["password"] == ["密码不能为空"]
    with pytest.raises(ValidationError) as err:
        create(None, org=None)
    assert "org" in err.value.message_dict


@pytest.mark.django_db
def test_update_role_org_and_deactivate(tree, accounts):
    admin = accounts["dept_admin"]
    target = accounts["secretary_a1"]
    services.account_update(actor=admin, account=target, role=Role.LEADER, org=tree.town_b)
    target.refresh_from_db()
    assert (target.role, target.org) == (Role.LEADER, tree.town_b)
    entry = AuditEntry.objects.filter(action="account.update", object_id=str(target.pk)).get()
    assert entry.before == {"role": Role.BRANCH_SECRETARY, "org": tree.branch_a1.pk}
    assert entry.org_path == tree.town_b.path
    services.account_update(actor=admin, account=target, is_active=False)
    target.refresh_from_db()
    assert not target.is_active
    # nothing changed, nothing audited
    n = AuditEntry.objects.count()
    services.account_update(actor=admin, account=target, display_name="")
    assert AuditEntry.objects.count() == n


@pytest.mark.django_db
def test_update_leaving_member_role_unbinds_member(tree, accounts):
    account = accounts["member"]
    services.account_update(actor=None, account=account, role=Role.LEADER)
    account.refresh_from_db()
    assert account.member is None and account.role == Role.LEADER


@pytest.mark.django_db
def test_update_scope_and_self_limits(tree, accounts):
    town_admin = User.objects.create(username="town_admin", role=Role.DEPT_ADMIN, org=tree.town_a)
    with pytest.raises(NotInScope):
        services.account_update(actor=town_admin, account=accounts["organizer_b"], display_name="x")
    with pytest.raises(NotInScope):  # moving an account out of one's subtree
        services.account_update(actor=town_admin, account=accounts["organizer_a"], org=tree.town_b)
    with pytest.raises(NotInScope):  # a superuser bound to no org is the system's alone
        services.account_update(actor=town_admin, account=accounts["superuser"], display_name="x")
    with pytest.raises(ValidationError):
        services.account_update(actor=accounts["dept_admin"], account=accounts["dept_admin"], is_active=False)
    with pytest.raises(PermissionDenied):
        services.account_update(actor=accounts["leader_a"], account=accounts["organizer_a"], display_name="x")


@pytest.mark.django_db
def test_set_password(tree, accounts):
    target = accounts["leader_a"]
    services.account_set_password(actor=accounts["dept_admin"], account=target, password=PASSWORD)
    target.refresh_from_db()
    assert target.check_password(PASSWORD)
    entry = AuditEntry.objects.get(action="account.set_password")
    assert entry.before == {} and entry.after == {}
    with pytest.raises(ValidationError):
        services.account_set_password(actor=target, account=target, password="1234567890")
    services.account_set_password(actor=target, account=target, password=PASSWORD + "x")  # own password
    with pytest.raises(PermissionDenied):
        services.account_set_password(actor=target, account=accounts["organizer_a"], password=PASSWORD)


@pytest.mark.django_db
def test_token_issue_stores_only_hash_and_revoke(tree, accounts):
    account = accounts["organizer_a"]
    key = services.token_issue(actor=accounts["dept_admin"], account=account)
    token = ApiToken.objects.get(user=account)
    assert token.key_hash == ApiToken.hash(key) and key not in token.key_hash
    assert token.prefix == key[:8]
    entries = AuditEntry.objects.filter(action="account.token_issue")
    assert entries.count() == 1
    assert key not in str(entries.get().after)
    services.token_revoke(actor=account, token=token)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEntry.objects.filter(action="account.token_revoke").count() == 1
    with pytest.raises(PermissionDenied):
        services.token_issue(actor=accounts["leader_a"], account=account)
    services.token_issue(actor=account, account=account)
    services.token_issue(actor=None, account=account)
    assert services.tokens_revoke_all(actor=None, account=account) == 2
    assert not ApiToken.objects.filter(user=account, revoked_at__isnull=True).exists()


@pytest.mark.django_db
def test_inactive_account_gets_no_token(tree, accounts):
    account = accounts["leader_a"]
    services.account_update(actor=None, account=account, is_active=False)
    with pytest.raises(ValidationError):
        services.token_issue(actor=None, account=account)


@pytest.mark.django_db
def test_selectors_are_scoped(tree, accounts):
    town_admin = User.objects.create(username="town_admin", role=Role.DEPT_ADMIN, org=tree.town_a)
    seen = set(selectors.accounts_in_scope(scope=scope_for(town_admin)).values_list("username", flat=True))
    assert seen == {"town_admin", "organizer_a", "secretary_a1", "leader_a", "member_zs"}
    everyone = set(
        selectors.accounts_in_scope(scope=scope_for(accounts["superuser"])).values_list("username", flat=True)
    )
    assert "root" in everyone and "organizer_b" in everyone
    assert "root" not in selectors.accounts_in_scope(scope=scope_for(accounts["dept_admin"])).values_list(
        "username", flat=True
    )
    assert not selectors.accounts_in_scope(scope=scope_for(accounts["organizer_a"])).exists()
    assert selectors.account_get(scope=scope_for(town_admin), pk=accounts["leader_a"].pk)
    with pytest.raises(NotInScope):
        selectors.account_get(scope=scope_for(town_admin), pk=accounts["organizer_b"].pk)
