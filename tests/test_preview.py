"""``builder preview``: the gallery, its screenshots and its error messages, through CliRunner."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder.cli import cli
from tests.ankitools import visible_text
from tests.browser import browser_missing_reason
from tests.conftest import SMALL_SOURCE, write_source
from tests.helpers.images import png_size, png_top_left, write_png

SOURCE = SMALL_SOURCE + """\
  - id: quiz-image
    kind: quiz
    question: What does the diagram show?
    answer: "![diagram](images/diagram.png)"
  - id: both-ways
    kind: quiz
    type: reverse
    question: Which service serves the models?
    answer: Scorpion
"""
CARDS = ("learn-one-c1", "learn-one-c2", "learn-two-c1", "quiz-one", "quiz-two", "deep-one", "deep-two-c1",
         "quiz-image", "both-ways-card1", "both-ways-card2")
FACES = [f"{card}-{side}-{mode}" for card in CARDS for side in ("question", "answer") for mode in ("light", "night")]
WROTE = "Wrote {index}: 10 cards of 8 notes, question and answer in light and night mode (version 1.0.0)\n"
ENGINE_MISSING = "Error: builder preview needs the Anki engine: .venv/bin/pip install -e '.[preview]'\n"
_skip_without_browser = pytest.mark.skipif(
    browser_missing_reason() is not None and not os.environ.get("CI"),
    reason=f"{browser_missing_reason()}; under CI this fails instead",
)


def needs_browser(test: Callable[..., None]) -> Callable[..., None]:
    """A screenshot test: skipped without Chromium outside CI, and left out of ``make test-fast``."""
    return pytest.mark.browser(_skip_without_browser(test))


def make_project(folder: Path) -> Path:
    write_source(folder / "cardsrc", SOURCE)
    (folder / "cardsrc" / "images").mkdir()
    write_png(folder / "cardsrc" / "images" / "diagram.png", 60, 40)
    return folder


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(make_project(tmp_path))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    return tmp_path


@pytest.fixture(scope="module")
def gallery(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """``builder preview`` with no arguments, run once: every cardsrc/*.yaml into preview/<slug>/."""
    folder = make_project(tmp_path_factory.mktemp("gallery"))
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)
        result = CliRunner().invoke(cli, ["preview"])
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    assert result.stdout == WROTE.format(index="preview/small/index.html")
    yield folder / "preview" / "small"


def page_text(gallery: Path, face: str) -> str:
    """The card's visible text (tags become spaces), without the page's title."""
    page = (gallery / "cards" / f"{face}.html").read_text(encoding="utf-8")
    return visible_text(page.partition("<body")[2])


def test_gallery_has_both_sides_of_every_card_in_both_modes(gallery: Path) -> None:
    index = (gallery / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'<iframe class="(?:light|night)" src="cards/([^"]+)\.html"', index) == FACES
    assert sorted(path.stem for path in (gallery / "cards").glob("*.html")) == sorted(FACES)
    for card in CARDS:
        for side in ("question", "answer"):
            light = (gallery / "cards" / f"{card}-{side}-light.html").read_text(encoding="utf-8")
            night = (gallery / "cards" / f"{card}-{side}-night.html").read_text(encoding="utf-8")
            assert re.search(r'<body class="card card\d">', light), f"{card} {side} light"
            assert re.search(r'<body class="card card\d nightMode night_mode">', night), f"{card} {side} night"
            assert visible_text(night) == visible_text(light)
    assert not (gallery / "png").exists()


@pytest.mark.parametrize(
    ("face", "shown", "hidden"),
    [
        ("learn-one-c1-question-light", "The [...] learning has two deletions.", "first"),
        ("learn-one-c2-question-night", "The first learning has [...] deletions.", "Context"),
        ("learn-one-c1-answer-light", "The first learning has two deletions. Context for the first learning.",
         "[...]"),
        ("quiz-one-question-light", "What is the first quiz question about?", "Answers."),
        ("quiz-one-answer-night", "What is the first quiz question about? Answers. Extra context. An Article", "[...]"),
        ("deep-two-c1-question-light", "Scorpion was written in [...]", "C++"),
        ("deep-two-c1-answer-light", "Scorpion was written in C++", "[...]"),
        ("both-ways-card1-question-light", "Which service serves the models?", "Scorpion"),
        ("both-ways-card2-question-light", "Scorpion", "Which service"),
        ("both-ways-card2-answer-night", "Scorpion Which service serves the models?", "[...]"),
    ],
)
def test_each_page_is_what_anki_renders_for_that_side(gallery: Path, face: str, shown: str, hidden: str) -> None:
    text = page_text(gallery, face)
    assert shown in text
    assert hidden not in text


def test_images_are_copied_next_to_the_pages(gallery: Path) -> None:
    answer = (gallery / "cards" / "quiz-image-answer-light.html").read_text(encoding="utf-8")
    (name,) = re.findall(r'<img src="([^"]+)"', answer)
    assert name.startswith("b-") and png_size(gallery / "cards" / name) == (60, 40)


def test_gallery_needs_no_network_and_runs_no_script(gallery: Path) -> None:
    for page in [gallery / "index.html", *(gallery / "cards").glob("*.html")]:
        text = page.read_text(encoding="utf-8")
        assert "Content-Security-Policy\" content=\"default-src 'none';" in text
        assert not re.search(r"<script|<link|@import|\b(?:src|srcset)=\"(?!cards/|b-)|url\((?!data:)", text), page


def test_preview_leaves_dist_and_the_lock_alone(runner: CliRunner, project: Path) -> None:
    assert runner.invoke(cli, ["preview"]).exit_code == 0
    assert not (project / "dist").exists() and not (project / "cardsrc" / "small.lock").exists()
    assert runner.invoke(cli, ["build"]).exit_code == 0
    released = {path: path.read_bytes() for path in [*project.glob("dist/*"), project / "cardsrc" / "small.lock"]}
    source = project / "cardsrc" / "small.yaml"
    source.write_text(source.read_text().replace("answer: Answers.", "answer: Edited."))
    assert runner.invoke(cli, ["preview"]).exit_code == 0
    assert {path: path.read_bytes() for path in released} == released
    assert sorted(project.glob("dist/*")) == sorted(p for p in released if p.parent.name == "dist")
    assert "Edited." in page_text(project / "preview" / "small", "quiz-one-answer-light")


def test_a_rerun_replaces_the_gallery_whole(runner: CliRunner, project: Path) -> None:
    assert runner.invoke(cli, ["preview"]).exit_code == 0
    source = project / "cardsrc" / "small.yaml"
    source.write_text(source.read_text().replace("  - id: quiz-two\n", "  - id: quiz-renamed\n"))
    result = runner.invoke(cli, ["preview"])
    assert result.exit_code == 0, result.output
    pages = {path.stem for path in (project / "preview" / "small" / "cards").glob("*.html")}
    assert "quiz-renamed-answer-night" in pages and not any(name.startswith("quiz-two") for name in pages)
    assert sorted(path.name for path in (project / "preview").iterdir()) == ["small"]


def test_out_must_not_be_someone_elses_folder(runner: CliRunner, project: Path) -> None:
    (project / "notes").mkdir()
    (project / "notes" / "mine.txt").write_text("keep me")
    result = runner.invoke(cli, ["preview", "--out", "notes"])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == "Error: notes exists and is not a builder preview: choose another --out, or remove it\n"
    assert sorted(path.name for path in (project / "notes").iterdir()) == ["mine.txt"]


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("gone-link", "gone-link: this is a symbolic link to 'nowhere', which builder never writes through: make it "
                      "a folder of its own, or choose another --out"),
        (".", ".: --out is the current folder or holds it, and the gallery replaces its folder whole: "
              "choose a folder of its own"),
        ("cardsrc/..", "cardsrc/..: --out is the current folder or holds it, and the gallery replaces its folder "
                       "whole: choose a folder of its own"),
    ],
    ids=["dangling-link", "dot", "dotdot"],
)
def test_out_that_cannot_hold_a_gallery_is_one_error_line(
    runner: CliRunner, project: Path, out: str, message: str
) -> None:
    (project / "gone-link").symlink_to("nowhere")
    before = sorted(str(path.relative_to(project)) for path in project.rglob("*"))
    result = runner.invoke(cli, ["preview", "--out", out])
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"Error: {message}\n")
    assert sorted(str(path.relative_to(project)) for path in project.rglob("*")) == before


def test_out_takes_one_source(runner: CliRunner, project: Path) -> None:
    write_source(project / "cardsrc", SOURCE.replace("slug: small", "slug: other"), "other.yaml")
    result = runner.invoke(cli, ["preview", "--out", "here"])
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "Error: --out names one gallery folder: preview one SOURCE at a time, or leave out --out\n"
    )
    assert not (project / "here").exists()


def test_a_bad_source_is_one_error_line(runner: CliRunner, project: Path) -> None:
    write_source(project / "cardsrc", SOURCE.replace("  - id: quiz-two", "  - id: quiz-one"))
    result = runner.invoke(cli, ["preview"])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "Error: cardsrc/small.yaml:25: duplicate note id 'quiz-one' (first on line 20): "
        "ids must be unique, give this note a new one\n"
    )
    assert not (project / "preview").exists()


@pytest.mark.parametrize("missing", [("anki",), ("anki", "anki.collection")])
def test_without_the_anki_engine(
    runner: CliRunner, project: Path, monkeypatch: pytest.MonkeyPatch, missing: tuple[str, ...]
) -> None:
    for module in missing:
        monkeypatch.setitem(sys.modules, module, None)  # makes "import anki..." raise ImportError
    result = runner.invoke(cli, ["preview", "--png"])
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", ENGINE_MISSING)
    assert not (project / "preview").exists()


def test_png_without_chromium_or_playwright(runner: CliRunner, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("builder.preview.CHROMIUM", project / "no-chromium")
    result = runner.invoke(cli, ["preview", "--png"])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"Error: builder preview --png needs Chromium at {project / 'no-chromium'}: "
        "install Debian's package (apt-get install chromium)\n"
    )
    monkeypatch.setattr("builder.preview.CHROMIUM", Path(sys.executable))  # exists
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)
    result = runner.invoke(cli, ["preview", "--png"])
    assert result.stderr == (
        "Error: builder preview --png needs Playwright to drive Chromium: .venv/bin/pip install -e '.[preview]'\n"
    )
    assert not (project / "preview").exists()


@pytest.mark.parametrize(("opened", "warning"), [(True, ""), (False, "Warning: no web browser could be started: "
                                                                      "open preview/small/index.html yourself\n")])
def test_open_hands_the_gallery_to_the_web_browser(
    runner: CliRunner, project: Path, monkeypatch: pytest.MonkeyPatch, opened: bool, warning: str
) -> None:
    calls: list[str] = []

    def fake_open(url: str) -> bool:
        calls.append(url)
        return opened

    monkeypatch.setattr("webbrowser.open", fake_open)
    assert runner.invoke(cli, ["preview", "--no-open"]).exit_code == 0 and calls == []
    result = runner.invoke(cli, ["preview", "--open"])
    assert (result.exit_code, result.stderr) == (0, warning)
    assert calls == [(project / "preview" / "small" / "index.html").resolve().as_uri()]


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = make_project(tmp_path_factory.mktemp("png"))
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)
        result = CliRunner().invoke(cli, ["preview", "cardsrc/small.yaml", "--png", "--out", "shots"])
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    assert result.stdout == WROTE.format(index="shots/index.html") + "Wrote 40 screenshots (390x844) to shots/png/\n"
    yield folder / "shots"


@needs_browser
def test_png_of_every_face_at_the_phone_viewport(screenshots: Path) -> None:
    assert sorted(path.stem for path in (screenshots / "png").iterdir()) == sorted(FACES)
    assert png_size(screenshots / "png" / "quiz-one-answer-light.png") == (390, 844)
    assert {png_size(path) for path in (screenshots / "png").iterdir()} == {(390, 844)}
    index = (screenshots / "index.html").read_text(encoding="utf-8")
    assert all(f'href="png/{face}.png"' in index for face in FACES)


@needs_browser
@pytest.mark.parametrize(("face", "corner"), [("quiz-one-question-light", (255, 255, 255)),
                                              ("quiz-one-question-night", (13, 17, 23))])
def test_png_shows_the_mode(screenshots: Path, face: str, corner: tuple[int, int, int]) -> None:
    """The card's own background fills the screen: white by day, #0d1117 at night."""
    assert png_top_left(screenshots / "png" / f"{face}.png") == corner
