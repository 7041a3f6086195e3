"""Request arguments: the error an op answers with, and typed readers that name the bad field."""

from __future__ import annotations

from typing import Any

from portal.avantage.protocol import ErrorCode


class RequestError(Exception):
    """Answer the current request with ``ok: false`` and this code and message."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


def invalid(field: str, problem: str) -> RequestError:
    """An INVALID error whose message starts with the field's name."""
    return RequestError(ErrorCode.INVALID, f"{field}: {problem}")


def text_argument(
    args: dict[str, Any], name: str, *, required: bool = True, max_length: int = 200
) -> str | None:
    """A non-empty string argument of at most ``max_length`` characters."""
    value = args.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value or len(value) > max_length:
        raise invalid(name, f"must be a non-empty string of at most {max_length} characters")
    return value


def int_argument(args: dict[str, Any], name: str, default: int, low: int, high: int) -> int:
    """An integer argument within ``low``–``high`` (booleans refused)."""
    value = args.get(name, default)
    if type(value) is not int or not low <= value <= high:
        raise invalid(name, f"must be an integer from {low} to {high}")
    return value


def bool_argument(args: dict[str, Any], name: str, default: bool) -> bool:
    """A boolean argument."""
    value = args.get(name, default)
    if not isinstance(value, bool):
        raise invalid(name, "must be true or false")
    return value
