"""Named clients: the personal "prepared for" block, and mail merge from a CSV file.

Client names and notes are personal health information. They go into the PDF the
user asked for and nowhere else: not into logs, the batch index, caches or
default file names (those use the CSV row number or a hash).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Client:
    """The personal details printed in the "prepared for" block."""

    name: str
    note: str | None = None
    therapist: str | None = None
    next_appointment: dt.date | None = None

    def fingerprint(self, *parts: str) -> str:
        """A short, stable id for file names that does not reveal the client."""
        text = "\x1f".join((self.name, self.note or "", self.therapist or "",
                             str(self.next_appointment or ""), *parts))
        return hashlib.sha256(text.encode()).hexdigest()[:12]
