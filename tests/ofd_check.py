"""Checks OFD packages with tools not written for ducha (tests/ofd.rs).

Usage:
  python3 tests/ofd_check.py schema XSD_DIR FILE.ofd...   every XML part against the GB/T 33190 XSDs
  python3 tests/ofd_check.py fonts FILE.ofd...            every embedded font opened with fontTools
  python3 tests/ofd_check.py fontface FILE.ofd...         every embedded font loaded by Chromium
  python3 tests/ofd_check.py draw FILE.ofd...             per page: bold text and CMYK colours, in
                                                          the OFD and in the PDF beside it
  python3 tests/ofd_check.py tags FILE.ofd...             the custom tag tree and which objects it
                                                          covers
Each prints one JSON object keyed by path.

schema: the XSDs are the GB/T 33190-2016 schemas as the crates.io package `xsd-parser` 1.5.2
ships them (tests/schema/ofd/schema/, installed by scripts/test), validated with lxml (libxml2).
That copy was transcribed from the standard and has two slips that the standard's own text and
every OFD producer contradict; they are corrected here, each correction checked to apply exactly
once (so a changed copy fails the test instead of being validated half-patched):
  - Page.xsd names TextCode's attributes `y` and `Deltay`; the standard (and the package's own
    example Content.xml) has `Y` and `DeltaY`.
  - OFD.xsd fixes DocType to "OFD"; the standard's table for the OFD element allows "OFD-A" for
    documents that follow the OFD archival profile, which the archive writes.
Parts and their schema: OFD.xml (OFD.xsd), Document.xml (Document.xsd), PublicRes.xml and
DocumentRes.xml (Res.xsd), Pages/*/Content.xml (Page.xsd), Tags/CustomTags.xml
(CustomTags.xsd), Attachs/Attachments.xml (Attachments.xsd). The custom tag file (our own
namespace, no published schema) must be well-formed XML, and no other XML part may exist.

fonts: for each font file the resources name, the tables a reader needs (head, hhea, hmtx, maxp,
name, OS/2, post, cmap) are present, fontTools decompiles all of them, and every character of
every TextCode drawn with the font maps through its cmap to a glyph other than .notdef (text
objects with a CGTransform are drawn by glyph ids and skipped).

fontface: each font file is loaded in headless Chromium with the CSS Font Loading API
(`new FontFace(name, bytes).load()`), which passes the bytes through Chromium's font sanitiser
(OTS); the status of each ("loaded" or the error) is reported.
"""

import base64
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile

NS = "http://www.ofdspec.org/2016"

# (file, wrong text, right text): slips of the transcribed XSDs, see the module doc.
XSD_FIXES = [
    ("Page.xsd", '<xs:attribute name="y" type="xs:double"/>\n                                        <xs:attribute name="DeltaX"',
     '<xs:attribute name="Y" type="xs:double"/>\n                                        <xs:attribute name="DeltaX"'),
    ("Page.xsd", '<xs:attribute name="Deltay" type="ST_Array"/>', '<xs:attribute name="DeltaY" type="ST_Array"/>'),
    ("OFD.xsd", '<xs:attribute name="DocType" use="required" fixed="OFD">',
     '<xs:attribute name="DocType" use="required">'),
    ("OFD.xsd", '<xs:enumeration value="OFD"/>', '<xs:enumeration value="OFD"/>\n<xs:enumeration value="OFD-A"/>'),
]


def schema_for(part):
    if part == "OFD.xml":
        return "OFD.xsd"
    if part.endswith("/Document.xml"):
        return "Document.xsd"
    if part.endswith("/PublicRes.xml") or part.endswith("/DocumentRes.xml"):
        return "Res.xsd"
    if re.search(r"/Pages/Page_\d+/Content\.xml$", part):
        return "Page.xsd"
    if part.endswith("/Tags/CustomTags.xml"):
        return "CustomTags.xsd"
    if part.endswith("/Attachs/Attachments.xml"):
        return "Attachments.xsd"
    return None


