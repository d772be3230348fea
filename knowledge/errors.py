"""Exceptions raised by the knowledge base (never SQLAlchemy's or PyYAML's)."""
from __future__ import annotations

from typing import Iterable, Tuple


class KnowledgeError(Exception):
    """Base class of every knowledge-base error."""


class ContentError(KnowledgeError):
    """The YAML content is invalid.

    Attributes:
        errors: One message per problem, each shaped ``file:key: reason``.
    """

    def __init__(self, errors: Iterable[str]) -> None:
        self.errors: Tuple[str, ...] = tuple(errors)
        super().__init__("invalid knowledge content:\n" + "\n".join(self.errors))


class UnknownProblem(KnowledgeError, LookupError):
    """A problem key that is not in the knowledge base."""


class InvalidAnnouncement(KnowledgeError, ValueError):
    """An announcement created through the API is invalid."""


class KnowledgeNotLoaded(KnowledgeError):
    """The database holds no content yet (run ``python -m knowledge load``)."""


class StorageError(KnowledgeError):
    """The database failed while loading content (unreachable, or a persistent conflict)."""
