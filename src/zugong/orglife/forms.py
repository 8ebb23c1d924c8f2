"""Forms of organizational life. They only collect and shape input; the rules (quorum, counts,
attendance, who may record what) are the services'. Fields are not `required` where the service
decides, so one submit reports every problem the service finds next to its field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from zugong.members.models import Member, PartyGroup
from zugong.orglife import services
from zugong.orglife.models import (
    VILLAGE_STEPS,
    Attendance,
    Meeting,
    MeetingKind,
    MemberReview,
    VillageDecision,
)
from zugong.orglife.services import AttendanceRow, VoteInput
from zugong.orgs.models import Org

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
NUMBER = {"inputmode": "numeric", "min": "0"}
MAX_FILES = 20

# The order a branch secretary thinks in: 三会一课 first, then the rest.
BRANCH_KIND_ORDER = [
    MeetingKind.THEME_DAY,
    MeetingKind.BRANCH_ASSEMBLY,
    MeetingKind.BRANCH_COMMITTEE,
    MeetingKind.GROUP_MEETING,
    MeetingKind.PARTY_LECTURE,
    MeetingKind.LIFE_MEETING,
    MeetingKind.MEMBER_REVIEW,
    MeetingKind.HEART_TALK,
]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        if len(files) > MAX_FILES:
            raise ValidationError(_("一次最多上传%(n)s个文件") % {"n": MAX_FILES})
        out = []
        for f in files:
            try:
                services.attachment_check(f)
            except ValidationError as exc:
                raise ValidationError(exc.message_dict.get("file", exc.messages)) from exc
            out.append(f)
        return out


def kind_choices(org: Org, *, village: bool) -> list[tuple[str, Any]]:
    if org.kind in services.BRANCH_LEVEL_KINDS:
        kinds = list(BRANCH_KIND_ORDER)
    else:
        kinds = [k for k in BRANCH_KIND_ORDER if k in services.COMMITTEE_KINDS_ALLOWED]
    choices: list[tuple[str, Any]] = [(k.value, k.label) for k in kinds]
    if village:
        choices += [(k.value, k.label) for k in VILLAGE_STEPS]
    return choices


class MeetingForm(forms.Form):
    """A meeting with its kinds, details, attendance (one row per member, or typed counts) and uploads.

    Attendance fields are made per member of the roster: `att_<id>` (出席/请假/缺席) and `reason_<id>`.
    """

    MODE_ROSTER = "roster"
    MODE_COUNTS = "counts"

    kinds = forms.MultipleChoiceField(
        label=_("会议类型"),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        required=False,
        help_text=_("一次会议可同时算作几项,例如主题党日中召开党员大会并讲党课,勾选三项,只录入一次。"),
    )
    held_on = forms.DateField(label=_("日期"), required=False, widget=DATE)
    starts_at = forms.TimeField(label=_("开始时间"), required=False, widget=TIME)
    ends_at = forms.TimeField(label=_("结束时间"), required=False, widget=TIME)
    place = forms.CharField(label=_("地点"), max_length=200, required=False)
    topic = forms.CharField(label=_("主题"), max_length=200, required=False)
    host_name = forms.CharField(label=_("主持人"), max_length=50, required=False)
    recorder_name = forms.CharField(label=_("记录人"), max_length=50, required=False)
    lecturer_name = forms.CharField(
        label=_("授课人"), max_length=50, required=False, help_text=_("讲党课时填写")
    )
    party_group = forms.ModelChoiceField(
        label=_("党小组"),
        queryset=PartyGroup.objects.none(),
        required=False,
        empty_label=_("(不是党小组会)"),
        help_text=_("党小组会须选择党小组"),
    )
    village_decision = forms.ModelChoiceField(
        label=_("“四议两公开”事项"), queryset=VillageDecision.objects.none(), required=False
    )
    theme_items = forms.MultipleChoiceField(
        label=_("主题党日内容"),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        required=False,
    )
    minutes = forms.CharField(label=_("会议记录"), required=False, widget=forms.Textarea(attrs={"rows": 6}))
    mode = forms.ChoiceField(
        label=_("出席情况"),
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        choices=[(MODE_ROSTER, _("逐人登记")), (MODE_COUNTS, _("只填人数(补录纸质记录)"))],
        initial=MODE_ROSTER,
    )
    expected = forms.IntegerField(
        label=_("应到人数"), min_value=0, required=False, widget=forms.NumberInput(NUMBER)
    )
    present = forms.IntegerField(
        label=_("实到人数"), min_value=0, required=False, widget=forms.NumberInput(NUMBER)
    )
    on_leave = forms.IntegerField(
        label=_("请假人数"), min_value=0, required=False, widget=forms.NumberInput(NUMBER)
    )
    voting_expected = forms.IntegerField(
        label=_("有表决权应到"),
        min_value=0,
        required=False,
        widget=forms.NumberInput(NUMBER),
        help_text=_("正式党员;党员大会、支委会必填"),
    )
    voting_present = forms.IntegerField(
        label=_("有表决权实到"), min_value=0, required=False, widget=forms.NumberInput(NUMBER)
    )
    files = MultipleFileField(
        label=_("上传附件"),
        required=False,
        help_text=_("照片、签到表扫描件、PDF、Word、Excel,可多选,每个不超过 20 MB"),
    )

    def __init__(
        self,
        *args,
        org: Org,
        roster: list[Member],
        theme_items: list,
        decisions: list[VillageDecision],
        meeting: Meeting | None = None,
        **kwargs,
    ):
        self.org = org
        self.roster = roster
        self.meeting = meeting
        super().__init__(*args, **kwargs)
        f = self.fields
        has_village = bool(decisions) or bool(meeting and set(meeting.kinds) & set(VILLAGE_STEPS))
        f["kinds"].choices = kind_choices(org, village=has_village)
        f["party_group"].queryset = PartyGroup.objects.filter(org=org).order_by("name")
        f["village_decision"].queryset = VillageDecision.objects.filter(pk__in=[d.pk for d in decisions])
        f["theme_items"].choices = [(i.code, i.name) for i in theme_items]
        self.required_items = {i.code for i in theme_items if i.required}
        if meeting is not None:
            known = {i.code for i in theme_items}
            f["theme_items"].choices += [(c, c) for c in meeting.theme_items if c not in known]
        self.has_groups = f["party_group"].queryset.exists()
        self.has_village = has_village
        if not roster:
            f["mode"].initial = self.MODE_COUNTS
        for member in roster:
            f[f"att_{member.pk}"] = forms.ChoiceField(
                label=member.name,
                choices=Attendance.Status.choices,
                widget=forms.RadioSelect,
                initial=Attendance.Status.PRESENT,
                required=False,
            )
            f[f"reason_{member.pk}"] = forms.CharField(
                label=_("原因"),
                max_length=200,
                required=False,
                widget=forms.TextInput(attrs={"placeholder": _("请假或缺席原因")}),
            )

    # -- rendering helpers ------------------------------------------------------------------------
    def attendance_rows(self):
        """(member, status field, reason field) for the template."""
        return [(m, self[f"att_{m.pk}"], self[f"reason_{m.pk}"]) for m in self.roster]

    # -- cleaning --------------------------------------------------------------------------------
    def clean(self):
        data = super().clean()
        if data.get("mode") == self.MODE_ROSTER:
            if not self.roster:
                self.add_error("mode", _("本组织没有可登记出席的党员,请选择“只填人数”"))
            for m in self.roster:
                status = data.get(f"att_{m.pk}") or Attendance.Status.PRESENT
                data[f"att_{m.pk}"] = status
                if status == Attendance.Status.LEAVE and not (data.get(f"reason_{m.pk}") or "").strip():
                    self.add_error(f"reason_{m.pk}", _("请假须填写原因"))
        return data

    def attendance(self) -> list[AttendanceRow] | None:
        """Rows to store, [] to drop per-person rows (typed counts), None to keep the stored rows."""
        data = self.cleaned_data
        if data.get("mode") != self.MODE_ROSTER:
            return []
        roster = self.roster
        group = data.get("party_group")
        if group is not None and set(data.get("kinds") or []) == {MeetingKind.GROUP_MEETING}:
            # A 党小组会 on its own expects the members of that group, not the whole branch.
            roster = [m for m in roster if m.party_group_id == group.pk]
        rows = [
            AttendanceRow(
                member=m, status=data[f"att_{m.pk}"], reason=(data.get(f"reason_{m.pk}") or "").strip()
            )
            for m in roster
        ]
        if self.meeting is not None and self.meeting.attendance_taken:
            stored = {(a.member_id, a.status, a.reason) for a in self.meeting.attendance.all()}
            if stored == {(r.member.pk, r.status, r.reason) for r in rows}:
                return None  # unchanged: members who left the branch since keep their row
        return rows

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        values = {
            name: data.get(name)
            for name in (
                "held_on",
                "starts_at",
                "ends_at",
                "place",
                "topic",
                "host_name",
                "recorder_name",
                "lecturer_name",
                "minutes",
                "party_group",
                "village_decision",
            )
        }
        for name in ("place", "topic", "host_name", "recorder_name", "lecturer_name", "minutes"):
            values[name] = (values[name] or "").strip()
        values["theme_items"] = list(data.get("theme_items") or [])
        if data.get("mode") != self.MODE_ROSTER:
            for name in ("expected", "present", "on_leave", "voting_expected", "voting_present"):
                values[name] = data.get(name)
            if values["on_leave"] is None:
                values["on_leave"] = 0
        return values

    @classmethod
    def initial_for(cls, meeting: Meeting) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(meeting, name)
            for name in (
                "held_on",
                "starts_at",
                "ends_at",
                "place",
                "topic",
                "host_name",
                "recorder_name",
                "lecturer_name",
                "minutes",
                "expected",
                "present",
                "on_leave",
                "voting_expected",
                "voting_present",
            )
        }
        initial["kinds"] = meeting.kinds
        initial["party_group"] = meeting.party_group_id
        initial["village_decision"] = meeting.village_decision_id
        initial["theme_items"] = list(meeting.theme_items or [])
        initial["mode"] = cls.MODE_ROSTER if meeting.attendance_taken else cls.MODE_COUNTS
        for a in meeting.attendance.all():
            initial[f"att_{a.member_id}"] = a.status
            initial[f"reason_{a.member_id}"] = a.reason
        return initial


class VoteForm(forms.Form):
    subject = forms.CharField(label=_("表决事项"), max_length=200, required=False)
    yes = forms.IntegerField(label=_("赞成"), min_value=0, required=False, widget=forms.NumberInput(NUMBER))
    no = forms.IntegerField(label=_("反对"), min_value=0, required=False, widget=forms.NumberInput(NUMBER))
    abstain = forms.IntegerField(
        label=_("弃权"), min_value=0, required=False, widget=forms.NumberInput(NUMBER)
    )
    written_yes = forms.IntegerField(
        label=_("书面赞成"), min_value=0, required=False, widget=forms.NumberInput(NUMBER)
    )
    written_no = forms.IntegerField(
        label=_("书面反对"), min_value=0, required=False, widget=forms.NumberInput(NUMBER)
    )
    written_abstain = forms.IntegerField(
        label=_("书面弃权"), min_value=0, required=False, widget=forms.NumberInput(NUMBER)
    )
    is_secret = forms.BooleanField(
        label=_("无记名投票"),
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    NUMBERS = ("yes", "no", "abstain", "written_yes", "written_no", "written_abstain")

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not (data.get("subject") or "").strip() and not any(data.get(n) for n in self.NUMBERS)

    def clean(self):
        data = super().clean()
        if not (data.get("subject") or "").strip() and any(data.get(n) for n in self.NUMBERS):
            self.add_error("subject", _("请填写表决事项"))
        return data

    def vote_input(self) -> VoteInput:
        data = self.cleaned_data
        return VoteInput(
            subject=data["subject"].strip(),
            is_secret=bool(data.get("is_secret")),
            **{n: data.get(n) or 0 for n in self.NUMBERS},
        )


VoteFormSet = forms.formset_factory(VoteForm, extra=1, can_delete=True, max_num=20)


def votes_from(formset) -> list[VoteInput]:
    return [
        f.vote_input()
        for f in formset.forms
        if f.cleaned_data and not f.cleaned_data.get("DELETE") and not f.is_blank()
    ]


def vote_initial(meeting: Meeting) -> list[dict[str, Any]]:
    return [
        {
            "subject": v.subject,
            "is_secret": v.is_secret,
            **{n: getattr(v, n) for n in VoteForm.NUMBERS},
        }
        for v in meeting.votes.all()
    ]


class DeleteForm(forms.Form):
    reason = forms.CharField(
        label=_("删除原因"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("例如:重复录入")}),
    )


# -- 四议两公开 ------------------------------------------------------------------------------------------
class DecisionForm(forms.Form):
    title = forms.CharField(label=_("事项名称"), max_length=200, required=False)
    summary = forms.CharField(label=_("事项内容"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    started_on = forms.DateField(label=_("提出日期"), required=False, widget=DATE)
    dropped = forms.BooleanField(
        label=_("终止该事项"), required=False, help_text=_("经审议不再实施的事项标记为终止")
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["dropped"]

    def clean_started_on(self):
        value = self.cleaned_data.get("started_on")
        if value is None:
            raise ValidationError(_("请填写提出日期"))
        return value


# -- 民主评议党员 ----------------------------------------------------------------------------------------
GRADE_CHOICES = [("", _("(未评议)")), *MemberReview.Grade.choices]
ACTION_CHOICES = [("", _("处置方式")), *MemberReview.Action.choices]


class ReviewRosterForm(forms.Form):
    """One grade per member of the branch (`grade_<id>`), and for 不合格 the follow-up (`action_<id>`,
    `due_<id>`), plus a note; the review meeting of the year for all."""

    meeting = forms.ModelChoiceField(
        label=_("评议会议"), queryset=Meeting.objects.none(), required=False, empty_label=_("(未关联)")
    )

    def __init__(self, *args, members, reviews: dict[int, MemberReview], meetings: list[Meeting], **kwargs):
        self.members = members
        initial: dict[str, Any] = kwargs.pop("initial", {}) or {}
        for m in members:
            r = reviews.get(m.pk)
            if r is not None:
                initial.update(
                    {
                        f"grade_{m.pk}": r.grade,
                        f"action_{m.pk}": r.action,
                        f"due_{m.pk}": r.action_due,
                        f"note_{m.pk}": r.note,
                    }
                )
                if r.meeting_id and "meeting" not in initial:
                    initial["meeting"] = r.meeting_id
        if "meeting" not in initial and meetings:
            initial["meeting"] = meetings[0].pk
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["meeting"].queryset = Meeting.objects.filter(pk__in=[x.pk for x in meetings])
        for m in members:
            self.fields[f"grade_{m.pk}"] = forms.ChoiceField(
                label=m.name, choices=GRADE_CHOICES, required=False
            )
            self.fields[f"action_{m.pk}"] = forms.ChoiceField(
                label=_("处置方式"), choices=ACTION_CHOICES, required=False
            )
            self.fields[f"due_{m.pk}"] = forms.DateField(label=_("整改期限"), required=False, widget=DATE)
            self.fields[f"note_{m.pk}"] = forms.CharField(
                label=_("说明"),
                max_length=300,
                required=False,
                widget=forms.TextInput(attrs={"placeholder": _("说明(可不填)"), "aria-label": _("说明")}),
            )

    def rows(self):
        return [
            (m, self[f"grade_{m.pk}"], self[f"action_{m.pk}"], self[f"due_{m.pk}"], self[f"note_{m.pk}"])
            for m in self.members
        ]

    def entries(self) -> list[tuple[Member, dict[str, Any]]]:
        data = self.cleaned_data
        out = []
        for m in self.members:
            grade = data.get(f"grade_{m.pk}") or ""
            if not grade:
                continue
            out.append(
                (
                    m,
                    {
                        "grade": grade,
                        "action": data.get(f"action_{m.pk}") or "",
                        "action_due": data.get(f"due_{m.pk}"),
                        "note": data.get(f"note_{m.pk}") or "",
                    },
                )
            )
        return out


class ReviewCloseForm(forms.Form):
    closed_on = forms.DateField(label=_("办结日期"), required=False, widget=DATE, initial=dt.date.today)
    outcome = forms.CharField(
        label=_("办结情况"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("例如:已按期改正,经支部大会认定")}),
    )

    def clean_closed_on(self):
        value = self.cleaned_data.get("closed_on")
        if value is None:
            raise ValidationError(_("请填写办结日期"))
        return value


# -- the 主题党日 checklist ------------------------------------------------------------------------------
class ThemeItemForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100, required=False)
    code = forms.CharField(
        label=_("代码"),
        max_length=32,
        required=False,
        help_text=_("字母或数字,留空自动生成"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    required = forms.BooleanField(label=_("规定动作"), required=False)
    order = forms.IntegerField(label=_("顺序"), required=False, min_value=0, widget=forms.NumberInput(NUMBER))


ThemeItemFormSet = forms.formset_factory(ThemeItemForm, extra=3, can_delete=True, max_num=40)


def theme_items_from(formset) -> list[tuple[str, str, bool]]:
    """The formset's rows in their order: (code, name, required); blank and deleted rows dropped."""
    rows = []
    for i, f in enumerate(formset.forms):
        data = f.cleaned_data
        if not data or data.get("DELETE") or not (data.get("name") or "").strip():
            continue
        order = data.get("order")
        rows.append((order if order is not None else 1000 + i, i, data))
    rows.sort(key=lambda r: (r[0], r[1]))
    out = []
    used: set[str] = set()
    for n, (_order, _i, data) in enumerate(rows, start=1):
        code = (data.get("code") or "").strip() or f"item{n}"
        while code in used and not (data.get("code") or "").strip():
            code = f"{code}_"
        used.add(code)
        out.append((code, data["name"].strip(), bool(data.get("required"))))
    return out
