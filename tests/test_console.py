"""An operator's story: what the terminal and the log file show during a pass."""

from __future__ import annotations

import io
import logging

from click.testing import CliRunner
from rich.console import Console

from tests.conftest import write_config
from tracker.cli import cli
from tracker.console import KeyValueFormatter, LiveProgress


def test_live_line_per_source_with_documents_and_mentions():
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100)
    with LiveProgress(console) as live:
        live.update("lemonde", 1, 4)
        live.update("lemonde", 3, 12, done=True)
        live.update("bbc", 0, 0, done=True, failed="DNS error for feeds.bbci.co.uk")
        live.update("inbox", 1, 1, done=True)
    text = out.getvalue()
    assert "lemonde: 3 new documents, 12 mentions (done)" in text
    assert "inbox: 1 new document, 1 mention (done)" in text
    assert "bbc: 0 new documents, 0 mentions (failed: DNS error" in text


def test_key_value_lines():
    record = logging.LogRecord("tracker", logging.INFO, "", 0, "pass done", None, None)
    record.source, record.new_documents, record.error = "lemonde", 3, "HTTP 404"
    line = KeyValueFormatter().format(record)
    assert line.endswith('INFO pass done source=lemonde new_documents=3 error="HTTP 404"')


def test_log_file_gets_structured_lines(site, tmp_path):
    config = write_config(tmp_path, [{"name": "quotidien", "kind": "feed",
                                      "url": site.url("/feed.xml")}])
    log = tmp_path / "tracker.log"
    result = CliRunner().invoke(cli, ["run", "--once", "--config", str(config),
                                      "--log-file", str(log)])
    assert result.exit_code == 0, result.output
    lines = log.read_text("utf-8").splitlines()
    assert any("pass done source=quotidien new_documents=3 mentions=24" in li for li in lines)
    assert any("item skipped source=quotidien" in li and "robots.txt" in li for li in lines)
