"""Validation rules of the knowledge content, one function per kind of document.

Each ``validate_*`` function takes the file name and the parsed YAML document (field names
NFKC-normalised, values as written) and returns ``(errors, spec)``: error messages shaped
``file:key: reason`` (the key is a path such as ``steps[2].if_not_helped``) and a cleaned
plain-dict spec, which the loader hashes and stores. Checks that span documents live in
`cross_check`.

Machine values (ids, vocabulary words such as ``performed_by``, problem keys, datetimes) are
NFKC-normalised, so ``ｌｏｇｉｎ_failure`` or full-width digits still read as meant; text users
see is only stripped and keeps its full-width punctuation (search normalises on its own).
"""
from __future__ import annotations

import functools
import re
import string
from datetime import datetime
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from bot.zhtext import normalise
from knowledge.types import (
    ANNOUNCEMENT_KINDS,
    ASSISTANT_CHECKS,
    CONTEXT_KINDS,
    PERFORMERS,
    PROBLEM_KEYS,
    SERVICE_TEXTS,
    SKIP_CONDITIONS,
)

#: Steps per problem: enough to be useful, few enough to walk through in a chat.
MIN_STEPS, MAX_STEPS = 4, 7
#: Longest step instructions (characters): one chat message the user can follow.
MAX_INSTRUCTIONS = 400
#: FAQ size bounds.
MIN_FAQ, MAX_FAQ = 12, 20
#: Step context (``steps[i].context``) and a problem's ``general_questions``: entries per step /
#: problem, variants per entry and their length, answer length. Every step carries context.
MIN_STEP_CONTEXT, MAX_STEP_CONTEXT = 1, 6
MIN_GENERAL_QUESTIONS, MAX_GENERAL_QUESTIONS = 2, 10
MIN_ASKS, MAX_ASKS = 3, 6
MAX_ASK_CHARS = 40
MAX_CONTEXT_ANSWER = 200
#: Service level: working hours until contact per priority (at most five working days), and the
#: length of its texts.
MAX_RESPONSE_HOURS = 45
MAX_SERVICE_TEXT = 200

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
ANNOUNCEMENT_ID_PATTERN = re.compile(r"^[a-z][a-z0-9-]*$")
_CJK = re.compile(r"[\u3400-\u9fff]")

Spec = Dict[str, Any]
Result = Tuple[List[str], Spec]


def machine_value(value: Any) -> Any:
    """An id or vocabulary value as compared: normalised (NFKC, no zero-width characters) and
    stripped; other types as is."""
    return normalise(value).strip() if isinstance(value, str) else value


def has_chinese(text: str) -> bool:
    """Whether ``text`` contains at least one CJK ideograph."""
    return bool(_CJK.search(text))


def parse_datetime(value: Any) -> datetime:
    """Parse an ISO 8601 datetime that carries a UTC offset.

    Args:
        value: The raw YAML value (a string).

    Returns:
        A timezone-aware datetime.

    Raises:
        ValueError: With a reason suitable for an error message.
    """
    if not isinstance(value, str):
        raise ValueError("must be an ISO datetime string such as 2025-01-01T08:00:00+08:00")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"not an ISO datetime: {value!r}") from None
    if parsed.tzinfo is None:
        raise ValueError(f"needs a UTC offset such as +08:00: {value!r}")
    return parsed


