from __future__ import annotations

import pytest

from ..factories import make_member
from .helpers import people_of


@pytest.fixture
def introducers(tree):
    """Two full members of 甲村党支部, who act as contacts and introducers."""
    return people_of(make_member(tree.branch_a1, name="赵介绍"), make_member(tree.branch_a1, name="钱介绍"))
