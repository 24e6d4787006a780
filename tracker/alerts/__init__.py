"""Alerts: tell people when it matters, by e-mail and webhook, never lost and never twice.

``rules`` reads the config; ``outbox`` writes what is due into the database in the same
transaction as the mentions that trigger it (mention rules), or when a spike or a digest
is due; ``send`` renders and delivers (webhooks signed, e-mails in plain text and HTML);
``dispatch`` works through the outbox in its own thread, with retries that back off, so a
slow or dead receiver never delays collection.
"""
