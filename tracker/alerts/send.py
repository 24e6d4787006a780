"""Delivering one alert to one target: a signed webhook POST or an e-mail.

A failure says whether to try again: 5xx, 429 (with its Retry-After), timeouts, network
errors and SMTP 4xx answers are temporary; other 4xx answers, SMTP 5xx answers and
refused addresses are permanent. Page text is escaped in HTML mail and Slack payloads.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from html import escape
from zoneinfo import ZoneInfo

from tracker.alerts.rules import AlertRule, Smtp, redact
from tracker.errors import BlockedError, FetchError
from tracker.fetch import Fetcher, retry_after
from tracker.marking import name_at

WORDS = {
    "en": {"mention": ("mention", "mentions"), "spike": "spike", "digest": "digest",
           "in": "in", "on": "on", "baseline": "usual: {mean} per window",
           "period": "from {start} to {end} ({zone})", "more": "and {n} more",
           "test": "TEST",
           "tested": "A test of this rule (`tracker alerts test`), not an alert."},
    "fr": {"mention": ("mention", "mentions"), "spike": "pic", "digest": "résumé",
           "in": "dans", "on": "le", "baseline": "d'habitude : {mean} par fenêtre",
           "period": "du {start} au {end} ({zone})", "more": "et {n} autres",
           "test": "ESSAI",
           "tested": "Un essai de cette règle (`tracker alerts test`), pas une alerte."},
}


class DeliveryError(Exception):
    def __init__(self, message: str, *, retry: bool, wait: float | None = None):
        super().__init__(message)
        self.retry = retry
        self.wait = wait


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def _secret(name: str | None) -> str | None:
    if not name:
        return None
    value = os.environ.get(name)
    if not value:
        raise DeliveryError(f"environment variable {name} (secret_env) is not set",
                            retry=True)
    return value


def webhook(fetcher: Fetcher, rule: AlertRule, url: str, payload: dict, locale: str,
            timeout: float = 10.0) -> None:
    """POST the alert: JSON (the payload) or Slack's {"text": ...}; signed with the
    rule's secret; ``Idempotency-Key`` is the alert's id on every try."""
    document = {"text": slack_text(payload, locale)} if rule.format == "slack" else payload
    body = json.dumps(document, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8",
               "Idempotency-Key": payload["id"]}
    secret = _secret(rule.secret_env)
    if secret:
        headers["X-Tracker-Signature"] = signature(secret, body)
    try:
        status, answer = fetcher.post(url, body, headers, timeout=timeout)
    except BlockedError as exc:
        raise DeliveryError(redact(exc.reason), retry=False) from None
    except FetchError as exc:
        raise DeliveryError(redact(exc.reason), retry=True) from None
    if 200 <= status < 300:
        return
    if status == 429 or status >= 500:
        raise DeliveryError(f"HTTP {status}", retry=True,
                            wait=retry_after(answer.get("retry-after")))
    raise DeliveryError(f"HTTP {status}", retry=False)


def email(smtp: Smtp, rule: AlertRule, address: str, payload: dict, locale: str) -> None:
    subject, text, html = render_mail(payload, locale)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = smtp.sender
    message["To"] = address
    message["Date"] = formatdate(localtime=False)
    # The same on every try, so that a mail client can drop a second copy.
    message["Message-ID"] = f"<{payload['id']}.{hashlib.sha256(address.encode()).hexdigest()[:8]}" \
                            f"@tracker>"
    message["X-Tracker-Alert-Id"] = payload["id"]
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    user = password = None
    for name in (smtp.username_env, smtp.password_env):
        if name and not os.environ.get(name):
            # Sending without the login would earn a 5xx and stop for good: wait for it.
            raise DeliveryError(f"environment variable {name} (smtp) is not set", retry=True)
    if smtp.username_env and smtp.password_env:
        user, password = os.environ[smtp.username_env], os.environ[smtp.password_env]
    try:
        if smtp.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout,
                                                    context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        with client:
            if smtp.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if user and password:
                client.login(user, password)
            client.send_message(message)
    except smtplib.SMTPResponseException as exc:
        # 4xx: try later (greylisting, a full queue); 5xx: the server refuses for good.
        raise DeliveryError(f"SMTP {exc.smtp_code} {exc.smtp_error!r}",
                            retry=400 <= exc.smtp_code < 500) from None
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        raise DeliveryError(f"SMTP recipient refused {codes}",
                            retry=all(400 <= c < 500 for c in codes)) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"SMTP {type(exc).__name__}: {exc}", retry=True) from None


def _count(payload: dict, locale: str) -> str:
    one, many = WORDS[locale]["mention"]
    n = payload.get("count", len(payload["mentions"]))
    return f"{n} {one if n == 1 else many}"


def subject(payload: dict, locale: str) -> str:
    words = WORDS[locale]
    kind = "" if payload["trigger"] == "mention" else f" ({words[payload['trigger']]})"
    colon = " :" if locale == "fr" else ":"
    test = f"{words['test']} " if payload.get("test") else ""
    return f"[tracker] {test}{payload['alert']}{kind}{colon} {_count(payload, locale)}"


def _context(payload: dict, locale: str) -> str | None:
    """The lines under the subject: a test says it is one; a spike its usual level; a
    digest its period, in the config's time zone (the one its time was set in)."""
    words, said = WORDS[locale], []
    if payload.get("test"):
        said.append(words["tested"])
    if payload["trigger"] == "spike":
        said.append(words["baseline"].format(mean=payload.get("baseline_mean")))
    if payload["trigger"] == "digest":
        zone = ZoneInfo(payload.get("timezone") or "UTC")
        start, end = (dt.datetime.fromisoformat(payload[k].replace("Z", "+00:00"))
                      .astimezone(zone).strftime("%Y-%m-%d %H:%M")
                      for k in ("period_start", "period_end"))
        said.append(words["period"].format(start=start, end=end, zone=zone.key))
    return "\n".join(said) or None