class _Doc:
    """Collects errors for one file and reads typed fields from mappings."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.errors: List[str] = []

    def error(self, path: str, reason: str) -> None:
        self.errors.append(f"{self.file}:{path or '(document)'}: {reason}")

    def mapping(self, value: Any, path: str, allowed: Iterable[str]) -> Optional[dict]:
        """Return ``value`` if it is a mapping, reporting unknown fields."""
        if not isinstance(value, dict):
            self.error(path, "must be a mapping")
            return None
        for name in value:
            if name not in allowed:
                self.error(_join(path, str(name)), "unknown field")
        return value

    def field(self, data: dict, path: str, field: str) -> Tuple[str, Any]:
        """The field's path and value; a missing field is reported and read as None."""
        where = _join(path, field)
        value = data.get(field)
        if value is None:
            self.error(where, "missing")
        return where, value

    def text(self, data: dict, path: str, field: str, chinese: bool = True) -> str:
        where, value = self.field(data, path, field)
        return "" if value is None else self._check_text(value, where, chinese)

    def _check_text(self, value: Any, where: str, chinese: bool) -> str:
        if isinstance(value, (int, float)) and not isinstance(value, bool) and not chinese:
            value = str(value)
        if not isinstance(value, str):
            self.error(where, "must be text")
            return ""
        value = value.strip()
        if not value:
            self.error(where, "empty")
        elif chinese and not has_chinese(value):
            self.error(where, "must be Chinese text")
        return value

    def texts(self, data: dict, path: str, field: str, min_items: int = 1) -> List[str]:
        return [self._check_text(v, where, True) for where, v in self.items(data, path, field, min_items)]

    def ident(self, data: dict, path: str, field: str, pattern: re.Pattern = ID_PATTERN) -> str:
        where, value = self.field(data, path, field)
        if value is None:
            return ""
        value = machine_value(value)
        if not isinstance(value, str) or not pattern.match(value):
            self.error(where, f"must match {pattern.pattern}: {value!r}")
            return ""
        return value

    def items(
        self, data: dict, path: str, field: str, min_items: int = 1, max_items: Optional[int] = None
    ) -> List[Tuple[str, Any]]:
        """Return ``(path, item)`` pairs of a list field."""
        where, value = self.field(data, path, field)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(where, "must be a list")
            return []
        if len(value) < min_items:
            self.error(where, f"needs at least {min_items} item(s), has {len(value)}")
        if max_items is not None and len(value) > max_items:
            self.error(where, f"at most {max_items} item(s), has {len(value)}")
        return [(f"{where}[{i}]", item) for i, item in enumerate(value)]

    def records(
        self, data: dict, path: str, field: str, allowed: Iterable[str],
        min_items: int = 1, max_items: Optional[int] = None,
    ) -> Iterator[Tuple[str, dict]]:
        """``(path, item)`` pairs of a list of mappings with only ``allowed`` fields; items that
        are not mappings are reported and left out. A generator, so that each item's errors
        follow its own mapping errors."""
        for where, item in self.items(data, path, field, min_items, max_items):
            item = self.mapping(item, where, allowed)
            if item is not None:
                yield where, item

    def unique(self, values: Sequence[Tuple[str, str]], what: str = "id") -> None:
        """Report repeated values; ``values`` are ``(path, value)`` pairs."""
        seen: Dict[str, str] = {}
        for path, value in values:
            if not value:
                continue
            if value in seen:
                self.error(path, f"duplicate {what} {value!r} (first at {seen[value]})")
            else:
                seen[value] = path


def _join(path: str, field: str) -> str:
    return f"{path}.{field}" if path else field


def _document(*fields: str) -> Callable[[Callable[[_Doc, dict], Spec]], Callable[[str, Any], Result]]:
    """Make ``build(doc, data) -> spec`` a validator ``(file, data) -> (errors, spec)`` of a
    document that must be a mapping with only ``fields`` (otherwise the spec is empty)."""
    def decorate(build: Callable[[_Doc, dict], Spec]) -> Callable[[str, Any], Result]:
        @functools.wraps(build)
        def validate(file: str, data: Any) -> Result:
            doc = _Doc(file)
            data = doc.mapping(data, "", fields)
            spec = {} if data is None else build(doc, data)
            return doc.errors, spec
        return validate
    return decorate


def _tips(doc: _Doc, data: dict, path: str, min_items: int) -> List[Spec]:
    tips = [{"id": doc.ident(item, where, "id"), "text": doc.text(item, where, "text")}
            for where, item in doc.records(data, path, "tips", ("id", "text"), min_items)]
    doc.unique([(f"{_join(path, 'tips')}[{i}].id", t["id"]) for i, t in enumerate(tips)])
    return tips