def load_schemas(xsd_dir):
    from lxml import etree

    with tempfile.TemporaryDirectory() as tmp:
        texts = {}
        for name in os.listdir(xsd_dir):
            if name.endswith(".xsd"):
                with open(os.path.join(xsd_dir, name), encoding="utf-8") as f:
                    texts[name] = f.read()
        for name, wrong, right in XSD_FIXES:
            n = texts[name].count(wrong)
            if n != 1:
                raise SystemExit(f"{name}: expected the transcription slip once, found it {n} times: {wrong!r}")
            texts[name] = texts[name].replace(wrong, right)
        for name, text in texts.items():
            with open(os.path.join(tmp, name), "w", encoding="utf-8") as f:
                f.write(text)
        schemas = {}
        for name in ("OFD.xsd", "Document.xsd", "Res.xsd", "Page.xsd", "CustomTags.xsd", "Attachments.xsd"):
            schemas[name] = etree.XMLSchema(etree.parse(os.path.join(tmp, name)))
        return schemas


def check_schema(xsd_dir, files):
    from lxml import etree

    schemas = load_schemas(xsd_dir)
    out = {}
    for path in files:
        parts = {}
        with zipfile.ZipFile(path) as z:
            for part in z.namelist():
                if not part.endswith(".xml"):
                    continue
                data = z.read(part)
                try:
                    doc = etree.fromstring(data)
                except etree.XMLSyntaxError as e:
                    parts[part] = {"schema": None, "errors": [f"not well-formed: {e}"]}
                    continue
                name = schema_for(part)
                if name is None:
                    ok_custom = part.endswith("/Tags/GongWen.xml")
                    parts[part] = {"schema": None, "errors": [] if ok_custom else ["no schema for this part"]}
                    continue
                schema = schemas[name]
                schema.validate(doc)
                parts[part] = {
                    "schema": name,
                    "errors": [f"line {e.line}: {e.message}" for e in schema.error_log],
                }
        out[path] = parts
    return out


def font_files(z):
    """(font id, file name inside the package, bytes) for every Font with a FontFile."""
    from lxml import etree

    res = []
    for part in z.namelist():
        if not (part.endswith("/PublicRes.xml") or part.endswith("/DocumentRes.xml")):
            continue
        root = etree.fromstring(z.read(part))
        base = os.path.dirname(part) + "/" + root.get("BaseLoc", "")
        for font in root.iter(f"{{{NS}}}Font"):
            loc = font.find(f"{{{NS}}}FontFile")
            if loc is not None:
                name = base.rstrip("/") + "/" + loc.text
                res.append((font.get("ID"), name, z.read(name)))
    return res


def text_by_font(z):
    """Font id → the characters of its TextCodes (objects without a CGTransform)."""
    from lxml import etree

    chars = {}
    for part in z.namelist():
        if not part.endswith("/Content.xml"):
            continue
        root = etree.fromstring(z.read(part))
        for obj in root.iter(f"{{{NS}}}TextObject"):
            if obj.find(f"{{{NS}}}CGTransform") is not None:
                continue
            for code in obj.iter(f"{{{NS}}}TextCode"):
                chars.setdefault(obj.get("Font"), set()).update(code.text or "")
    return chars


REQUIRED_TABLES = ["head", "hhea", "hmtx", "maxp", "name", "OS/2", "post", "cmap"]


