from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.transfer.plan import MAX_PARTS, MIB, MIN_PART, plan


def test_small_object_is_one_request():
    assert not plan(0).multipart
    assert not plan(16 * MIB).multipart
    assert plan(16 * MIB + 1).multipart


def test_parts_cover_the_object_exactly():
    parts = plan(40 * MIB + 3, target_part_size=8 * MIB).parts()
    assert [p.number for p in parts] == [1, 2, 3, 4, 5, 6]
    assert parts[0].range_header == f"bytes=0-{8 * MIB - 1}"
    assert parts[-1].size == 3


def test_target_below_the_floor_is_raised_and_rounded_to_mib():
    assert plan(100 * MIB, target_part_size=1).part_size == MIN_PART
    assert plan(100 * MIB, target_part_size=9 * MIB + 1).part_size == 10 * MIB


def test_huge_objects_stay_within_ten_thousand_parts():
    size = 200 * 1024 * MIB  # 200 GiB
    p = plan(size, target_part_size=8 * MIB)
    assert p.part_count <= MAX_PARTS and p.part_size % MIB == 0


def test_negative_size_is_refused():
    with pytest.raises(ValueError, match="negative"):
        plan(-1)


@given(size=st.integers(0, 6 * 1024**4), target=st.integers(1, 512 * MIB))
def test_plan_invariants(size, target):
    p = plan(size, target_part_size=target)
    assert p.part_size >= MIN_PART and p.part_size % MIB == 0
    assert p.part_count <= MAX_PARTS
    if size and p.multipart:
        last = p.part(p.part_count)
        assert last.end == size - 1 and 0 < last.size <= p.part_size