PROBLEM_FIELDS = (
    "key", "title", "acknowledgement", "symptoms", "causes", "checks", "steps", "tips",
    "escalation", "general_questions",
)


@_document(*PROBLEM_FIELDS)
def validate_problem(doc: _Doc, data: dict) -> Spec:
    """Validate a problem document (``<problem key>.yml``)."""
    key = doc.ident(data, "", "key")
    expected = doc.file.rsplit(".", 1)[0]
    if key and key not in PROBLEM_KEYS:
        doc.error("key", f"unknown problem key {key!r} (known: {', '.join(PROBLEM_KEYS)})")
    elif key and key != expected:
        doc.error("key", f"must equal the file name {expected!r}, is {key!r}")
    return {
        "key": key,
        "title": doc.text(data, "", "title"),
        "acknowledgement": doc.text(data, "", "acknowledgement"),
        "symptoms": doc.texts(data, "", "symptoms", 2),
        "causes": doc.texts(data, "", "causes", 2),
        "checks": _checks(doc, data),
        "steps": _steps(doc, data),
        "tips": _tips(doc, data, "", 2),
        "escalation": _escalation(doc, data),
        "general_questions": _context(doc, data, "", "general_questions",
                                      MIN_GENERAL_QUESTIONS, MAX_GENERAL_QUESTIONS),
    }


def _checks(doc: _Doc, data: dict) -> List[Spec]:
    checks = []
    fields = ("id", "performed_by", "check", "description")
    for where, item in doc.records(data, "", "checks", fields):
        performer = machine_value(item.get("performed_by"))
        name = machine_value(item.get("check"))
        if performer not in PERFORMERS:
            doc.error(f"{where}.performed_by", f"must be one of {', '.join(PERFORMERS)}: {performer!r}")
        elif performer == "assistant" and name not in ASSISTANT_CHECKS:
            doc.error(f"{where}.check",
                      f"assistant checks need one of {', '.join(ASSISTANT_CHECKS)}: {name!r}")
        elif performer == "user" and name is not None:
            doc.error(f"{where}.check", "only assistant checks name a check")
        checks.append({
            "id": doc.ident(item, where, "id"),
            "performed_by": performer,
            "check": name if performer == "assistant" else None,
            "description": doc.text(item, where, "description"),
        })
    doc.unique([(f"checks[{i}].id", c["id"]) for i, c in enumerate(checks)])
    return checks


def _steps(doc: _Doc, data: dict) -> List[Spec]:
    steps: List[Spec] = []
    fields = ("id", "title", "instructions", "if_not_helped", "context", "skip_when")
    for where, item in doc.records(data, "", "steps", fields, MIN_STEPS, MAX_STEPS):
        step: Spec = {
            "id": doc.ident(item, where, "id"),
            "title": doc.text(item, where, "title"),
            "instructions": doc.text(item, where, "instructions"),
            "if_not_helped": doc.text(item, where, "if_not_helped"),
            "context": _context(doc, item, where, "context", MIN_STEP_CONTEXT, MAX_STEP_CONTEXT),
            "skip_when": _conditions(doc, item, where, "skip_when"),
        }
        if len(step["instructions"]) > MAX_INSTRUCTIONS:
            doc.error(f"{where}.instructions",
                      f"too long ({len(step['instructions'])} characters, at most {MAX_INSTRUCTIONS})")
        steps.append(step)
    doc.unique([(f"steps[{i}].id", s["id"]) for i, s in enumerate(steps)])
    for condition in SKIP_CONDITIONS:
        if steps and all(condition in s["skip_when"] for s in steps):
            doc.error("steps", f"every step is skipped when {condition!r}: at least one must remain")
    return steps


