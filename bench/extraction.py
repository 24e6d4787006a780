"""Main text on real pages nobody here tuned on: trafilatura's evaluation set.

trafilatura keeps, for about 990 real pages (news sites, blogs, shops, institutions, in a
dozen languages), snippets its main text must hold ("with") and boilerplate it must not
("without"). This script scores ``tracker.extract.extract_html`` on them: the share of
"with" snippets kept, the share of "without" snippets left out, and the time per page.
Pages and snippets stay in a checkout of adbar/trafilatura (never copied here):

    git clone --depth 1 https://github.com/adbar/trafilatura /tmp/trafilatura
    python bench/extraction.py /tmp/trafilatura [--out scores.json]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from tracker.extract import decode, extract_html


def score(checkout: Path) -> dict:
    """Each page's snippets kept and left out, and the totals."""
    data = json.loads((checkout / "tests" / "evaldata.json").read_text("utf-8"))
    folders = [checkout / "tests" / "eval", checkout / "tests" / "cache"]
    pages: dict[str, dict] = {}
    kept = wanted = left_out = unwanted = 0
    seconds = 0.0
    for url, item in data.items():
        path = next((f / item["file"] for f in folders if (f / item["file"]).exists()), None)
        if path is None:
            continue
        html = decode(path.read_bytes())
        started = time.perf_counter()
        page = extract_html(html, url)
        seconds += time.perf_counter() - started
        with_ = [s in page.text for s in item["with"]]
        without = [s not in page.text for s in item["without"]]
        kept, wanted = kept + sum(with_), wanted + len(with_)
        left_out, unwanted = left_out + sum(without), unwanted + len(without)
        pages[url] = {"with": with_, "without": without, "date": str(page.published_at)}
    return {"pages": len(pages), "kept": kept, "wanted": wanted, "left_out": left_out,
            "unwanted": unwanted, "ms_per_page": 1000 * seconds / max(1, len(pages)),
            "by_page": pages}


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("checkout", type=Path, help="a checkout of adbar/trafilatura")
    parser.add_argument("--out", type=Path, help="write the per-page scores here (JSON)")
    args = parser.parse_args()
    if not (args.checkout / "tests" / "evaldata.json").exists():
        print(f"{args.checkout}: no tests/evaldata.json (a checkout of adbar/trafilatura?)",
              file=sys.stderr)
        return 2
    logging.disable(logging.CRITICAL)  # trafilatura's own complaints about odd pages
    result = score(args.checkout)
    print(f"pages {result['pages']}  main text kept {result['kept']}/{result['wanted']} "
          f"({result['kept'] / max(1, result['wanted']):.4f})  boilerplate left out "
          f"{result['left_out']}/{result['unwanted']} "
          f"({result['left_out'] / max(1, result['unwanted']):.4f})  "
          f"{result['ms_per_page']:.1f} ms/page")
    if args.out:
        args.out.write_text(json.dumps(result["by_page"], indent=1), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
