"""Human-readable description of a plan, for ``builder diff``."""

from __future__ import annotations

from .media import MEDIA_KEY
from .notices import deck_wide_line
from .plan import Plan

_MARKS = {"added": "+", "restored": "+", "changed": "~", "moved": ">", "removed": "-"}


def describe_plan(plan: Plan) -> tuple[list[str], bool]:
    """Lines to print and whether the next build would release anything new."""
    slug = plan.deck.slug
    before = plan.previous.version if plan.previous else None  # None too before an imported deck's first release
    if not plan.is_new_release:
        return [f"{slug}: no changes (version {plan.version})"], False
    if before is None:
        head = f"{slug}: first release {plan.version} ({len(plan.notes)} notes)"
        return [head], True
    level = f", {plan.level}" if plan.level else ""
    lines = [f"{slug}: {before} -> {plan.version}{level}"]
    for change in plan.changes:
        details = [_deck_detail(change.deck_move) if name == "deck" and change.deck_move else name
                   for name in change.details]
        detail = f": {', '.join(details)}" if details else ""
        suffix = {"removed": " (retired)", "restored": " (restored)",
                  "moved": " (placement only: learners' notes are not updated)"}.get(change.status, "")
        lines.append(f"  {_MARKS[change.status]} {change.note_id}{detail}{suffix}")
    if plan.deck_wide:
        lines.append(deck_wide_line(plan.deck_wide))
    for kind in plan.note_type_changes:
        lines.append(f"  ~ note type {kind}: templates or CSS")
    for kind in plan.schema_changes:
        lines.append(f"  ! note type {kind}: field or template names (schema change)")
    old_hashes, new_hashes = plan.previous.deck_hashes if plan.previous else {}, plan.lock.deck_hashes
    for key in sorted(old_hashes.keys() | new_hashes.keys()):  # the media folder's files: "media/<name>"
        if key.startswith(MEDIA_KEY) and old_hashes.get(key) != new_hashes.get(key):
            mark = "+" if key not in old_hashes else "-" if key not in new_hashes else "~"
            lines.append(f"  {mark} media file {key.removeprefix(MEDIA_KEY)}")
    return lines, True


def _deck_detail(move: tuple[str, str]) -> str:
    return f"deck '{move[0]}' -> '{move[1]}'"
