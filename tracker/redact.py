"""A URL as shown, logged and stored: never the secret of its ``user:password@`` part."""

from __future__ import annotations


def redacted(url: str) -> str:
    """``http://alice:s3cret@host/`` -> ``http://alice:***@host/``; a user alone (an API
    token) -> ``***@``. The host is what follows the last ``@`` (as urllib reads it), so a
    password holding an ``@`` is hidden whole."""
    head, sep, rest = url.partition("//")
    if not sep:
        return url
    cut = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    netloc, tail = rest[:cut], rest[cut:]
    if "@" not in netloc:
        return url
    userinfo, _, host = netloc.rpartition("@")
    user, colon, _ = userinfo.partition(":")
    return f"{head}//{user + ':***' if colon else '***'}@{host}{tail}"
