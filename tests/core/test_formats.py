"""Counts read the same on every page: grouped by thousands under the Chinese locale."""

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import translation


def test_intcomma_groups_by_thousands_in_chinese():
    with translation.override("zh-hans"):
        assert intcomma(29426) == "29,426"
        assert intcomma(8139558) == "8,139,558"
        assert intcomma(950) == "950"
