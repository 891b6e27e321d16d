"""Renders OFD pages with ofd.js (npm `ofd.js` 0.2.6, the open-source build, MIT-licensed) in
headless Chromium and compares each with the PDF's page rendered by PyMuPDF, both at 96 ppi
(tests/ofd.rs).

Usage: python3 tests/ofd_render.py OFD_JS FONTS_DIR FILE.ofd...
Prints one JSON object: path → list of {page, similarity, ink_similarity, red_pdf, red_ofd}.

- similarity: share of pixels whose grey value is within 48/255 of the other image's value at
  the same place or one pixel away (the anti-aliasing tolerance).
- ink_similarity: the same share counted over pixels that are not white in either image only.
- red_*: pixels of the GB/T 9704 red (r > 170, g < 150, b < 150).
Needs: chromium, python3 -m pip install pymupdf pillow numpy.
"""

import base64
import io
import json
import os
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


def compare(a, b):
    ga, gb = a.mean(axis=2), b.mean(axis=2)
    best = np.full(ga.shape, 255.0)
    pad = np.pad(gb, 1, mode="edge")
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            shifted = pad[1 + dy:1 + dy + ga.shape[0], 1 + dx:1 + dx + ga.shape[1]]
            best = np.minimum(best, np.abs(ga - shifted))
    ok = best <= 48
    ink = (ga < 200) | (gb < 200)

    def red(x):
        return int(((x[..., 0] > 170) & (x[..., 1] < 150) & (x[..., 2] < 150)).sum())

    return {
        "similarity": float(ok.mean()),
        "ink_similarity": float(ok[ink].mean()) if ink.any() else 1.0,
        "red_pdf": red(b),
        "red_ofd": red(a),
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
                r = compare(render_ofd_page(tmp, b64, i, env), render_pdf_page(doc, i))
                r["page"] = i + 1
                pages.append(r)
            out[path] = pages
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
