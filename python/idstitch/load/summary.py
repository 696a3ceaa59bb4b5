"""``LoadSummary``: what a load did, and its lines for the command's output."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from idstitch.load.shapes import TABLES


@dataclass
class LoadSummary:
    """What a load did. ``records == accepted + rejected`` always holds."""

    files: int = 0
    records: int = 0
    accepted: int = 0
    written: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))
    duplicates: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))
    rejects: dict[str, int] = field(default_factory=dict)
    ignored_fields: dict[str, int] = field(default_factory=dict)
    blank_lines: int = 0
    empty_files: list[str] = field(default_factory=list)
    rejects_path: Path | None = None
    #: rejects the rejects file already listed (a reload), counted but not appended
    rejects_repeated: int = 0
    seconds: float = 0.0

    @property
    def rejected(self) -> int:
        return sum(self.rejects.values())

    def lines(self) -> list[str]:
        out = [
            f"read {self.records:,} records from {self.files:,} file(s) in {self.seconds:.1f} s: "
            f"{self.accepted:,} accepted, {self.rejected:,} rejected",
        ]
        for table in TABLES:
            out.append(
                f"  {table:<11} {self.written[table]:>10,} rows written, "
                f"{self.duplicates[table]:,} skipped as already loaded"
            )
        if self.rejects:
            where = f" (details in {self.rejects_path})" if self.rejects_path else ""
            out.append(f"rejected by reason{where}:")
            if self.rejects_repeated:
                out.append(
                    f"  ({self.rejects_repeated:,} of them already listed there, "
                    "not appended again)"
                )
            for reason, count in sorted(self.rejects.items(), key=lambda kv: (-kv[1], kv[0])):
                out.append(f"  {reason:<20} {count:>10,}")
        if self.ignored_fields:
            out.append("fields not loaded (messages loaded without them):")
            for name, count in sorted(self.ignored_fields.items(), key=lambda kv: (-kv[1], kv[0])):
                out.append(f"  {name:<40} {count:>10,}")
        if self.blank_lines:
            out.append(f"blank lines skipped: {self.blank_lines:,}")
        for path in self.empty_files:
            out.append(f"empty file (nothing to load): {path}")
        return out
