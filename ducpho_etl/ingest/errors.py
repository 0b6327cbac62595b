"""The one error of reading: a file or source folder that cannot be read."""

from __future__ import annotations


class IngestError(Exception):
    """A file (or source folder) that cannot be read: the message names the file, never data."""

    def __init__(
        self, file: str, message: str, row: int | None = None, column: str | None = None
    ) -> None:
        self.file = file
        self.message = message
        self.row = row
        self.column = column
        where = "".join(
            (f", row {row}" if row is not None else "", f", column {column!r}" if column else "")
        )
        super().__init__(f"{file}{where}: {message}")


class SourceMissing(IngestError):
    """The source folder is missing."""