def render_mail(payload: dict, locale: str) -> tuple[str, str, str]:
    """Subject, plain text and HTML: each mention's sentence with the name marked, its
    source, date and link."""
    words = WORDS[locale]
    lines, items = [subject(payload, locale), ""], []
    context = _context(payload, locale)
    if context:
        lines += [context, ""]
    for m in payload["mentions"]:
        sentence = " ".join((m.get("sentence") or "").split())
        surface = m.get("surface") or ""
        when = (m.get("published_at") or "")[:10]
        at = name_at(sentence, surface)
        before, after = sentence[:max(at, 0)], sentence[at + len(surface):] if at >= 0 else ""
        lines += [f"* {m['entity']} — {m['source']}, {when}",
                  f"  {before}[{surface}]{after}" if at >= 0 else f"  {sentence}",
                  f"  {m['url']}", ""]
        marked = (f"{escape(before)}<mark>{escape(surface)}</mark>{escape(after)}" if at >= 0
                  else escape(sentence))
        items.append(f"<li><p><b>{escape(m['entity'])}</b> — {escape(m['source'])}, "
                     f"{escape(when)}</p><p>{marked}</p><p><a href=\"{escape(m['url'])}\">"
                     f"{escape(m['url'])}</a></p></li>")
    extra = payload.get("count", len(payload["mentions"])) - len(payload["mentions"])
    if extra > 0:
        lines.append(words["more"].format(n=extra))
    html = (f"<!DOCTYPE html><html lang=\"{locale}\"><body><h1>"
            f"{escape(subject(payload, locale))}</h1>"
            + "".join(f"<p>{escape(line)}</p>" for line in (context or "").splitlines())
            + f"<ul>{''.join(items)}</ul>"
            + (f"<p>{escape(words['more'].format(n=extra))}</p>" if extra > 0 else "")
            + "</body></html>")
    return subject(payload, locale), "\n".join(lines).rstrip() + "\n", html


_BROADCAST = re.compile(r"@(channel|all|here|everyone)\b", re.IGNORECASE)


def _slack_escape(text: str) -> str:
    """Slack's and Mattermost's special characters, and their broadcast words (page text
    never pings a whole channel: a zero-width space after the @)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub(lambda m: "@\u200b" + m.group(1), text)


def slack_text(payload: dict, locale: str) -> str:
    """Slack and Mattermost message text: their three special characters escaped, so page
    text never becomes a link or a mention of @channel."""
    lines = [f"*{_slack_escape(subject(payload, locale))}*"]
    context = _context(payload, locale)
    if context:
        lines.append(_slack_escape(context))
    shown = payload["mentions"][:10]
    for m in shown:
        sentence = _slack_escape(" ".join((m.get("sentence") or "").split()))
        lines.append(f"• {_slack_escape(m['entity'])} ({_slack_escape(m['source'])}): "
                     f"{sentence} {_slack_escape(m['url'] or '')}")
    extra = payload.get("count", len(payload["mentions"])) - len(shown)
    if extra > 0:
        lines.append(WORDS[locale]["more"].format(n=extra))
    return "\n".join(lines)
