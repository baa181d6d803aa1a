"""Build the bundled text, data/alice_in_wonderland.txt, for the character-level models.

Run by hand from the repository root, never at install time:

    python scripts/build_text.py                          # fetches the sdist with pip
    python scripts/build_text.py --sdist brotli-1.2.1.tar.gz

Provenance. The text is "Alice's Adventures in Wonderland" by Lewis Carroll (1865),
THE MILLENNIUM FULCRUM EDITION 2.9: Project Gutenberg's etext #11 (1991), as it
appears in the Canterbury Corpus (Arnold & Bell, 1997) under the name alice29.txt,
with Project Gutenberg's header and footer already removed there. We take the file
from the source distribution of Brotli on PyPI, which ships the Canterbury texts as
test data:

    package  brotli==1.2.1, sdist brotli-1.2.1.tar.gz (PyPI; MIT licence)
    member   brotli-1.2.1/tests/testdata/alice29.txt  (152,089 bytes, ASCII, CRLF)

Licence. The work is in the public domain: first published in 1865, its author died
in 1898. The edition carries no Project Gutenberg licence text or trademark (the
corpus removed them), and Brotli's MIT licence covers Brotli's own code, not this
test file. So the bundled file is public-domain text, free to copy and ship.

What this script changes: CRLF line ends become LF, and the DOS end-of-file mark
(Ctrl-Z, 0x1a) after "THE END" is dropped. Nothing else: spelling, the `quote'
style of the 1991 etext, spacing and chapter headings are kept as they are. The
SHA-256 of the member is checked, so a different file can never slip in.
"""
import argparse
import hashlib
import pathlib
import subprocess
import sys
import tarfile
import tempfile

# The data files live in the installed package data/; this script does not ship.
DATA = pathlib.Path(__file__).resolve().parent.parent / "data"
OUTPUT = DATA / "alice_in_wonderland.txt"

PACKAGE, VERSION = "brotli", "1.2.1"
MEMBER = f"brotli-{VERSION}/tests/testdata/alice29.txt"
MEMBER_SHA256 = "7467306ee0feed4971260f3c87421154a05be571d944e9cb021a5713700c38f0"


def fetch_sdist(folder):
    """Download the source distribution with pip (no dependencies, nothing installed)."""
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                    "--quiet", f"{PACKAGE}=={VERSION}", "-d", str(folder)], check=True)
    return next(pathlib.Path(folder).glob(f"{PACKAGE}-{VERSION}.tar.gz"))


def read_member(sdist):
    """The raw bytes of alice29.txt, checked against the known SHA-256."""
    with tarfile.open(sdist) as archive:
        raw = archive.extractfile(MEMBER).read()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != MEMBER_SHA256:
        raise SystemExit(f"{MEMBER} has SHA-256 {digest}, expected {MEMBER_SHA256}")
    return raw


def clean(raw):
    """LF line ends, no trailing Ctrl-Z; the text itself untouched."""
    text = raw.decode("ascii").replace("\r\n", "\n").rstrip("\x1a")
    return text if text.endswith("\n") else text + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sdist", type=pathlib.Path, help="a downloaded brotli-1.2.1.tar.gz")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        sdist = args.sdist or fetch_sdist(folder)
        text = clean(read_member(sdist))
    OUTPUT.write_text(text, encoding="ascii", newline="\n")
    data = OUTPUT.read_bytes()
    print(f"wrote {OUTPUT.name}: {len(data):,} bytes, {len(set(text))} distinct characters, "
          f"SHA-256 {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    main()
