import io
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from zugong.accounts.management.commands.account import Command
from zugong.accounts.models import ApiToken, User
from zugong.core import crypto
from zugong.core.models import AuditEntry

PASSWORD = "Qingshan-Lvshui-2026"


@pytest.fixture
def keep_connection(monkeypatch):
    """run_from_argv closes every connection when it ends, which on PostgreSQL would end the
    test's transaction; the command under test must not take the test database down with it."""
    from django.db import connections

    monkeypatch.setattr(connections, "close_all", lambda: None)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("account", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_create_with_password(tree):
    output = run(
        "create",
        "--username",
        "clerk",
        "--role",
        "committee_organizer",
        "--org",
        "C0A",
        "--password",
        PASSWORD,
    )
    assert "clerk" in output
    account = User.objects.get(username="clerk")
    assert (account.role, account.org, account.password[:6]) == ("committee_organizer", tree.town_a, "argon2")
    assert account.check_password(PASSWORD)
    entry = AuditEntry.objects.get(action="account.create")
    assert entry.actor_id is None and entry.actor_label == "system"


@pytest.mark.django_db
def test_create_member_account_by_id_number(tree, accounts):
    member = accounts["member_record"]
    accounts["member"].delete()
    id_number = crypto.decrypt(member.id_number_enc)
    full_width = id_number.translate(str.maketrans("0123456789", "０１２３４５６７８９")).lower()
    run(
        "create",
        "--username",
        "zs2",
        "--role",
        "member",
        "--org",
        "C0",
        "--member",
        full_width,
        "--password",
        PASSWORD,
    )
    account = User.objects.get(username="zs2")
    assert account.member == member and account.org == tree.branch_a1
    with pytest.raises(CommandError, match="没有该公民身份号码的党员"):
        run(
            "create",
            "--username",
            "zs3",
            "--role",
            "member",
            "--org",
            "C0",
            "--member",
            "1" * 18,
            "--password",
            PASSWORD,
        )


@pytest.mark.django_db
def test_create_errors_are_chinese(tree, accounts):
    with pytest.raises(CommandError, match="没有组织代码为NOPE的党组织"):
        run("create", "--username", "x", "--role", "leader", "--org", "NOPE", "--password", PASSWORD)
    with pytest.raises(CommandError, match="密码:密码太短"):
        run("create", "--username", "x", "--role", "leader", "--org", "C0", "--password", "abc")
    with pytest.raises(CommandError, match="用户名:用户名“admin”已被使用"):
        run("create", "--username", "admin", "--role", "leader", "--org", "C0", "--password", PASSWORD)
    with pytest.raises(CommandError):
        run("create", "--username", "x", "--role", "emperor", "--org", "C0", "--password", PASSWORD)
    assert not User.objects.filter(username="x").exists()


class FakeStdin(io.StringIO):
    def __init__(self, tty: bool):
        super().__init__("")
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.django_db
def test_create_without_password_and_without_terminal_exits_non_zero(
    tree, monkeypatch, capsys, keep_connection
):
    monkeypatch.setattr(sys, "stdin", FakeStdin(tty=False))
    with pytest.raises(SystemExit) as exit_:
        Command().run_from_argv(
            ["zugong", "account", "create", "--username", "x", "--role", "leader", "--org", "C0"]
        )
    assert exit_.value.code != 0
    assert "未给出密码" in capsys.readouterr().err
    assert not User.objects.filter(username="x").exists()


@pytest.mark.django_db
def test_create_prompts_twice_on_a_terminal(tree, monkeypatch):
    monkeypatch.setattr(sys, "stdin", FakeStdin(tty=True))
    answers = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    run("create", "--username", "typed", "--role", "leader", "--org", "C0")
    assert User.objects.get(username="typed").check_password(PASSWORD)
    answers = iter([PASSWORD, PASSWORD + "x"])
    with pytest.raises(CommandError, match="两次输入的密码不一致"):
        run("create", "--username", "typo", "--role", "leader", "--org", "C0")


@pytest.mark.django_db
def test_token_prints_one_line_that_authenticates(client, tree, accounts, capsys, keep_connection):
    Command().run_from_argv(["zugong", "account", "token", "leader_a"])
    stdout = capsys.readouterr().out
    assert stdout.count("\n") == 1
    token = stdout.strip()
    assert ApiToken.objects.get(user=accounts["leader_a"]).key_hash == ApiToken.hash(token)
    response = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200 and response.json()["username"] == "leader_a"
    with pytest.raises(CommandError, match="没有用户名为nobody的账号"):
        run("token", "nobody")


@pytest.mark.django_db
def test_revoke_tokens(client, tree, accounts):
    token = run("token", "leader_a").strip()
    run("token", "leader_a")
    assert "已吊销2个接口令牌" in run("revoke-tokens", "leader_a")
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


@pytest.mark.django_db
def test_list(tree, accounts):
    everyone = run("list")
    assert "root" in everyone and "organizer_b" in everyone
    town_a = run("list", "--org", "C0A")
    names = {line.split("\t")[0] for line in town_a.splitlines()}
    assert names == {"organizer_a", "secretary_a1", "leader_a", "member_zs"}
    assert "领导(只读)" in town_a
