"""One plain module per stage of the lesson's pipeline: no Django, no Celery, so each runs alone."""

from collections.abc import Callable

Progress = Callable[[float], None]


class StageError(Exception):
    """A stage cannot go on; the message is shown to the student as it is, so it says what to do."""


def no_progress(fraction: float) -> None:
    pass
