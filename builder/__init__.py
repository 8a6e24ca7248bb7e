"""builder: YAML sources in, Anki decks out, safe to rebuild and re-import."""

__version__ = "0.1.0"