def _context(doc: _Doc, data: dict, path: str, field: str, min_items: int, max_items: int) -> List[Spec]:
    """Entries ``{kind, asks, answer}`` of a step's ``context`` or a problem's ``general_questions``.

    The variants of one list must differ (compared folded: full-width = half-width, no spaces
    or sentence punctuation), so that a message matches one entry."""
    entries = []
    fields = ("kind", "asks", "answer", "implies")
    for where, item in doc.records(data, path, field, fields, min_items, max_items):
        kind = machine_value(item.get("kind"))
        if kind not in CONTEXT_KINDS:
            doc.error(f"{where}.kind", f"must be one of {', '.join(CONTEXT_KINDS)}: {kind!r}")
        implies = _conditions(doc, item, where, "implies")
        if implies and kind != "not_applicable":
            doc.error(f"{where}.implies", "only not_applicable entries imply a condition")
        asks = doc.texts(item, where, "asks", MIN_ASKS)
        if len(asks) > MAX_ASKS:
            doc.error(f"{where}.asks", f"at most {MAX_ASKS} item(s), has {len(asks)}")
        for j, ask in enumerate(asks):
            _bounded(doc, ask, f"{where}.asks[{j}]", MAX_ASK_CHARS)
        answer = _bounded(doc, doc.text(item, where, "answer"), f"{where}.answer", MAX_CONTEXT_ANSWER)
        entries.append({"kind": kind, "asks": asks, "answer": answer, "implies": implies})
    where = _join(path, field)
    doc.unique([(f"{where}[{i}].asks[{j}]", _fold(a))
                for i, e in enumerate(entries) for j, a in enumerate(e["asks"])], "variant")
    return entries


def _conditions(doc: _Doc, item: dict, where: str, field: str) -> List[str]:
    """An optional list of skip conditions (``skip_when`` of a step, ``implies`` of an entry)."""
    value = item.get(field)
    if value is None:
        return []
    where = f"{where}.{field}"
    if not isinstance(value, list) or not value:
        doc.error(where, f"must be a non-empty list of conditions ({', '.join(SKIP_CONDITIONS)})")
        return []
    conditions = [machine_value(v) for v in value]
    for i, condition in enumerate(conditions):
        if condition not in SKIP_CONDITIONS:
            doc.error(f"{where}[{i}]",
                      f"unknown condition {condition!r} (known: {', '.join(SKIP_CONDITIONS)})")
    doc.unique([(f"{where}[{i}]", c) for i, c in enumerate(conditions) if isinstance(c, str)], "condition")
    return [c for c in dict.fromkeys(conditions) if c in SKIP_CONDITIONS]


def _escalation(doc: _Doc, data: dict) -> Spec:
    if "escalation" not in data:
        doc.error("escalation", "missing")
        return {}
    item = doc.mapping(data["escalation"], "escalation", ("when", "needs", "priority"))
    if item is None:
        return {}
    return {
        "when": doc.texts(item, "escalation", "when"),
        "needs": doc.texts(item, "escalation", "needs", 2),
        "priority": doc.ident(item, "escalation", "priority"),
    }


@_document("announcements")
def validate_announcements(doc: _Doc, data: dict) -> Spec:
    """Validate ``announcements.yml`` (``announcements: [...]``)."""
    result = []
    fields = ("id", "kind", "title", "message", "starts_at", "ends_at", "expected_recovery", "affects")
    for where, item in doc.records(data, "", "announcements", fields, 0):
        kind = machine_value(item.get("kind"))
        if kind not in ANNOUNCEMENT_KINDS:
            doc.error(f"{where}.kind", f"must be one of {', '.join(ANNOUNCEMENT_KINDS)}: {kind!r}")
        times = {name: _datetime(doc, item, where, name)
                 for name in ("starts_at", "ends_at", "expected_recovery")}
        start, end, recovery = times["starts_at"], times["ends_at"], times["expected_recovery"]
        if start and end and end <= start:
            doc.error(f"{where}.ends_at", "must be after starts_at")
        if start and recovery and recovery < start:
            doc.error(f"{where}.expected_recovery", "must not be before starts_at")
        affects = _affects(doc, item, where)
        result.append({
            "id": doc.ident(item, where, "id", ANNOUNCEMENT_ID_PATTERN),
            "kind": kind,
            "title": doc.text(item, where, "title"),
            "message": doc.text(item, where, "message"),
            **{name: value.isoformat() if value else None for name, value in times.items()},
            "affects": affects,
        })
    doc.unique([(f"announcements[{i}].id", a["id"]) for i, a in enumerate(result)])
    return {"announcements": result}


