"""Renders OFD pages with ofd.js (npm `ofd.js` 0.2.6, the open-source build, MIT-licensed) in
headless Chromium and compares each with the PDF's page rendered by PyMuPDF, both at 96 ppi
(tests/ofd.rs).

Usage: python3 tests/ofd_render.py OFD_JS FONTS_DIR FILE.ofd...
Prints one JSON object: path → list of {page, similarity, ink_similarity, red_pdf, red_ofd}.

- similarity: share of pixels whose grey value is within 48/255 of the other image's value at
  the same place or one pixel away (the anti-aliasing tolerance).
- ink_similarity: the same share counted over pixels that are not white in either image only.
- red_pdf: pixels of the GB/T 9704 red (r > 170, g < 150, b < 150) in the PDF's render;
  red_ofd the same in the OFD's; red_inked: of the PDF's red pixels, those where the OFD's
  render has ink (grey below 200) at the same place or one pixel away. The red is CMYK in both
  files; ofd.js ignores an OFD colour's colour space and reads the CMYK components as RGB, so it
  draws the red in another colour: the render shows that the red mark and rules are drawn where
  they belong, and tests/ofd.rs checks their colour in the OFD itself.
- windows: the lowest similarity of the 32 × 32 pixel squares with ink in either image (at
  least 32 inked pixels): a part drawn differently (a hatched bar drawn solid) shows here
  where it is too small to move the page's similarity.
- tiled / tiled_px: inside the rectangles the PDF fills with a tiling (the charts' hatched and
  dotted fills; found in the page's content stream: a `/Pattern cs … scn` fill, then the
  rectangle's path), shrunk by 2 pixels, the share of pixels whose colour (each channel within
  60/255) is found in the other image at the same place or one pixel away, both ways (a solid
  fill has no pixel for the hatch's lines and dots); tiled_px the pixels compared (0: none).
- bold_pdf / bold_ofd: dark pixels (grey below 128) inside the boxes of the text the PDF draws
  with fill and stroke (bold), in each render.
Needs: chromium, python3 -m pip install pymupdf pillow numpy. OFD_RENDER_KEEP=DIR keeps the
screenshots and the PDF renders there.
"""

import base64
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import pymupdf
from PIL import Image

PX_PER_MM = 96 / 25.4
W, H = 794, 1123  # A4 at 96 ppi, as PyMuPDF rounds it

PAGE_HTML = """<!doctype html><html><head><meta charset="utf-8">
<style>html,body{margin:0;padding:0;background:white;overflow:hidden}</style>
<script src="ofd.js"></script></head><body><script>
var bin = atob(B64), u = new Uint8Array(bin.length);
for (var i = 0; i < bin.length; i++) u[i] = bin.charCodeAt(i);
ofd.parseOfdDocument({ofd: u.buffer, success: function (res) {
  ofd.setPageScale(SCALE);
  var divs = ofd.renderOfdByScale(res[0]);
  var d = divs[PAGE]; d.style.margin = '0'; document.body.appendChild(d);
}, fail: function (e) { document.title = 'fail ' + e; }});
</script></body></html>"""


KEEP = os.environ.get("OFD_RENDER_KEEP")


def render_ofd_page(tmp, b64, page, env):
    html = PAGE_HTML.replace("B64", json.dumps(b64), 1).replace("SCALE", repr(PX_PER_MM)).replace("PAGE", str(page))
    # B64 only in `var bin = atob(B64)`; the replacement above touches that one occurrence.
    path = os.path.join(tmp, f"p{page}.html")
    with open(path, "w", encoding="utf-8") as f:
        f.write(html)
    shot = os.path.join(tmp, f"p{page}.png")
    subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--force-device-scale-factor=1", "--virtual-time-budget=20000",
         f"--window-size={W},{H}", f"--screenshot={shot}", "file://" + path],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, timeout=120,
    )
    return np.asarray(Image.open(shot).convert("RGB").resize((W, H)), dtype=np.int16)


def render_pdf_page(doc, page):
    pix = doc[page].get_pixmap(dpi=96, alpha=False)
    img = Image.open(io.BytesIO(pix.tobytes("png"))).convert("RGB").resize((W, H))
    return np.asarray(img, dtype=np.int16)


def stroked_boxes(page):
    """Pixel boxes (x0, y0, x1, y1) at 96 ppi of the text the PDF page strokes (bold)."""
    k = 96 / 72
    boxes = []
    for s in page.get_texttrace():
        if s["type"] == 1:
            x0, y0, x1, y1 = s["bbox"]
            boxes.append((int(x0 * k), int(y0 * k), int(x1 * k) + 1, int(y1 * k) + 1))
    return boxes


NUM = r"(-?[\d.]+)"
TILED_RECT = re.compile(
    r"1 0 0 -1 " + NUM + " " + NUM + r" cm/Pattern cs/\w+ scn[^\n]*? 0 0 m " + NUM + " 0 l " + NUM + " " + NUM
    + " l 0 " + NUM + " l")