def check_fonts(files):
    import io

    from fontTools.ttLib import TTFont

    out = {}
    for path in files:
        fonts = []
        with zipfile.ZipFile(path) as z:
            used = text_by_font(z)
            for fid, name, data in font_files(z):
                entry = {"id": fid, "file": name}
                try:
                    f = TTFont(io.BytesIO(data))
                    entry["tables"] = sorted(f.keys())
                    entry["missing"] = [t for t in REQUIRED_TABLES if t not in f]
                    for t in f.keys():
                        if t != "GlyphOrder":
                            f[t]  # decompiles the table
                    cmap = f.getBestCmap() or {}
                    entry["unmapped"] = sorted(c for c in used.get(fid, set()) if not c.isspace() and not cmap.get(ord(c)))
                    entry["glyphs"] = f["maxp"].numGlyphs
                    entry["mapped_chars"] = len(used.get(fid, set()))
                except Exception as e:  # reported, and the test fails on it
                    entry["error"] = f"{type(e).__name__}: {e}"
                fonts.append(entry)
        out[path] = fonts
    return out


FONTFACE_HTML = """<!doctype html><html><head><meta charset="utf-8"></head><body><pre id="out">pending</pre>
<script>
var fonts = FONTS;
Promise.all(fonts.map(function (f, i) {
  var bin = atob(f.data), u = new Uint8Array(bin.length);
  for (var k = 0; k < bin.length; k++) u[k] = bin.charCodeAt(k);
  var face = new FontFace('ofdfont' + i, u.buffer);
  return face.load().then(function (ok) { return {file: f.file, status: ok.status}; },
                          function (e) { return {file: f.file, status: face.status, error: String(e)}; });
})).then(function (r) { document.getElementById('out').textContent = JSON.stringify(r); });
</script></body></html>"""


def check_fontface(files):
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n, path in enumerate(files):
            with zipfile.ZipFile(path) as z:
                fonts = [{"file": name, "data": base64.b64encode(data).decode()} for _, name, data in font_files(z)]
            page = os.path.join(tmp, f"fonts{n}.html")
            with open(page, "w", encoding="utf-8") as f:
                f.write(FONTFACE_HTML.replace("FONTS", json.dumps(fonts), 1))
            r = subprocess.run(
                ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=20000",
                 "--dump-dom", "file://" + page],
                check=True, capture_output=True, env=dict(os.environ, HOME=tmp), timeout=180,
            )
            dom = r.stdout.decode("utf-8", "replace")
            m = re.search(r'<pre id="out">(.*?)</pre>', dom, re.S)
            text = m.group(1) if m else ""
            try:
                out[path] = json.loads(text.replace("&quot;", '"').replace("&amp;", "&"))
            except ValueError:
                out[path] = {"error": f"no result from Chromium: {text[:200]!r}"}
    return out


CMYK_OP = re.compile(r"(?<![\w.])(-?[\d.]+) (-?[\d.]+) (-?[\d.]+) (-?[\d.]+) [kK](?![\w])")


def pdf_pages(pdf):
    """Per page of the PDF (read by PyMuPDF): the characters of the text it strokes (text render
    modes with a stroke: PyMuPDF's trace lists the stroke as a span of type 1) with the stroke
    widths in mm, and the CMYK colours its content stream sets (`k` / `K`), as 0–255."""
    import pymupdf

    pages = []
    for page in pymupdf.open(pdf):
        stroked, widths = "", set()
        for s in page.get_texttrace():
            if s["type"] == 1:
                stroked += "".join(chr(c[0]) for c in s["chars"])
                widths.add(round(s["linewidth"] * 25.4 / 72, 3))
        content = page.read_contents().decode("latin-1")
        cmyk = sorted({tuple(round(float(v) * 255) for v in m.groups()) for m in CMYK_OP.finditer(content)})
        pages.append({"stroked": stroked, "stroke_widths": sorted(widths), "cmyk": [list(c) for c in cmyk]})
    return pages


