"""Reads OFD files with two OFD readers not written for ducha (tests/ofd.rs).

- ofdkit (PyPI): opens the package with its own structure checks, gives each page's text and
  the document's DocInfo.
- easyofd (PyPI): a second, independent parser; gives each page's text objects.

Usage: python3 tests/ofd_read.py FILE.ofd... ; prints one JSON object keyed by path.
Needs: python3 -m pip install ofdkit easyofd
"""

import base64
import contextlib
import io
import json
import logging
import sys
import warnings

warnings.filterwarnings("ignore")
logging.disable(logging.CRITICAL)


def read_ofdkit(path):
    import ofdkit

    doc = ofdkit.open(path)
    info = doc.info
    return {
        "pages": [p.text() for p in doc.pages],
        "sizes": [[p.width, p.height] for p in doc.pages],
        "warnings": [str(w) for w in doc.warnings],
        "info": {
            "title": info.title,
            "author": info.author,
            "creation_date": info.creation_date,
            "custom_data": dict(info.custom_data or {}),
        },
    }


def read_easyofd(path):
    from loguru import logger

    logger.remove()
    from easyofd.ofd import OFD

    ofd = OFD()
    with contextlib.redirect_stdout(io.StringIO()):
        ofd.read(base64.b64encode(open(path, "rb").read()).decode(), save_xml=False)
    doc = ofd.data[0]
    pages = doc["page_info"]
    return {
        "pages": ["".join(t.get("text", "") for t in pages[k]["text_list"]) for k in sorted(pages)],
        "paths": [len(pages[k]["line_list"]) for k in sorted(pages)],
        "fonts": len(doc["fonts"]),
    }


def main():
    out = {}
    for path in sys.argv[1:]:
        entry = {}
        for name, fn in (("ofdkit", read_ofdkit), ("easyofd", read_easyofd)):
            try:
                entry[name] = fn(path)
            except Exception as e:  # reported, and the test fails on it
                entry[name] = {"error": f"{type(e).__name__}: {e}"}
        out[path] = entry
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