def tiled_boxes(page):
    """Pixel boxes at 96 ppi of the rectangles the PDF page fills with a tiling, shrunk by 2 px."""
    k = 96 / 72
    h = page.rect.height
    boxes = []
    for m in TILED_RECT.finditer(page.read_contents().decode("latin-1")):
        x, y, w, _, rh, _ = map(float, m.groups())
        top = h - y  # the cm flips y: the rectangle runs down from its origin
        boxes.append((int(x * k) + 2, int(top * k) + 2, int((x + w) * k) - 2, int((top + rh) * k) - 2))
    return boxes


def colour_found(a, b):
    """Pixels of a whose colour is in b at the same place or one pixel away."""
    best = np.full(a.shape[:2], 999)
    pad = np.pad(b, ((1, 1), (1, 1), (0, 0)), mode="edge")
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            shifted = pad[1 + dy:1 + dy + a.shape[0], 1 + dx:1 + dx + a.shape[1]]
            best = np.minimum(best, np.abs(a - shifted).max(axis=2))
    return best <= 60


def compare(a, b, boxes=(), tiled=()):
    ga, gb = a.mean(axis=2), b.mean(axis=2)
    best = np.full(ga.shape, 255.0)
    pad = np.pad(gb, 1, mode="edge")
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            shifted = pad[1 + dy:1 + dy + ga.shape[0], 1 + dx:1 + dx + ga.shape[1]]
            best = np.minimum(best, np.abs(ga - shifted))
    ok = best <= 48
    ink = (ga < 200) | (gb < 200)

    def red_mask(x):
        return (x[..., 0] > 170) & (x[..., 1] < 150) & (x[..., 2] < 150)

    # Ink in the OFD render at or next to each pixel.
    inked = np.zeros(ga.shape, dtype=bool)
    pad_a = np.pad(ga, 1, mode="edge")
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            inked |= pad_a[1 + dy:1 + dy + ga.shape[0], 1 + dx:1 + dx + ga.shape[1]] < 200
    red_b = red_mask(b)

    worst = 1.0
    n = 32
    for y in range(0, ga.shape[0] - n + 1, n):
        for x in range(0, ga.shape[1] - n + 1, n):
            w_ink = ink[y:y + n, x:x + n]
            if w_ink.sum() >= 32:
                worst = min(worst, float(ok[y:y + n, x:x + n].mean()))

    bold = np.zeros(ga.shape, dtype=bool)
    for x0, y0, x1, y1 in boxes:
        bold[max(y0, 0):y1, max(x0, 0):x1] = True

    in_tiles = np.zeros(ga.shape, dtype=bool)
    for x0, y0, x1, y1 in tiled:
        in_tiles[max(y0, 0):y1, max(x0, 0):x1] = True
    tiled_ok = colour_found(a, b) & colour_found(b, a)

    return {
        "tiled": float(tiled_ok[in_tiles].mean()) if in_tiles.any() else 1.0,
        "tiled_px": int(in_tiles.sum()),
        "similarity": float(ok.mean()),
        "ink_similarity": float(ok[ink].mean()) if ink.any() else 1.0,
        "red_pdf": int(red_b.sum()),
        "red_ofd": int(red_mask(a).sum()),
        "red_inked": int((red_b & inked).sum()),
        "windows": worst,
        "bold_pdf": int(((gb < 128) & bold).sum()),
        "bold_ofd": int(((ga < 128) & bold).sum()),
    }


def main():
    ofd_js, fonts_dir, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(ofd_js, os.path.join(tmp, "ofd.js"))
        conf = os.path.join(tmp, "fonts.conf")
        with open(conf, "w") as f:
            f.write('<?xml version="1.0"?><fontconfig><dir>%s</dir><cachedir>%s</cachedir></fontconfig>'
                    % (os.path.abspath(fonts_dir), os.path.join(tmp, "fc-cache")))
        # Only the project's fonts: what the OFD names must be what it draws with.
        env = dict(os.environ, FONTCONFIG_FILE=conf, HOME=tmp)
        for path in files:
            b64 = base64.b64encode(open(path, "rb").read()).decode()
            doc = pymupdf.open(path[:-4] + ".pdf")
            pages = []
            for i in range(doc.page_count):
                a, b = render_ofd_page(tmp, b64, i, env), render_pdf_page(doc, i)
                if KEEP:
                    stem = os.path.basename(path)[:-4]
                    Image.fromarray(a.astype(np.uint8)).save(os.path.join(KEEP, f"{stem}-{i + 1}-ofd.png"))
                    Image.fromarray(b.astype(np.uint8)).save(os.path.join(KEEP, f"{stem}-{i + 1}-pdf.png"))
                r = compare(a, b, stroked_boxes(doc[i]), tiled_boxes(doc[i]))
                r["page"] = i + 1
                pages.append(r)
            out[path] = pages
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
