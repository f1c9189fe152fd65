import pytest

from chalicelib.catalog.states import Status, may_move

S = Status


@pytest.mark.parametrize(("current", "target", "allowed"), [
    (None, S.READY, True),
    (S.ANNOUNCED, S.READY, True),
    (S.READY, S.ANNOUNCED, False),       # a late recording.started
    (S.ARCHIVED, S.READY, False),        # a redelivered ready after archiving
    (S.READY, S.READY, False),           # a duplicate
    (S.ARCHIVING, S.FAILED, True),       # failed from any non-terminal state
    (S.PROCESSED, S.FAILED, False),
    (S.FAILED, S.READY, False),          # failed is terminal
    (S.ARCHIVED, S.PROCESSED, True),
])
def test_transitions_only_move_forward(current, target, allowed):
    assert may_move(current, target) is allowed
