#!/usr/bin/env python3
"""Dumps what a reader sees in a PDF as JSON, for the Rust tests: per page its size, every text
span (text, font, size, colour, bbox, baseline origin, writing direction of its line) and every vector drawing (rect, stroke and
fill colour, width); with `--chars` also every character of a span (text, bbox, origin). Uses PyMuPDF (installed by scripts/test when missing)."""
import json
import sys

import pymupdf


def colour(c):
    if c is None:
        return None
    if isinstance(c, int):
        return [(c >> 16) / 255, ((c >> 8) & 255) / 255, (c & 255) / 255]
    return list(c)


def main(path, chars=False):
    doc = pymupdf.open(path)
    pages = []
    for page in doc:
        spans = []
        for block in page.get_text("rawdict" if chars else "dict")["blocks"]:
            for line in block.get("lines", []):
                for s in line["spans"]:
                    extra = {}
                    if chars:
                        # with --chars: every character with its box and baseline origin
                        extra["chars"] = [{"c": c["c"], "bbox": list(c["bbox"]), "origin": list(c["origin"])}
                                          for c in s["chars"]]
                        s = dict(s, text="".join(c["c"] for c in s["chars"]))
                    spans.append({
                        **extra,
                        "text": s["text"],
                        "font": s["font"],
                        "size": s["size"],
                        "color": colour(s["color"]),
                        "bbox": list(s["bbox"]),
                        "origin": list(s["origin"]),
                        "dir": list(line["dir"]),
                    })
        drawings = []
        for d in page.get_drawings():
            drawings.append({
                "rect": list(d["rect"]),
                "color": colour(d.get("color")),
                "fill": colour(d.get("fill")),
                "width": d.get("width"),
            })
        pages.append({
            "width": page.rect.width,
            "height": page.rect.height,
            "rotation": page.rotation,
            "spans": spans,
            "drawings": drawings,
        })
    meta = doc.metadata
    json.dump({"pages": pages, "metadata": meta, "page_count": doc.page_count}, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1], chars="--chars" in sys.argv[2:])
