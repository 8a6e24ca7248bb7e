"""What ``builder pull`` prints: each learner edit with the source's ``file:line``, old and new text."""

from __future__ import annotations

from .errors import printable
from .pull import Finding, PullReport

MARKS = {"edit": "~", "conflict": "!", "refused": "?", "kept": "="}
_NAMES = {"edit": ("edit", "edits"), "conflict": ("conflict", "conflicts"), "refused": ("refused", "refused"),
          "kept": ("not pulled", "not pulled")}


def describe_report(report: PullReport) -> list[str]:
    """The head line and one block per finding; text values show as ``-`` (source) and ``+`` (Anki) lines."""
    counts = [(status, len(report.having(status))) for status in MARKS]
    parts = [f"{count} {_NAMES[status][count != 1]}" for status, count in counts if count]
    held = f"the export holds {report.found} of its {report.released} released notes"
    lines = [f"{report.deck.slug}: {', '.join(parts) if parts else 'no edits in Anki'} ({held})"]
    for finding in report.findings:
        lines += _finding_lines(finding)
    return [printable(line) for line in lines]


def _finding_lines(finding: Finding) -> list[str]:
    who = f"{finding.note_id}: " if finding.note_id else ""
    reason = f": {finding.reason}" if finding.reason else ""
    head = f"  {MARKS[finding.status]} {finding.where}: {who}{finding.subject}{reason}"
    if not finding.old and not finding.new:
        return [head]
    return [head, *_side("-", finding.old), *_side("+", finding.new)]


def _side(mark: str, text: str) -> list[str]:
    """The text's lines; a raw HTML field's line breaks at the end show nothing, so they are left out."""
    text = text.rstrip("\n")
    return [f"      {mark} {line}" for line in text.split("\n")] if text else [f"      {mark} (empty)"]


def describe_refusal(finding: Finding) -> str:
    """An edit that ``--apply`` could not write after all."""
    return printable(f"  {MARKS['refused']} {finding.where}: {finding.note_id}: {finding.subject}: {finding.reason}")
