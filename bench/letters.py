"""Letters benchmark (issue 16): 1,000 letters rendered into one PDF bundle as the letters state
machine builds it — parts of 100 letters (one per chunk task), then merged in order.

Reports letters/s (rendering and merging in one process, one core: in AWS the parts render in
parallel, up to the Map's MaxConcurrency of 8), the peak RSS of the process that does it (in a
child, so nothing else is counted), the bundle's size, and its page count read back with pypdf.
Checked: pages = letters (each letter here is one page) and peak RSS under 300 MB (the letters
function has 1 GB). Run with ``python -m bench.letters``.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

LETTERS = 1_000
PER_PART = 100
RSS_TARGET_MB = 300

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from dispatch.letters.layout import Letter, LetterPdf
from dispatch.letters.merge import PdfMerger

letters, per_part, out = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
body = (
    "<p>Dear {name},</p><p>Your policy <b>P-{n:06d}</b> renews on <i>30 June 2026</i>. Please check:</p>"
    "<ul><li>your address</li><li>your premium</li><li>your beneficiaries</li></ul>"
    "<p>Kind regards,<br>The renewals team</p>"
)
started = time.perf_counter()
pages = 0
with out.open("wb") as sink:
    merger = PdfMerger(sink)
    for first in range(0, letters, per_part):
        part = LetterPdf(["Acme Insurance", "1 Sender Road", "11111 Springfield"], "6 December 2026")
        for n in range(first, min(first + per_part, letters)):
            name = f"Contact {n}"
            link = f"https://api.example.com/c/{n:020d}.1799185129.mYzR2cW3Fo22Eu04XDpcuyNvzwWxfO_5syY3Er2SlpY"
            address = [name, f"{n} Main St", "22222 Shelbyville"]
            part.add(Letter(address, "Your renewal", body.format(name=name, n=n), link))
        merger.add(part.output())
    merger.close()
elapsed = time.perf_counter() - started
print(json.dumps({"seconds": elapsed, "pages": merger.pages,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main() -> int:
    from pypdf import PdfReader

    with tempfile.TemporaryDirectory(prefix="letters-bench-") as folder:
        bundle = Path(folder) / "bundle.pdf"
        output = subprocess.run(
            [sys.executable, "-c", _CHILD, str(LETTERS), str(PER_PART), str(bundle)],
            capture_output=True,
            text=True,
            check=True,
            timeout=900,
        ).stdout
        figures = json.loads(output)
        size = bundle.stat().st_size
        read_pages = len(PdfReader(io.BytesIO(bundle.read_bytes())).pages)
    rate = LETTERS / figures["seconds"]
    print(f"letters benchmark: {LETTERS:,} letters in parts of {PER_PART}, merged into one bundle")
    print(
        f"  {rate:,.0f} letters/s ({figures['seconds']:.1f} s), peak RSS {figures['rss_mb']:.0f} MB, "
        f"bundle {size / 1e6:.2f} MB, {read_pages:,} pages read back ({figures['pages']:,} written)"
    )
    print(
        json.dumps(
            {
                "letters_per_second": round(rate),
                "peak_rss_mb": round(figures["rss_mb"]),
                "bundle_bytes": size,
                "pages": read_pages,
            }
        )
    )
    missed = [
        name
        for name, ok in (
            ("peak RSS", figures["rss_mb"] < RSS_TARGET_MB),
            ("pages = letters", read_pages == figures["pages"] == LETTERS),
        )
        if not ok
    ]
    if missed:
        print(f"  MISSED: {', '.join(missed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
