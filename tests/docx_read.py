#!/usr/bin/env python3
"""Reads ducha's .docx drafts with readers not written for ducha (tests/docx.rs).

  docx_read.py structure FILE.docx
      python-docx opens the package; prints JSON: sections (page size, orientation and margins
      in twips, the docGrid attributes), the default run fonts (docDefaults), every run's and
      style's fonts (East Asian named? any theme font?), the fields used, content controls, and
      per table its tblW, gridCol widths and per row the tcW of each cell with its gridSpan.

  docx_read.py compare DUCHA.pdf OTHER.pdf [PAGE_PNG_DPI]
      PyMuPDF reads both PDFs: page counts, the text of each in content order, and (with a dpi)
      the similarity of the first pages' images: the share of ink (dark pixels) of each page
      lying within 1.5 mm of ink on the other page, averaged both ways.
"""
import json
import sys


def structure(path):
    import docx
    from docx.oxml.ns import qn

    d = docx.Document(path)
    root = d.element
    w = lambda tag: qn("w:" + tag)
    sections = []
    for s in d.sections:
        grid = s._sectPr.find(w("docGrid"))
        sections.append({
            "width": s.page_width.twips,
            "height": s.page_height.twips,
            "orientation": "landscape" if s.orientation == 1 else "portrait",
            "top": s.top_margin.twips,
            "bottom": s.bottom_margin.twips,
            "left": s.left_margin.twips,
            "right": s.right_margin.twips,
            "grid": {k.split("}")[1]: v for k, v in grid.attrib.items()} if grid is not None else None,
        })

    def fonts(rfonts):
        if rfonts is None:
            return None
        return {k.split("}")[1]: v for k, v in rfonts.attrib.items()}

    styles_root = d.styles.element
    defaults = styles_root.find(w("docDefaults"))
    default_fonts = fonts(defaults.find(".//" + w("rFonts"))) if defaults is not None else None
    run_fonts = [fonts(r) for r in root.iter(w("rFonts"))]
    style_fonts = [fonts(r) for r in styles_root.iter(w("rFonts"))]
    parts = [root, styles_root] + [s.footer._element for s in d.sections] + [s.even_page_footer._element for s in d.sections]
    theme = any(
        "Theme" in k.split("}")[1]
        for part in parts
        for r in part.iter(w("rFonts"))
        for k in r.attrib
    )
    fields = sorted({
        (t.text or "").strip().split(" ")[0]
        for part in parts
        for t in part.iter(w("instrText"))
    } | {
        (f.get(w("instr")) or "").strip().split(" ")[0]
        for part in parts
        for f in part.iter(w("fldSimple"))
    })
    sdt = sum(1 for part in parts for _ in part.iter(w("sdt")))
    tables = []
    for t in d.tables:
        tbl = t._tbl
        tblw = tbl.tblPr.find(w("tblW"))
        grid = [int(g.get(w("w"))) for g in tbl.tblGrid.iter(w("gridCol"))]
        rows = []
        for tr in tbl.iter(w("tr")):
            cells = []
            for tc in tr.iter(w("tc")):
                pr = tc.find(w("tcPr"))
                tcw = pr.find(w("tcW")) if pr is not None else None
                span = pr.find(w("gridSpan")) if pr is not None else None
                cells.append({
                    "w": int(tcw.get(w("w"))) if tcw is not None else None,
                    "type": tcw.get(w("type")) if tcw is not None else None,
                    "span": int(span.get(w("val"))) if span is not None else 1,
                })
            header = tr.find(w("trPr")) is not None and tr.find(w("trPr")).find(w("tblHeader")) is not None
            rows.append({"cells": cells, "header": header})
        tables.append({
            "tblW": int(tblw.get(w("w"))) if tblw is not None else None,
            "tblW_type": tblw.get(w("type")) if tblw is not None else None,
            "grid": grid,
            "rows": rows,
            "text": [[c.text for c in r.cells] for r in t.rows[:2]],
        })
    colors = sorted({c.get(w("val")) for c in root.iter(w("color"))})
    paragraphs = [p.text for p in d.paragraphs]
    print(json.dumps({
        "sections": sections,
        "default_fonts": default_fonts,
        "run_fonts": run_fonts,
        "style_fonts": style_fonts,
        "theme_fonts": theme,
        "fields": fields,
        "content_controls": sdt,
        "tables": tables,
        "colors": colors,
        "paragraphs": paragraphs,
        "title": d.core_properties.title,
        "author": d.core_properties.author,
        "created": d.core_properties.created.isoformat() if d.core_properties.created else None,
        "even_and_odd": d.settings.odd_and_even_pages_header_footer,
    }, ensure_ascii=False))


def ink(page, dpi):
    import numpy as np

    pix = page.get_pixmap(dpi=dpi, colorspace="gray", alpha=False)
    a = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width)
    return a < 160


def dilate(mask, r):
    import numpy as np

    out = mask.copy()
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            out |= np.roll(np.roll(mask, dy, axis=0), dx, axis=1)
    return out


def compare(a_path, b_path, dpi=None):
    import pymupdf

    a, b = pymupdf.open(a_path), pymupdf.open(b_path)
    out = {
        "pages": [len(a), len(b)],
        "text": ["".join(p.get_text() for p in a), "".join(p.get_text() for p in b)],
    }
    if dpi:
        ia, ib = ink(a[0], dpi), ink(b[0], dpi)
        h, w = min(ia.shape[0], ib.shape[0]), min(ia.shape[1], ib.shape[1])
        ia, ib = ia[:h, :w], ib[:h, :w]
        r = max(1, round(1.5 / 25.4 * dpi))
        da, db = dilate(ia, r), dilate(ib, r)
        ra = float((ia & db).sum()) / max(1, int(ia.sum()))
        rb = float((ib & da).sum()) / max(1, int(ib.sum()))
        out["similarity"] = (ra + rb) / 2
        out["ink"] = [int(ia.sum()), int(ib.sum())]
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    if sys.argv[1] == "structure":
        structure(sys.argv[2])
    elif sys.argv[1] == "compare":
        compare(sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else None)
    else:
        sys.exit("usage: docx_read.py structure FILE | compare A.pdf B.pdf [DPI]")
