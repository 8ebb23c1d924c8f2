"""`zugong rules list|explain|load-local`: the rules in force, one rule's versions, and importing a
local pack file. Exit 0 done, 2 refused input (message in Chinese), 1 any other failure."""

from __future__ import annotations

import datetime as dt
import json
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from zugong.core.scope import ROLE_PERMS, Role, Scope
from zugong.orgs.models import Org
from zugong.rules import display, engine, selectors, services
from zugong.rules.models import Rule

WHOLE_TREE = Scope(role=Role.DEPT_ADMIN, root_path="", perms=ROLE_PERMS[Role.DEPT_ADMIN])


def refuse(command: BaseCommand, message: str) -> None:
    command.stderr.write(message)
    sys.stderr.flush()
    raise SystemExit(2)


def parse_date(command: BaseCommand, value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        refuse(command, _("日期格式应为 YYYY-MM-DD:%(v)s") % {"v": value})
    return None


class Command(BaseCommand):
    help = (
        "规则:zugong rules list [--org 组织代码] [--on 日期] [--kind 类型] | explain 规则编号 "
        "| load-local 文件 --org 组织代码"
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        ls = sub.add_parser("list", help="列出有效的规则包和规则")
        ls.add_argument("--org", help="党组织代码:列出全国规则和适用于该组织的本地规则")
        ls.add_argument("--on", help="有效日期 YYYY-MM-DD,默认今天")
        ls.add_argument("--kind", choices=Rule.Kind.values, help="只列此类型的规则")
        ex = sub.add_parser("explain", help="一条规则的适用版本、全部版本、本地规则、依据和来源")
        ex.add_argument("rule_id")
        ex.add_argument("--on", help="判断日期 YYYY-MM-DD,默认今天")
        ex.add_argument("--org", help="党组织代码")
        ld = sub.add_parser("load-local", help="导入本地规则包文件(JSON,格式见 packs/examples/)")
        ld.add_argument("file")
        ld.add_argument("--org", required=True, help="本地规则包适用的党组织代码")

    def _org(self, code: str | None) -> Org | None:
        if not code:
            return None
        org = Org.objects.filter(code=code).first()
        if org is None:
            refuse(self, _("找不到组织代码“%(c)s”") % {"c": code})
        return org

    def handle(self, *args, action, **options):
        if action == "list":
            self.list(options)
        elif action == "explain":
            self.explain(options)
        else:
            self.load_local(options)

    def list(self, options) -> None:
        on = parse_date(self, options.get("on")) or dt.date.today()
        org = self._org(options.get("org"))
        scope = WHOLE_TREE
        if org is not None:
            # The org's own view: national packs, its ancestors' and its own local packs.
            scope = Scope(role=Role.LEADER, root_path=org.path, perms=ROLE_PERMS[Role.LEADER])
        filters = selectors.PackFilters(kind=options.get("kind") or "", on=on)
        packs = selectors.pack_list(scope=scope, filters=filters)
        if org is not None:
            packs = [p for p in packs if p.org_id is None or org.path.startswith(p.org_path)]
        self.stdout.write(_("%(d)s 有效的规则(%(n)d个规则包)") % {"d": on.isoformat(), "n": len(packs)})
        for pack in packs:
            where = f" · {pack.org.name}" if pack.org_id else ""
            self.stdout.write("")
            self.stdout.write(
                f"== {pack.title}({pack.code}/{pack.version}){where} · {pack.get_level_display()} · "
                + _("施行%(d)s") % {"d": pack.effective_from.isoformat()}
                + (f" {pack.doc_number}" if pack.doc_number else "")
            )
            for r in pack.shown_rules:  # type: ignore[attr-defined]
                self.stdout.write(
                    f"  {r.rule_id:<8} {r.get_kind_display():<6} {r.title} [{r.article}] [{r.confidence}]"
                )
                self.stdout.write(f"           {display.summary(r.params)}")

    def explain(self, options) -> None:
        on = parse_date(self, options.get("on")) or dt.date.today()
        org = self._org(options.get("org"))
        rule_id = options["rule_id"].upper()
        try:
            x = selectors.rule_explain(scope=WHOLE_TREE, rule_id=rule_id, on=on, org=org)
        except Exception as exc:  # NotInScope: no such rule at all
            if exc.__class__.__name__ == "NotInScope":
                refuse(self, _("没有编号为%(id)s的规则") % {"id": rule_id})
            raise
        w = self.stdout.write
        where = _(",%(o)s") % {"o": org.name} if org else ""
        w(_("%(id)s 在 %(d)s%(w)s适用的版本:") % {"id": rule_id, "d": on.isoformat(), "w": where})
        if x.current is None:
            w("  " + _("没有有效的版本(尚未制定或已停止)"))
        else:
            self._version(x.current, "  ")
        w("")
        w(_("全国规则各版本:"))
        for v in x.national_versions:
            mark = "*" if x.current and v.pk == x.current.pk else " "
            end = v.effective_to.isoformat() if v.effective_to else ""
            w(f" {mark} {v.pack_title}({v.pack_version}) {v.effective_from.isoformat()} — {end}  {v.article}")
            w(f"     {display.summary(v.params)}")
        if not x.national_versions:
            w("  " + _("(本地新增规则,没有全国规则)"))
        w("")
        w(_("本地规则:"))
        for v in x.local_versions:
            mark = "*" if x.current and v.pk == x.current.pk else " "
            end = v.effective_to.isoformat() if v.effective_to else ""
            since = v.effective_from.isoformat()
            w(f" {mark} {v.local_org_name}《{v.pack_title}》{since} — {end}  {v.article}")
            w(f"     {display.summary(v.params)}")
        if not x.local_versions:
            w("  " + _("(没有)"))

    def _version(self, v: engine.RuleVersion, indent: str) -> None:
        w = self.stdout.write
        end = v.effective_to.isoformat() if v.effective_to else _("现行")
        w(f"{indent}{v.cite}")
        w(f"{indent}" + _("标题:%(t)s;类型:%(k)s") % {"t": v.title, "k": v.kind})
        w(
            f"{indent}"
            + _("版本:%(p)s(%(v)s),%(a)s 至 %(b)s")
            % {"p": v.pack_title, "v": v.pack_version, "a": v.effective_from.isoformat(), "b": end}
        )
        w(f"{indent}" + _("参数:%(p)s") % {"p": display.summary(v.params)})
        w(f"{indent}" + _("依据:%(b)s") % {"b": v.basis or "—"})
        w(f"{indent}" + _("来源:%(s)s(可信度 %(c)s)") % {"s": v.source_url or "—", "c": v.confidence})

    def load_local(self, options) -> None:
        org = self._org(options["org"])
        assert org is not None
        try:
            with open(options["file"], encoding="utf-8") as fh:
                data = json.load(fh)
        except FileNotFoundError:
            refuse(self, _("找不到文件:%(f)s") % {"f": options["file"]})
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            refuse(self, _("不是有效的 JSON 文件:%(e)s") % {"e": exc})
        try:
            pack = services.pack_load_local(actor=None, org=org, data=data)
        except ValidationError as exc:
            for message in exc.messages:
                self.stderr.write(message)
            refuse(self, _("未导入:规则包有问题,见上"))
            return
        n = pack.rules.count()
        self.stdout.write(
            _("已导入本地规则包“%(t)s”(%(c)s/%(v)s),适用于%(o)s,共%(n)d条规则")
            % {"t": pack.title, "c": pack.code, "v": pack.version, "o": org.name, "n": n}
        )
