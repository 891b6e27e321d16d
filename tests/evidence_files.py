#!/usr/bin/env python3
"""Real evidence files made by tools not written for ducha, and their readers (tests/evidence.rs).

    evidence_files.py make DIR   writes the sample files into DIR and prints their names as JSON
    evidence_files.py exif FILE  prints {"gps": {...}, "orientation": n, "size": [w, h]} read by PIL
    evidence_files.py pixels A B prints "same" when both JPEGs decode to identical pixels
    evidence_files.py ole FILE   prints the OLE streams olefile finds, as JSON
    evidence_files.py objstm DIR writes PDF 1.7 files saved by PyMuPDF with object streams
                                 (objstm_js.pdf: an open action running JavaScript,
                                 objstm_launch.pdf: a launch action, objstm_clean.pdf: neither)
                                 and prints, per file, the open action PyMuPDF reads back

Makers: PIL (JPEG with EXIF GPS and Orientation, PNG), python-docx, openpyxl, xlwt (a BIFF8 .xls:
an OLE compound file with a Workbook stream), LibreOffice Writer headless (a .doc: OLE with a
WordDocument stream), PyMuPDF (PDF), zipfile (an OFD package, a zip bomb named .docx, a
macro-enabled document, a plain zip). The hostile files (HTML, SVG with script, a polyglot PDF
that is also HTML, a JPEG that is really HTML, an executable) are written byte by byte.
"""
import io
import json
import os
import subprocess
import sys
import tempfile
import zipfile


def make(d):
    from PIL import Image
    import docx
    import openpyxl
    import pymupdf
    import xlwt

    os.makedirs(d, exist_ok=True)
    made = {}

    def put(name, data):
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
        made[name] = len(data)

    # A photo with a location and an orientation, as a phone writes it.
    im = Image.new("RGB", (64, 48))
    for x in range(64):
        for y in range(48):
            im.putpixel((x, y), (x * 4, y * 5, (x * y) % 256))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 CW to display
    exif[0x010F] = "TestCam"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (36.0, 27.0, 12.5)
    gps[3] = "E"
    gps[4] = (115.0, 58.0, 40.25)
    buf = io.BytesIO()
    im.save(buf, "JPEG", exif=exif, quality=90)
    put("photo_gps.jpg", buf.getvalue())

    buf = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 30, 30)).save(buf, "PNG")
    put("picture.png", buf.getvalue())

    doc = docx.Document()
    doc.add_paragraph("验收报告：项目已通过验收。")
    buf = io.BytesIO()
    doc.save(buf)
    put("report.docx", buf.getvalue())

    wb = openpyxl.Workbook()
    wb.active["A1"] = "完成情况"
    buf = io.BytesIO()
    wb.save(buf)
    put("table.xlsx", buf.getvalue())

    wb = xlwt.Workbook()
    wb.add_sheet("表1").write(0, 0, "完成情况")
    buf = io.BytesIO()
    wb.save(buf)
    put("table.et", buf.getvalue())

    # A .doc by LibreOffice Writer from the .docx.
    with tempfile.TemporaryDirectory() as t:
        subprocess.run(
            ["soffice", "--headless", f"-env:UserInstallation=file://{t}/profile", "--convert-to", "doc",
             "--outdir", t, os.path.join(d, "report.docx")],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=180,
        )
        with open(os.path.join(t, "report.doc"), "rb") as f:
            put("report.wps", f.read())

    pdf = pymupdf.open()
    page = pdf.new_page()
    page.insert_text((72, 72), "Acceptance report")
    put("scan.pdf", pdf.tobytes())

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("OFD.xml", '<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.1" DocType="OFD"/>')
        z.writestr("Doc_0/Document.xml", "<ofd:Document xmlns:ofd=\"http://www.ofdspec.org/2016\"/>")
    put("letter.ofd", buf.getvalue())

    # A zip bomb named .docx: valid OOXML part names, 200 MB of zeros inside.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        with z.open("word/document.xml", "w", force_zip64=False) as w:
            chunk = b"\0" * (1 << 20)
            for _ in range(200):
                w.write(chunk)
    put("bomb.docx", buf.getvalue())

    # A macro-enabled Word file saved under .docx.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types><Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>')
        z.writestr("word/document.xml", "<w:document/>")
        z.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0")
    put("macro.docx", buf.getvalue())

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("readme.txt", "hello")
    put("archive.zip", buf.getvalue())

    put("page.pdf", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>")
    put("drawing.png", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    # A PDF that is also HTML: a valid PDF header, then a page for the browser.
    put("polyglot.pdf", b"%PDF-1.4\n%<html><script>alert(document.cookie)</script>\n" + pdf.tobytes()[9:])
    put("fake.jpg", b"\xff\xd8\xff\xe0<html><body onload=alert(1)>photo</body></html>")
    put("setup.pdf", b"MZ\x90\x00" + b"\x00" * 60 + b"This program cannot be run in DOS mode.")
    put("script.docx", b"#!/bin/sh\nrm -rf /\n")
    # A PDF with JavaScript in its open action.
    put("js.pdf", b"%PDF-1.4\n1 0 obj<</Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
    json.dump(made, sys.stdout, ensure_ascii=False)


def exif(path):
    from PIL import Image
    im = Image.open(path)
    e = im.getexif()
    gps = {str(k): str(v) for k, v in e.get_ifd(0x8825).items()}
    json.dump({"gps": gps, "orientation": e.get(0x0112), "make": e.get(0x010F), "size": list(im.size)}, sys.stdout)


def pixels(a, b):
    from PIL import Image
    x, y = Image.open(a), Image.open(b)
    print("same" if x.size == y.size and x.tobytes() == y.tobytes() else "different")


def ole(path):
    import olefile
    json.dump(["/".join(p) for p in olefile.OleFileIO(path).listdir()], sys.stdout)


def objstm(d):
    """The action is its own object, so MuPDF packs it into a compressed object stream
    (`use_objstms`): its keys are in no plain byte of the file."""
    import pymupdf

    os.makedirs(d, exist_ok=True)
    actions = {
        "js": "<</S/JavaScript/JS(app.alert\\(document.title\\))>>",
        "launch": "<</S/Launch/F(calc.exe)>>",
        "clean": None,
    }
    out = {}
    for name, action in actions.items():
        doc = pymupdf.open()
        page = doc.new_page()
        page.insert_text((72, 72), "Evidence saved with object streams", fontsize=12)
        if action:
            x = doc.get_new_xref()
            doc.update_object(x, action)
            doc.xref_set_key(doc.pdf_catalog(), "OpenAction", f"{x} 0 R")
        path = os.path.join(d, f"objstm_{name}.pdf")
        doc.save(path, garbage=4, deflate=True, use_objstms=1)
        back = pymupdf.open(path)
        kind, value = back.xref_get_key(back.pdf_catalog(), "OpenAction")
        shown = back.xref_object(int(value.split()[0]), compressed=True) if kind == "xref" else None
        out[name] = {"open_action": shown}
    print(json.dumps(out))


if __name__ == "__main__":
    {"make": make, "exif": exif, "pixels": pixels, "ole": ole, "objstm": objstm}[sys.argv[1]](*sys.argv[2:])
