"""Simplified Chinese formats: Django's, with counts grouped by thousands ("29,426").

Django's zh_Hans groups by four digits with no separator, so `intcomma` printed "29426" on the
member list while the tree, the dashboards and the exports print "29,426": one style everywhere.
"""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
