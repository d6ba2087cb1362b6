"""Xero's `where` and `order` query syntax, as far as integrations use it.

Name=="Acme" AND ContactStatus!="ARCHIVED"      Type=="BANK" OR Type=="CURRENT"
IsSupplier==true     Contact.ContactID==Guid("…")     Date>=DateTime(2024,01,31)
Name.Contains("bak")   Name.StartsWith("A")   Name.ToLower()=="acme"   (a OR b) AND c
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sandbox.wire import guid_of

Predicate = Callable[[dict[str, Any]], bool]


class QueryError(ValueError):
    """A where or order string Xero would refuse; the message says what is wrong."""


_TOKEN = re.compile(
    r'\s*(?:(?P<string>"(?:[^"\\]|\\.)*")|(?P<op>==|!=|<>|>=|<=|>|<|=)|(?P<lparen>\()|(?P<rparen>\))|(?P<comma>,)'
    r"|(?P<logic>&&|\|\|)|(?P<dot>\.)|(?P<number>-?\d{1,28}(?:\.\d{1,28})?)|(?P<word>[A-Za-z_][A-Za-z0-9_]*))"
)
# .NET's spellings, as Xero's where clause takes them (pyxero joins conditions with &&).
_SPELLINGS = {("logic", "&&"): ("word", "AND"), ("logic", "||"): ("word", "OR"), ("op", "="): ("op", "=="),
              ("op", "<>"): ("op", "!=")}  # fmt: skip
MAX_DEPTH = 32  # parentheses deeper than any real filter: refused, not recursed into
# Method names in any case, as .NET's dynamic LINQ reads them (pyxero writes Name.contains("…")).
_METHODS = {m.lower(): m for m in ("Contains", "StartsWith", "EndsWith", "ToLower", "ToUpper")}


def _tokens(text: str) -> list[tuple[str, str]]:
    found, position = [], 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise QueryError(f"The where clause could not be read near '{text[position : position + 20]}'.")
        kind = match.lastgroup or ""
        found.append(_SPELLINGS.get((kind, match.group(kind)), (kind, match.group(kind))))
        position = match.end()
    return found


def field_value(record: dict[str, Any], path: list[str]) -> Any:
    value: Any = record
    for part in path:
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


class _Parser:
    def __init__(self, text: str, dates: Callable[[Any], datetime | None]) -> None:
        self.items = _tokens(text)
        self.at = 0
        self.depth = 0
        self.dates = dates

    def peek(self) -> tuple[str, str] | None:
        return self.items[self.at] if self.at < len(self.items) else None

    def take(self, kind: str | None = None) -> tuple[str, str]:
        item = self.peek()
        if item is None or (kind and item[0] != kind):
            raise QueryError("The where clause ended too early or has a misplaced symbol.")
        self.at += 1
        return item

    def word_is(self, *words: str) -> bool:
        item = self.peek()
        return item is not None and item[0] == "word" and item[1].upper() in words

    def parse(self) -> Predicate:
        predicate = self.disjunction()
        if self.peek() is not None:
            raise QueryError(f"Unexpected '{self.peek()[1]}' in the where clause.")  # type: ignore[index]
        return predicate

    def disjunction(self) -> Predicate:
        parts = [self.conjunction()]
        while self.word_is("OR", "ORELSE"):
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else (lambda r: any(p(r) for p in parts))

    def conjunction(self) -> Predicate:
        parts = [self.comparison()]
        while self.word_is("AND", "ANDALSO"):
            self.take()
            parts.append(self.comparison())
        return parts[0] if len(parts) == 1 else (lambda r: all(p(r) for p in parts))

    def comparison(self) -> Predicate:
        if self.peek() and self.peek()[0] == "lparen":  # type: ignore[index]
            self.take()
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise QueryError("The where clause nests parentheses too deeply.")
            inner = self.disjunction()
            self.take("rparen")
            self.depth -= 1
            return inner
        negate = False
        if self.word_is("NOT"):
            self.take()
            negate = True
        path, transforms = [self.take("word")[1]], []
        while self.peek() and self.peek()[0] == "dot":  # type: ignore[index]
            self.take()
            name = self.take("word")[1]
            if name.lower() in _METHODS:
                name = _METHODS[name.lower()]
                self.take("lparen")
                argument = None if self.peek() and self.peek()[0] == "rparen" else self.literal()  # type: ignore[index]
                self.take("rparen")
                transforms.append((name, argument))
            else:
                path.append(name)
        method = next((t for t in transforms if t[0] in {"Contains", "StartsWith", "EndsWith"}), None)
        lower = any(t[0] == "ToLower" for t in transforms)
        upper = any(t[0] == "ToUpper" for t in transforms)

        def read(record: dict[str, Any]) -> Any:
            value = field_value(record, path)
            if isinstance(value, str):
                value = value.lower() if lower else value.upper() if upper else value
            return value

        if method is not None:
            name, needle = method
            if not isinstance(needle, str):
                raise QueryError(f"{name} needs a quoted string.")

            def text_test(record: dict[str, Any]) -> bool:
                value = read(record)
                if not isinstance(value, str):
                    return False
                return {
                    "Contains": needle in value,
                    "StartsWith": value.startswith(needle),
                    "EndsWith": value.endswith(needle),
                }[name]

            return (lambda r: not text_test(r)) if negate else text_test
        operator = self.take("op")[1]
        wanted = self.literal()
        test = _compare(read, operator, wanted, self.dates)
        return (lambda r: not test(r)) if negate else test

    def literal(self) -> Any:
        kind, text = self.take()
        if kind == "string":
            return re.sub(r"\\(.)", r"\1", text[1:-1])  # \" and \\ stand for themselves
        if kind == "number":
            return float(text) if "." in text else int(text)
        if kind == "word":
            upper = text.upper()
            if upper in {"TRUE", "FALSE"}:
                return upper == "TRUE"
            if upper == "NULL":
                return None
            if upper == "GUID":
                self.take("lparen")
                value = self.literal()
                self.take("rparen")
                return guid_of(str(value)) or str(value).lower()
            if upper == "DATETIME":
                self.take("lparen")
                numbers = [self.take("number")[1]]
                while self.peek() and self.peek()[0] == "comma":  # type: ignore[index]
                    self.take()
                    numbers.append(self.take("number")[1])
                self.take("rparen")
                try:
                    return datetime(*(int(n) for n in numbers), tzinfo=UTC)  # type: ignore[misc]
                except (TypeError, ValueError, OverflowError):
                    raise QueryError("DateTime(...) needs a valid year, month and day.") from None
        raise QueryError(f"'{text}' is not a value the where clause understands.")


def _compare(
    read: Callable[[dict[str, Any]], Any], operator: str, wanted: Any, dates: Callable[[Any], datetime | None]
) -> Predicate:
    def test(record: dict[str, Any]) -> bool:
        value = read(record)
        target = wanted
        if isinstance(target, datetime):
            value = dates(value)
            if value is None:
                return False
        elif isinstance(target, str) and isinstance(value, str) and _looks_like_guid(target):
            value = value.lower()
        if operator == "==":
            return value == target
        if operator == "!=":
            return value != target
        try:
            return {">": value > target, "<": value < target, ">=": value >= target, "<=": value <= target}[operator]
        except TypeError:
            return False

    return test


def _looks_like_guid(text: str) -> bool:
    return len(text) == 36 and text.count("-") == 4


def parse_where(text: str, dates: Callable[[Any], datetime | None]) -> Predicate:
    """A predicate over a record's JSON, or QueryError with a readable message."""
    return _Parser(text, dates).parse()


def parse_order(text: str) -> list[tuple[list[str], bool]]:
    """`Name ASC, UpdatedDateUTC DESC` -> [(['Name'], False), (['UpdatedDateUTC'], True)] (True = descending)."""
    keys = []
    for part in text.split(","):
        words = part.split()
        if not words:
            continue
        if len(words) > 2 or (len(words) == 2 and words[1].upper() not in {"ASC", "DESC"}):
            raise QueryError(f"The order '{part.strip()}' is not 'Field' or 'Field ASC|DESC'.")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", words[0]):
            raise QueryError(f"'{words[0]}' is not a field name.")
        keys.append((words[0].split("."), len(words) == 2 and words[1].upper() == "DESC"))
    return keys
