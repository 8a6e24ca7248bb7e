"""The CSS every built-in note type shares: phone first, light and night mode.

Template *text* and CSS may change freely between releases (Anki updates them
in place when the note type's ``mod`` is newer), unlike the field and template
names that :mod:`builder.notetypes` freezes.
"""

from __future__ import annotations

# Colours live in custom properties so night mode is one override block, not a
# second copy of every rule. The ``--builder-`` prefix keeps them clear of Anki
# desktop's own variables (``--fg``, ``--canvas``...) in the same page. The night
# block matches ``.nightMode``/``.night_mode`` on ``.card`` itself (AnkiDroid,
# AnkiMobile, desktop) or on any ancestor (pages that put it on ``<html>``); it
# comes after the light block so the equal-specificity ``.card.nightMode`` case
# resolves to night. AnkiDroid only skips its own colour inversion when the CSS
# contains ``.night_mode`` or ``.nightMode``, which these selectors also satisfy.
# Every text colour below is >= 4.5:1 (WCAG AA) on every background it can sit
# on (page, code, table header, cloze pill); tests/test_templates_browser.py
# measures that in Chromium.
#
# Layout is for a 320 px phone first. Long words and URLs wrap (``break-word`` is
# the fallback for iOS < 15.4, which ignores ``anywhere``); tables, ``pre`` and
# Pygments' ``.codehilite`` scroll inside their own box instead of widening the
# page, and table cells keep ``overflow-wrap: normal`` so a wide table scrolls
# rather than squeezing its columns to a letter each; images scale to the width.
# Paragraphs take their direction from their own text (``unicode-bidi:
# plaintext``), so Arabic or Hebrew lines start at the right. Desktop Anki
# scrolls ``hr#answer`` into view when the answer is shown; ``scroll-margin-top``
# keeps the end of the question on screen above it.
CSS = """\
:root, .card {
  --builder-bg: #ffffff;
  --builder-fg: #1f2328;
  --builder-muted: #3d444d;
  --builder-source: #59636e;
  --builder-link: #0550ae;
  --builder-cloze-fg: #0550ae;
  --builder-cloze-bg: #ddf4ff;
  --builder-code-fg: #1f2328;
  --builder-code-bg: #eff2f5;
  --builder-rule: #6e7781;
  --builder-border: #d1d9e0;
  --builder-th-bg: #f6f8fa;
}
.nightMode, .night_mode, .nightMode .card, .night_mode .card {
  --builder-bg: #0d1117;
  --builder-fg: #e6edf3;
  --builder-muted: #c9d1d9;
  --builder-source: #9198a1;
  --builder-link: #79c0ff;
  --builder-cloze-fg: #a5d6ff;
  --builder-cloze-bg: #0c2d6b;
  --builder-code-fg: #e6edf3;
  --builder-code-bg: #1c2128;
  --builder-rule: #8b949e;
  --builder-border: #3d444d;
  --builder-th-bg: #161b22;
}
.card {
  font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Noto Sans",
    "Helvetica Neue", Arial, sans-serif, "Apple Color Emoji", "Segoe UI Emoji";
  font-size: 18px;
  line-height: 1.55;
  color: var(--builder-fg);
  background-color: var(--builder-bg);
  text-align: start;
  margin: 0;
  padding: 16px;
  overflow-wrap: break-word;
  overflow-wrap: anywhere;
}
.card-body, .extra, .source, .tts, hr#answer { max-width: 42rem; margin-left: auto; margin-right: auto; }
.card-body, .extra, .source, p, li, dd, dt, td, th, blockquote, h1, h2, h3, h4, h5, h6 {
  unicode-bidi: plaintext;
  text-align: start;
}
ul, ol { padding-inline-start: 1.5em; }
.cloze {
  font-weight: 700;
  color: var(--builder-cloze-fg);
  background-color: var(--builder-cloze-bg);
  border-radius: 0.25em;
  padding: 0 0.2em;
  -webkit-box-decoration-break: clone;
  box-decoration-break: clone;
}
hr#answer {
  border: 0;
  border-top: 2px solid var(--builder-rule);
  margin-top: 20px;
  margin-bottom: 20px;
  scroll-margin-top: 25vh;
}
.extra { margin-top: 12px; color: var(--builder-muted); font-size: 16px; }
.source { margin-top: 16px; color: var(--builder-source); font-size: 16px; }
a { color: var(--builder-link); text-decoration: underline; text-underline-offset: 0.15em; }
img, video { max-width: 100%; height: auto; }
iframe, svg, canvas { max-width: 100%; }
code, kbd, samp, pre {
  font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono",
    "DejaVu Sans Mono", monospace;
  font-size: 16px;
  font-size: max(16px, 0.875em);
}
code, kbd, samp {
  color: var(--builder-code-fg);
  background-color: var(--builder-code-bg);
  border-radius: 4px;
  padding: 0.05em 0.3em;
}
pre, .codehilite, table, mjx-container[display="true"] {
  display: block;
  max-width: 100%;
  overflow-x: auto;
  -webkit-overflow-scrolling: touch;
}
pre {
  color: var(--builder-code-fg);
  background-color: var(--builder-code-bg);
  border: 1px solid var(--builder-border);
  border-radius: 6px;
  padding: 12px;
  line-height: 1.45;
  white-space: pre;
  overflow-wrap: normal;
  direction: ltr;
  text-align: left;
  unicode-bidi: isolate;
  tab-size: 4;
}
pre code { background-color: transparent; border-radius: 0; padding: 0; font-size: inherit; }
table { border-collapse: collapse; margin: 12px 0; }
th, td {
  border: 1px solid var(--builder-border);
  padding: 4px 8px;
  vertical-align: top;
  overflow-wrap: normal;
}
th { background-color: var(--builder-th-bg); }
"""
