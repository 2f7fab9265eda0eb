"""Domain errors and warnings that carry their place (file, line, field) and a hint.

The core raises these; only the CLI turns them into an exit message and only
the UI turns them into ``st.error``. Every error jixiao raises on purpose derives
from :class:`JixiaoError`, which prints them all the same way::

    <place>: <message> (field <field>)
      <excerpt lines, if any>
      hint: <how to fix it>
"""
from __future__ import annotations

from dataclasses import dataclass


class JixiaoError(Exception):
    """Base class of every error jixiao raises on purpose.

    - ``message``: what went wrong, one sentence.
    - ``file``/``line``/``field``: where, when there is such a place (a document, a
      line of it, a field of the table).
    - ``hint``: how to fix it, printed on a line of its own.

    Subclasses add what their place is (a query and a position, a URL) by overriding
    :meth:`place` and :meth:`excerpt`; there is one ``__str__``, this one.

    Example:
        >>> str(JixiaoError("no text layer", file="scan.pdf", line=3, hint="run OCR first"))
        'scan.pdf:3: no text layer\\n  hint: run OCR first'
    """

    def __init__(self, message: str, *, hint: str | None = None, file: str | None = None,
                 line: int | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.file = file
        self.line = line
        self.field = field

    def place(self) -> str | None:
        """Where it happened, printed before the message (``file:line``), or None."""
        if self.file is None:
            return None if self.line is None else f"line {self.line}"
        return self.file + (f":{self.line}" if self.line is not None else "")

    def excerpt(self) -> str:
        """Lines printed under the message (the text around the place): none by default."""
        return ""

    def __str__(self) -> str:
        place = self.place()
        text = f"{place}: {self.message}" if place else self.message
        if self.field:
            text += f" (field {self.field})"
        text += self.excerpt()
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class IngestError(JixiaoError):
    """A document could not be read or parsed.

    Example:
        >>> print(IngestError("no text layer", file="scan.pdf", hint="run OCR first"))
        scan.pdf: no text layer
          hint: run OCR first
    """

    def place(self) -> str:
        return super().place() or "<input>"  # an ingest error always says which input


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