def ofd_pages(z):
    """Per page of the OFD: the characters of the text objects drawn with a stroke, their
    LineWidth and Weight values, the CMYK colours (colours whose ColorSpace is a CMYK colour
    space of the resources) and any colour naming a colour space that is not there."""
    from lxml import etree

    spaces = {}
    for part in z.namelist():
        if part.endswith("/PublicRes.xml") or part.endswith("/DocumentRes.xml"):
            for cs in etree.fromstring(z.read(part)).iter(f"{{{NS}}}ColorSpace"):
                spaces[cs.get("ID")] = cs.get("Type")
    doc = etree.fromstring(z.read("Doc_0/Document.xml"))
    pages = []
    for page in doc.iter(f"{{{NS}}}Page"):
        root = etree.fromstring(z.read("Doc_0/" + page.get("BaseLoc")))
        stroked, widths, weights, cmyk, bad = "", set(), set(), set(), []
        for obj in root.iter(f"{{{NS}}}TextObject"):
            if obj.get("Stroke") == "true":
                stroked += "".join(c.text or "" for c in obj.iter(f"{{{NS}}}TextCode"))
                widths.add(float(obj.get("LineWidth", "0.353")))
                weights.add(obj.get("Weight", "400"))
        for tag in ("FillColor", "StrokeColor"):
            for c in root.iter(f"{{{NS}}}{tag}"):
                space = c.get("ColorSpace")
                if space is None:
                    continue
                if spaces.get(space) == "CMYK":
                    cmyk.add(tuple(int(v) for v in c.get("Value").split()))
                else:
                    bad.append(space)
        pages.append({
            "stroked": stroked,
            "line_widths": sorted(widths),
            "weights": sorted(weights),
            "cmyk": [list(c) for c in sorted(cmyk)],
            "unknown_spaces": bad,
        })
    return pages


def check_draw(files):
    out = {}
    for path in files:
        with zipfile.ZipFile(path) as z:
            out[path] = {"ofd": ofd_pages(z), "pdf": pdf_pages(path[:-4] + ".pdf")}
    return out


def check_tags(files):
    """The tag file as a tree of (element, children, refs), and the page objects no tag covers
    or more than one covers."""
    from lxml import etree

    out = {}
    for path in files:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            custom = [n for n in names if n.endswith("/Tags/GongWen.xml")]
            if not custom:
                out[path] = None
                continue
            root = etree.fromstring(z.read(custom[0]))
            kinds = {}
            text = {}
            doc = etree.fromstring(z.read("Doc_0/Document.xml"))
            for page in doc.iter(f"{{{NS}}}Page"):
                content = etree.fromstring(z.read("Doc_0/" + page.get("BaseLoc")))
                for obj in content.iter(f"{{{NS}}}TextObject", f"{{{NS}}}PathObject", f"{{{NS}}}ImageObject"):
                    key = (page.get("ID"), obj.get("ID"))
                    kinds[key] = etree.QName(obj).localname
                    text[key] = "".join(c.text or "" for c in obj.iter(f"{{{NS}}}TextCode"))
            owners = {}

            def tree(el):
                refs = []
                children = []
                for c in el:
                    if c.tag == f"{{{NS}}}ObjectRef":
                        key = (c.get("PageRef"), c.text)
                        owners.setdefault(key, []).append(etree.QName(el).localname)
                        refs.append({"page": c.get("PageRef"), "kind": kinds.get(key), "text": text.get(key)})
                    else:
                        children.append(tree(c))
                return {"element": etree.QName(el).localname, "children": children, "refs": refs}

            t = tree(root)
            out[path] = {
                "tree": t,
                "uncovered": [{"page": k[0], "kind": kinds[k], "text": text[k]} for k in kinds if k not in owners],
                "twice": [{"page": k[0], "owners": v} for k, v in owners.items() if len(v) > 1],
                "dangling": [{"page": k[0], "id": k[1]} for k in owners if k not in kinds],
            }
    return out


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "schema":
        res = check_schema(args[0], args[1:])
    elif cmd == "fonts":
        res = check_fonts(args)
    elif cmd == "fontface":
        res = check_fontface(args)
    elif cmd == "draw":
        res = check_draw(args)
    elif cmd == "tags":
        res = check_tags(args)
    else:
        raise SystemExit(f"unknown command {cmd}")
    json.dump(res, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