def _datetime(doc: _Doc, item: dict, where: str, name: str) -> Optional[datetime]:
    path, value = doc.field(item, where, name)
    if value is None:
        return None
    try:
        return parse_datetime(machine_value(value))
    except ValueError as exc:
        doc.error(path, str(exc))
        return None


def _affects(doc: _Doc, item: dict, where: str) -> List[str]:
    value = item.get("affects")
    if not isinstance(value, list) or not value:
        doc.error(f"{where}.affects", "must be a non-empty list of problem keys")
        return []
    value = [machine_value(key) for key in value]
    for i, key in enumerate(value):
        if key not in PROBLEM_KEYS:
            doc.error(f"{where}.affects[{i}]", f"unknown problem key {key!r}")
    doc.unique([(f"{where}.affects[{i}]", k) for i, k in enumerate(value) if isinstance(k, str)],
               "problem key")
    return [k for k in value if k in PROBLEM_KEYS]


@_document("tips")
def validate_prevention(doc: _Doc, data: dict) -> Spec:
    """Validate ``prevention.yml`` (general prevention tips)."""
    return {"tips": _tips(doc, data, "", 3)}


@_document("channels", "service_level")
def validate_support(doc: _Doc, data: dict) -> Spec:
    """Validate ``support.yml`` (support channels and the service level)."""
    fields = ("key", "name", "contact", "hours", "description")
    channels = [{
        "key": doc.ident(item, where, "key"),
        "name": doc.text(item, where, "name"),
        "contact": doc.text(item, where, "contact", chinese=False),
        "hours": doc.text(item, where, "hours"),
        "description": doc.text(item, where, "description"),
    } for where, item in doc.records(data, "", "channels", fields, 2)]
    doc.unique([(f"channels[{i}].key", c["key"]) for i, c in enumerate(channels)], "key")
    return {"channels": channels, "service_level": _service_level(doc, data)}


_WORKING_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
SERVICE_LEVEL_FIELDS = ("working_hours", "respond_within_working_hours", "texts")


def _service_level(doc: _Doc, data: dict) -> Spec:
    """``service_level``: working hours, working hours until contact per priority, texts."""
    where = "service_level"
    if "service_level" not in data:
        doc.error(where, "missing")
        return {}
    item = doc.mapping(data["service_level"], where, SERVICE_LEVEL_FIELDS)
    if item is None:
        return {}
    path, value = doc.field(item, where, "working_hours")
    value = machine_value(value)
    opens = closes = ""
    if value is not None:
        match = _WORKING_HOURS.match(value) if isinstance(value, str) else None
        if not match:
            doc.error(path, f"must be HH:MM-HH:MM (China time), e.g. 08:30-17:30: {value!r}")
        elif match.group(1, 2) >= match.group(3, 4):
            doc.error(path, f"must open before it closes: {value!r}")
        else:
            opens, closes = value.split("-")
    levels = []
    path, value = doc.field(item, where, "respond_within_working_hours")
    if value is not None and (not isinstance(value, dict) or not value):
        doc.error(path, "must be a non-empty mapping of priority to working hours, e.g. {urgent: 4}")
    elif isinstance(value, dict):
        for priority, hours in value.items():
            key = machine_value(priority)
            if not isinstance(key, str) or not ID_PATTERN.match(key):
                doc.error(f"{path}.{priority}", f"priority must match {ID_PATTERN.pattern}: {priority!r}")
            elif not isinstance(hours, int) or isinstance(hours, bool) or not 0 < hours <= MAX_RESPONSE_HOURS:
                doc.error(f"{path}.{key}",
                          f"must be a whole number of working hours, 1-{MAX_RESPONSE_HOURS}: {hours!r}")
            else:
                levels.append({"priority": key, "hours": hours})
    return {"opens": opens, "closes": closes, "respond_within_working_hours": levels,
            "texts": _service_texts(doc, item, where)}


