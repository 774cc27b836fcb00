"""Scorers; importing this package registers the built-in ones."""

from harness.scorers import checklist, length, rouge  # noqa: F401
from harness.scorers import extractiveness  # noqa: F401
from harness.scorers import faithfulness  # noqa: F401
