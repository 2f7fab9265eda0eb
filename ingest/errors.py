"""Domain errors and warnings that carry their place (file, line, field).

The core raises these; only the CLI turns them into an exit message and only
the UI turns them into ``st.error``.
"""
from __future__ import annotations

from dataclasses import dataclass


class JixiaoError(Exception):
    """Base class of every error jixiao raises on purpose."""


class IngestError(JixiaoError):
    """A document could not be read or parsed.

    Example: ``IngestError("no text layer", file="scan.pdf", hint="run OCR first")``
    """

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 field: str | None = None, hint: str | None = None):
        self.message = message
        self.file = file
        self.line = line
        self.field = field
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        place = self.file or "<input>"
        if self.line is not None:
            place += f":{self.line}"
        text = f"{place}: {self.message}"
        if self.field:
            text += f" (field {self.field})"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


@dataclass(frozen=True)
class IngestWarning:
    """Something irregular that was read anyway (a displaced label, a broken row…)."""

    file: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        place = self.file + (f":{self.line}" if self.line is not None else "")
        where = f" [{self.field}]" if self.field else ""
        return f"{place}{where}: {self.message}"
