"""The normalisation builder pull compares fields under: what Anki's editor changes without meaning to."""

from __future__ import annotations

import pytest

from builder.htmlnorm import normalised


@pytest.mark.parametrize(
    ("ours", "editors"),
    [
        ("a<br />b", "a<br>b"),
        ("a<br/>b", "a<br>b"),
        ("Answer.", "Answer.<br>"),
        ("Answer.", "Answer.&nbsp;"),
        ("two&nbsp;words", "two words"),
        ("He said &quot;hi&quot; &amp; left", 'He said "hi" &amp; left'),
        ("it&#39;s", "it's"),
        ('<a href="https://x.org" title="t">x</a>', '<a title="t" href="https://x.org">x</a>'),
        ("<ul>\n<li>a</li>\n<li>b</li>\n</ul>", "<ul><li>a</li><li>b</li></ul>"),
        ("<p>one</p>\n<p>two</p>", "<p>one</p><p>two</p>"),
        ("<strong>bold</strong> and <em>it</em>", "<b>bold</b> and <i>it</i>"),
        ("line one\nline two", "line one line two"),
        ("  spaced  out  ", "spaced out"),
        ('<img src="a.png" alt="x" />', '<IMG ALT="x" SRC="a.png">'),
        ("caf\u0065\u0301", "caf\u00e9"),
        ("a<br />\nb", "a<br>b"),
        ("<strong>bold</strong> text", "<b>bold </b>text"),
        ("a <em>b</em> c", "a<i> b </i>c"),
    ],
    ids=["br-xhtml", "br-slash", "trailing-br", "trailing-nbsp", "nbsp", "quot", "apos", "attribute-order",
         "list-newlines", "paragraph-newlines", "b-and-i", "soft-break", "outer-spaces", "void-and-case", "nfc",
         "br-newline",
         "space-after-bold", "spaces-in-italic"],
)
def test_what_the_editor_changes_without_meaning_to_is_no_change(ours: str, editors: str) -> None:
    assert normalised(ours) == normalised(editors)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        ("Answer.", "Answers."),
        ("a b", "a<br>b"),
        ("plain", "<u>plain</u>"),
        ("<code>x</code>", "x"),
        ('<div class="codehilite"><pre><code>a  b\n</code></pre></div>',
         '<div class="codehilite"><pre><code>a b\n</code></pre></div>'),
        ('<a href="https://x.org">x</a>', '<a href="https://y.org">x</a>'),
        ("<p>one</p><p>two</p>", "<p>one two</p>"),
    ],
    ids=["word", "line-break", "underline", "code", "spaces-in-code", "link-target", "paragraphs"],
)
def test_real_edits_still_differ(ours: str, theirs: str) -> None:
    assert normalised(ours) != normalised(theirs)
