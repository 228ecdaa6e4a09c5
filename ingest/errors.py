"""The one exception of the ingest stage."""


class SkipFile(Exception):
    """A file (or crawl record) that yields nothing usable; the message is the reason, in Chinese."""
