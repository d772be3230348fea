"""Reading and validating the YAML content (no database).

Files are parsed with a YAML loader that keeps datetimes as text (the schema parses them and
insists on a UTC offset) and rejects duplicate keys; field names are NFKC-normalised, values are
kept as written (the schema normalises ids and vocabulary values, search normalises what it
indexes, and text users see keeps its full-width punctuation); each document is validated by
`knowledge.schema`, then the documents are checked against each other.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple, Union

import yaml

from bot.zhtext import normalise
from knowledge import schema
from knowledge.errors import ContentError
from knowledge.types import PROBLEM_KEYS

#: The content shipped with the package.
DEFAULT_CONTENT_DIR = Path(__file__).resolve().parent / "content"

#: Shared (non-problem) documents and their validators.
SHARED_FILES: Dict[str, Callable[[str, Any], schema.Result]] = {
    "announcements.yml": schema.validate_announcements,
    "prevention.yml": schema.validate_prevention,
    "support.yml": schema.validate_support,
    "faq.yml": schema.validate_faq,
    "errors.yml": schema.validate_errors,
}

PathLike = Union[str, Path]


class _DuplicateKey(yaml.YAMLError):
    def __init__(self, key: Any, line: int) -> None:
        super().__init__(f"duplicate key {key!r} (line {line})")
        self.key, self.line = key, line


# The C parser when libyaml is there (about 5x faster); construction stays in Python either way.
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _ContentYamlLoader(_BaseLoader):
    """SafeLoader that keeps datetimes as text and rejects duplicate mapping keys."""

    def construct_mapping(self, node, deep=False):  # noqa: D102 - PyYAML hook
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise _DuplicateKey(key, key_node.start_mark.line + 1)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


# Datetimes are validated (offset required) and parsed by the schema, not by PyYAML.
_ContentYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


def normalize_keys(value: Any) -> Any:
    """NFKC-normalise the mapping keys (field names) of a parsed YAML document.

    Values are left as written: NFKC would turn the full-width ``，：？！（）`` of the Chinese
    text into ASCII in what users see.
    """
    if isinstance(value, list):
        return [normalize_keys(v) for v in value]
    if isinstance(value, dict):
        return {(normalise(k) if isinstance(k, str) else k): normalize_keys(v)
                for k, v in value.items()}
    return value


def _parse(path: Path) -> Tuple[Any, List[str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [f"{path.name}:(document): cannot read: {exc}"]
    try:
        return normalize_keys(yaml.load(text, Loader=_ContentYamlLoader)), []
    except _DuplicateKey as exc:
        return None, [f"{path.name}:{exc.key}: duplicate key (line {exc.line})"]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        return None, [f"{path.name}:(document): invalid YAML{where}: {getattr(exc, 'problem', exc)}"]


def read_document(path: PathLike) -> Any:
    """Parse one content file as the loader does (field names NFKC-normalised, datetimes kept as text).

    Raises:
        ContentError: If the file cannot be read or parsed.
    """
    data, errors = _parse(Path(path))
    if errors:
        raise ContentError(errors)
    return data


@dataclass(frozen=True)
class Content:
    """Validated content, as plain specs.

    Attributes:
        problems: Problem specs by key, in `PROBLEM_KEYS` order.
        shared: Specs of the shared files, by file name.
    """

    problems: Dict[str, schema.Spec]
    shared: Dict[str, schema.Spec]


def _read(content_dir: PathLike) -> Tuple[Content, List[str]]:
    root = Path(content_dir)
    if not root.is_dir():
        return Content({}, {}), [f"{root}:(document): content directory not found"]
    errors: List[str] = []
    specs: Dict[str, schema.Spec] = {}
    expected = {f"{key}.yml" for key in PROBLEM_KEYS} | set(SHARED_FILES)
    for path in sorted(root.iterdir()):
        if path.suffix not in (".yml", ".yaml"):
            continue
        if path.name not in expected:
            errors.append(f"{path.name}:(document): unknown content file "
                          f"(expected <problem key>.yml or one of {', '.join(SHARED_FILES)})")
            continue
        data, parse_errors = _parse(path)
        if parse_errors:
            errors += parse_errors
            specs[path.name] = {}
            continue
        validate = SHARED_FILES.get(path.name, schema.validate_problem)
        found, specs[path.name] = validate(path.name, data)
        errors += found
    for name in SHARED_FILES:
        if name not in specs:
            errors.append(f"{name}:(document): missing file")
    errors += schema.cross_check(specs)
    problems = {k: specs[f"{k}.yml"] for k in PROBLEM_KEYS if f"{k}.yml" in specs}
    return Content(problems, {n: specs.get(n, {}) for n in SHARED_FILES}), errors


def check(content_dir: PathLike = DEFAULT_CONTENT_DIR) -> List[str]:
    """Validate the content.

    Args:
        content_dir: Directory holding the YAML files.

    Returns:
        Error messages shaped ``file:key: reason``; empty when the content is valid.
    """
    return _read(content_dir)[1]


def read_content(content_dir: PathLike = DEFAULT_CONTENT_DIR) -> Content:
    """Read and validate the content.

    Raises:
        ContentError: If the content has any error.
    """
    content, errors = _read(content_dir)
    if errors:
        raise ContentError(errors)
    return content
