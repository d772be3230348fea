"""The knowledge base of 发票助手: YAML content, its schema, storage, queries and the
troubleshooting engine.

Pure Python, SQLAlchemy, jieba and scikit-learn: this package imports neither ``rasa`` nor
``rasa_sdk`` nor anything from ``bot`` or ``actions``. See ``docs/knowledge.md``.
"""
from knowledge.types import ASSISTANT_CHECKS, PROBLEM_KEYS

__all__ = ["ASSISTANT_CHECKS", "PROBLEM_KEYS"]
