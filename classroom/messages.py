"""Socket payload shapes, matching shared/CONTRACT.md."""

from typing import Literal, TypedDict


class ErrorMessage(TypedDict):
    type: Literal["error"]
    error: str
    detail: str


def error(code: str, detail: str) -> ErrorMessage:
    return {"type": "error", "error": code, "detail": detail}
