"""The errors a user can cause, as one family of exceptions with human messages.

The library raises them; only the CLI turns them into exit codes:
``ConfigError`` (bad config, knowledge base or command-line value) exits 2,
any other ``TrackerError`` (a fetch, a database, a file) exits 1.
"""

from tracker.redact import redacted


class TrackerError(Exception):
    """A failure the user can understand and act on; the message says what and where."""

    exit_code = 1


class ConfigError(TrackerError):
    """Invalid configuration, knowledge base or option value: nothing was run or stored."""

    exit_code = 2


class FetchError(TrackerError):
    """A URL could not be fetched (network, HTTP status, policy, size or type)."""

    def __init__(self, url: str, reason: str, status: int | None = None, *,
                 retryable: bool = False, lasting: bool = False, passing: bool = False,
                 slow: bool = False):
        super().__init__(f"{redacted(url)}: {reason}")  # never a password
        self.url = url
        self.reason = reason
        self.status = status
        self.retryable = retryable  # a network hiccup worth another try, not a verdict
        self.lasting = lasting  # not worth asking again for days: gone (404, 410), not text
        # Not worth retrying now, but may pass by the next poll: a deadline, a 5xx, a 403.
        self.slow = slow  # ran to its wall-clock deadline
        self.passing = (passing or slow or retryable or (status or 0) >= 500
                        or status in (403, 408, 429))


class Interrupted(FetchError):
    """The fetch was cut because tracker is stopping (Ctrl-C, SIGTERM): no verdict on the
    source, whose pass is not recorded."""

    def __init__(self, url: str):
        super().__init__(url, "interrupted: tracker is stopping")


class BlockedError(FetchError):
    """The fetch was refused by policy (robots.txt, private address, scheme) before any request."""


class NotFound(ConfigError):
    """What was asked for is not stored (a mention id, an entity): the web API says 404."""