def _service_texts(doc: _Doc, item: dict, where: str) -> Dict[str, str]:
    path, value = doc.field(item, where, "texts")
    if value is None:
        return {}
    value = doc.mapping(value, path, SERVICE_TEXTS)
    if value is None:
        return {}
    texts = {}
    for name, allowed in SERVICE_TEXTS.items():
        text = _bounded(doc, doc.text(value, path, name), f"{path}.{name}", MAX_SERVICE_TEXT)
        try:
            used = {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
        except ValueError as exc:
            doc.error(f"{path}.{name}", f"not a valid template ({exc}): {text!r}")
            continue
        unknown = used - set(allowed)
        if unknown:
            doc.error(f"{path}.{name}",
                      f"unknown placeholder(s) {', '.join(sorted(unknown))} (allowed: {', '.join(allowed)})")
        required = "hours" if name == "summary" else "due"
        if text and required not in used:
            doc.error(f"{path}.{name}", f"must contain {{{required}}}")
        texts[name] = text
    return texts


@_document("entries")
def validate_faq(doc: _Doc, data: dict) -> Spec:
    """Validate ``faq.yml`` (general questions with variants and a short answer)."""
    fields = ("key", "question", "variants", "answer")
    entries: List[Spec] = [{
        "key": doc.ident(item, where, "key"),
        "question": doc.text(item, where, "question"),
        "variants": doc.texts(item, where, "variants", 2),
        "answer": doc.text(item, where, "answer"),
    } for where, item in doc.records(data, "", "entries", fields, MIN_FAQ, MAX_FAQ)]
    doc.unique([(f"entries[{i}].key", e["key"]) for i, e in enumerate(entries)], "key")
    doc.unique([(f"entries[{i}].variants[{j}]", _fold(v))
                for i, e in enumerate(entries) for j, v in enumerate([e["question"], *e["variants"]])],
               "question")
    return {"entries": entries}


#: Error-catalogue bounds: a pasted-error text must be specific enough that a match means this
#: error ("登录错" alone is a complaint, not an error message): at least 4 Chinese characters,
#: where 2.5 letters or digits count as one ("502 Bad Gateway", "未插USBKEY" pass).
MIN_ERROR_TEXT_CHARS = 4
LATIN_PER_CHINESE = 2.5
MAX_ERROR_CAUSE, MAX_ERROR_FIX = 200, MAX_INSTRUCTIONS
ERROR_FIELDS = ("key", "problem", "platform", "title", "match", "cause", "fix", "escalate", "source")
_URL = re.compile(r"^https?://\S+$")


@_document("errors")
def validate_errors(doc: _Doc, data: dict) -> Spec:
    """Validate ``errors.yml`` (the catalogue of real error messages and codes users paste)."""
    entries: List[Spec] = []
    for where, item in doc.records(data, "", "errors", ERROR_FIELDS):
        entry: Spec = {
            "key": doc.ident(item, where, "key"),
            "problem": _problem_key(doc, item, where),
            "platform": doc.text(item, where, "platform", chinese=False),
            "title": doc.text(item, where, "title"),
            "match": _error_match(doc, item, where),
            "cause": _bounded(doc, doc.text(item, where, "cause"), f"{where}.cause", MAX_ERROR_CAUSE),
            "fix": _bounded(doc, doc.text(item, where, "fix"), f"{where}.fix", MAX_ERROR_FIX),
            "escalate": _flag(doc, item, where, "escalate"),
            "source": doc.text(item, where, "source", chinese=False),
        }
        if entry["source"] and not _URL.match(entry["source"]):
            doc.error(f"{where}.source", f"must be an http(s) URL: {entry['source']!r}")
        entries.append(entry)
    doc.unique([(f"errors[{i}].key", e["key"]) for i, e in enumerate(entries)], "key")
    # Variants of one entry may differ only by punctuation, but a text never appears in two
    # entries: a match must name one error.
    texts = []
    for i, entry in enumerate(entries):
        variants = reversed(list(enumerate(entry["match"]["texts"])))  # the first variant's path wins
        folded = {_fold(t): f"errors[{i}].match.texts[{j}]" for j, t in variants}
        texts += [(path, text) for text, path in folded.items()]
    doc.unique(texts, "error text")
    return {"errors": entries}


def _specific_error_text(text: str) -> bool:
    weight = len(_CJK.findall(text)) + len(re.findall(r"[A-Za-z0-9]", text)) / LATIN_PER_CHINESE
    return weight >= MIN_ERROR_TEXT_CHARS


def _problem_key(doc: _Doc, item: dict, where: str) -> str:
    value = doc.ident(item, where, "problem")
    if value and value not in PROBLEM_KEYS:
        doc.error(f"{where}.problem", f"unknown problem key {value!r}")
        return ""
    return value


def _error_match(doc: _Doc, item: dict, where: str) -> Spec:
    where = _join(where, "match")
    data = doc.mapping(item.get("match"), where, ("codes", "texts", "patterns"))
    if data is None:
        return {"codes": [], "texts": [], "patterns": []}
    lists = {name: _optional_strings(doc, data, where, name) for name in ("codes", "texts", "patterns")}
    for i, text in enumerate(lists["texts"]):
        if not _specific_error_text(text):
            doc.error(f"{where}.texts[{i}]", f"too general to mean this error: needs at least "
                                               f"{MIN_ERROR_TEXT_CHARS} Chinese characters (or "
                                               f"{LATIN_PER_CHINESE} letters/digits for one): {text!r}")
    for i, pattern in enumerate(lists["patterns"]):
        try:
            re.compile(pattern)
        except re.error as exc:
            doc.error(f"{where}.patterns[{i}]", f"not a regular expression ({exc}): {pattern!r}")
    if not any(lists.values()):
        doc.error(where, "needs at least one of codes, texts, patterns")
    return lists


def _optional_strings(doc: _Doc, data: dict, where: str, name: str) -> List[str]:
    value = data.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        doc.error(_join(where, name), "must be a list")
        return []
    out = []
    for i, v in enumerate(value):
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            v = str(v)
        if not isinstance(v, str) or not v.strip():
            doc.error(f"{_join(where, name)}[{i}]", "must be non-empty text")
            continue
        out.append(v.strip() if name == "patterns" else machine_value(v))
    return out


def _bounded(doc: _Doc, text: str, where: str, limit: int) -> str:
    if len(text) > limit:
        doc.error(where, f"at most {limit} characters, has {len(text)}")
    return text


def _flag(doc: _Doc, item: dict, where: str, name: str) -> bool:
    value = item.get(name, False)
    if not isinstance(value, bool):
        doc.error(_join(where, name), f"must be true or false: {value!r}")
        return False
    return value


def _fold(text: str) -> str:
    """A question as compared for repeats: normalised (full-width = half-width), no punctuation."""
    return re.sub(r"[\s?!,。]", "", normalise(text)).lower()


def cross_check(specs: Dict[str, Spec]) -> List[str]:
    """Checks that span documents.

    Args:
        specs: Validated specs by file name (problem files and the shared files).

    Returns:
        Error messages shaped ``file:key: reason``.
    """
    errors = []
    level = specs.get("support.yml", {}).get("service_level") or {}
    priorities = {f["priority"] for f in level.get("respond_within_working_hours", [])}
    for key in PROBLEM_KEYS:
        file = f"{key}.yml"
        if file not in specs:
            errors.append(f"{file}:(document): missing problem file")
            continue
        priority = specs[file].get("escalation", {}).get("priority")
        if priority and level and priority not in priorities:
            errors.append(f"{file}:escalation.priority: unknown priority {priority!r} (support.yml "
                          f"service_level.respond_within_working_hours has: {', '.join(sorted(priorities))})")
    return errors
