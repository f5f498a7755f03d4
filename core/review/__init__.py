"""Deciding what to keep: the automatic rule, a curator's overrides, filters and the queue."""

from core.review.decisions import AUTO, DROP, KEEP, UNDECIDED
from core.review.filters import FilterError, RowFilter
from core.review.rule import Rule
from core.review.session import ReviewSession, Summary

__all__ = [
    "AUTO",
    "DROP",
    "KEEP",
    "UNDECIDED",
    "FilterError",
    "ReviewSession",
    "RowFilter",
    "Rule",
    "Summary",
]
