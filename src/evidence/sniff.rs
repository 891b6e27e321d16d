//! The type of a 佐证材料 file, decided from its bytes, never from its name (docs/rules.md §21).
//!
//! Accepted: PDF, OFD (a zip with `OFD.xml`), JPEG, PNG, DOCX and XLSX (zips with the OOXML
//! parts), WPS/ET (OLE compound files with a `WordDocument` or `Workbook` stream; Word and Excel
//! 97–2003 files are the same format). Everything else is refused with a Chinese [`Refusal`]
//! naming the file and the rule: HTML, SVG, scripts, executables, other archives, and any file
//! whose first [`HEAD`] bytes carry an HTML marker whatever its magic (a JPEG that is really HTML,
//! a PDF that is also HTML), a PDF with JavaScript or a launch action, Office files with macros,
//! encrypted documents.
//!
//! Zip inspection is bounded: the central directory is read from the end of the file (at most
//! [`ZIP_MAX_DIRECTORY`] bytes, at most [`ZIP_MAX_ENTRIES`] entries, no ZIP64), the declared sizes
//! are checked against [`ZIP_MAX_TOTAL`] and [`ZIP_MAX_RATIO`] (a zip bomb named `.docx` is refused
//! before anything is inflated), and the one part that is inflated, `[Content_Types].xml`, is read
//! through a limit of [`ZIP_MAX_PART`] bytes. OLE inspection reads the header and at most
//! [`OLE_MAX_DIR_SECTORS`] directory sectors. A PDF's compressed streams are inflated to look
//! for scripts hidden in object streams, at most [`PDF_MAX_STREAMS`] of them and
//! [`PDF_MAX_INFLATED`] bytes in all.

use std::fmt;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use serde::Serialize;

/// How many leading bytes are searched for HTML markers.
pub const HEAD: usize = 4096;
/// Most entries a zip-based document may have.
pub const ZIP_MAX_ENTRIES: usize = 10_000;
/// Largest zip central directory read, bytes.
pub const ZIP_MAX_DIRECTORY: u64 = 4 * 1024 * 1024;
/// Largest total of the declared uncompressed sizes, bytes.
pub const ZIP_MAX_TOTAL: u64 = 512 * 1024 * 1024;
/// Largest compression ratio of an entry that expands beyond 1 MB.
pub const ZIP_MAX_RATIO: u64 = 200;
/// Largest part inflated while sniffing (`[Content_Types].xml`), bytes.
pub const ZIP_MAX_PART: u64 = 256 * 1024;
/// Most directory sectors of an OLE compound file read.
pub const OLE_MAX_DIR_SECTORS: usize = 512;

/// An accepted evidence type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    Pdf,
    Ofd,
    Jpeg,
    Png,
    Docx,
    Xlsx,
    /// WPS 文字 (or Word 97–2003): OLE with a `WordDocument` stream.
    Wps,
    /// WPS 表格 (or Excel 97–2003): OLE with a `Workbook` stream.
    Et,
}

impl FileKind {
    /// Every accepted type, in the order messages list them.
    pub const ALL: [FileKind; 8] = [
        FileKind::Pdf,
        FileKind::Ofd,
        FileKind::Jpeg,
        FileKind::Png,
        FileKind::Docx,
        FileKind::Xlsx,
        FileKind::Wps,
        FileKind::Et,
    ];

    /// The word the index writes (`pdf`, `jpeg` …).
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Pdf => "pdf",
            FileKind::Ofd => "ofd",
            FileKind::Jpeg => "jpeg",
            FileKind::Png => "png",
            FileKind::Docx => "docx",
            FileKind::Xlsx => "xlsx",
            FileKind::Wps => "wps",
            FileKind::Et => "et",
        }
    }

    /// Reads the word of [`FileKind::as_str`].
    pub fn parse(s: &str) -> Option<FileKind> {
        FileKind::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    /// The name shown to people: `PDF 文件`, `JPEG 图片` …
    pub fn label(self) -> &'static str {
        match self {
            FileKind::Pdf => "PDF 文件",
            FileKind::Ofd => "OFD 文件",
            FileKind::Jpeg => "JPEG 图片",
            FileKind::Png => "PNG 图片",
            FileKind::Docx => "Word 文档（.docx）",
            FileKind::Xlsx => "Excel 表格（.xlsx）",
            FileKind::Wps => "WPS 文字文档（.wps/.doc）",
            FileKind::Et => "WPS 表格（.et/.xls）",
        }
    }

    /// The media type sent with a download.
    pub fn mime(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Ofd => "application/ofd",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            FileKind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileKind::Wps => "application/msword",
            FileKind::Et => "application/vnd.ms-excel",
        }
    }

    /// The extension a download name gets (the sniffed type's, whatever the uploaded name said).
    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Jpeg => "jpg",
            k => k.as_str(),
        }
    }

    /// Photos and pictures (thumbnails, location stripping).
    pub fn is_image(self) -> bool {
        matches!(self, FileKind::Jpeg | FileKind::Png)
    }
}

/// Why a file is refused; [`fmt::Display`] gives the Chinese sentence after the file's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// No bytes at all.
    Empty,
    /// HTML / SVG / script markers in the first [`HEAD`] bytes (the marker found).
    Markup(&'static str),
    /// A recognised type that is not accepted (what it looks like).
    Forbidden(&'static str),
    /// Nothing recognised.
    Unknown,
    /// A zip whose declared sizes exceed the bounds (what was exceeded).
    ZipBomb(String),
    /// A zip or OLE file that is not one of the accepted documents (what is missing or wrong).
    NotDocument(String),
    /// Office macros (VBA).
    Macros,
    /// An encrypted (password-protected) document.
    Encrypted,
    /// A PDF with JavaScript or a launch action (the key found).
    PdfScript(&'static str),
    /// The file could not be read.
    Io(String),
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let accepted = "佐证材料只接受 PDF、OFD、JPEG、PNG、DOCX、XLSX、WPS/ET 文件，类型按文件内容判断，与文件名无关";
        match self {
            Reason::Empty => write!(f, "是空文件，请重新选择文件"),
            Reason::Markup(m) => {
                write!(f, "开头含有网页或脚本标记“{m}”，可能是伪装成文档的网页，不予接收；{accepted}")
            }
            Reason::Forbidden(what) => write!(f, "按内容判断是{what}，不是允许的类型；{accepted}"),
            Reason::Unknown => write!(f, "无法从内容识别为允许的类型；{accepted}"),
            Reason::ZipBomb(what) => {
                write!(f, "是压缩结构异常的文件（{what}），可能是“压缩炸弹”，不予接收；请另存为普通文档后重新上传")
            }
            Reason::NotDocument(what) => write!(f, "不是有效的文档（{what}）；{accepted}"),
            Reason::Macros => write!(f, "含有宏代码，不予接收；请另存为不含宏的文档（.docx、.xlsx 或 PDF）后重新上传"),
            Reason::Encrypted => write!(f, "已加密（设有打开密码），无法查看，不予接收；请取消密码后重新上传"),
            Reason::PdfScript(k) => {
                write!(f, "是含有脚本或启动动作（{k}）的 PDF，不予接收；请用“打印为 PDF”另存后重新上传")
            }
            Reason::Io(e) => write!(f, "无法读取：{e}"),
        }
    }
}

/// A refused file: its name as the user gave it and the rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{name}”{reason}")]
pub struct Refusal {
    pub name: String,
    pub reason: Reason,
}

/// Sniffs the file at `path`; `name` is the name shown in a refusal.
pub fn sniff_path(path: &Path, name: &str) -> Result<FileKind, Refusal> {
    let refuse = |e: std::io::Error| Refusal { name: name.to_string(), reason: Reason::Io(e.to_string()) };
    let mut f = std::fs::File::open(path).map_err(refuse)?;
    let len = f.metadata().map_err(refuse)?.len();
    sniff(&mut f, len, name)
}

/// Decides the type of a file of `len` bytes from its content (`name` only names it in a
/// refusal). Reads a bounded amount, except for PDFs, which are scanned whole for scripts (a PDF
/// has passed the size limit before it is sniffed).
pub fn sniff<R: Read + Seek>(r: &mut R, len: u64, name: &str) -> Result<FileKind, Refusal> {
    let refuse = |reason| Refusal { name: name.to_string(), reason };
    let io = |e: std::io::Error| Refusal { name: name.to_string(), reason: Reason::Io(e.to_string()) };
    if len == 0 {
        return Err(refuse(Reason::Empty));
    }
    let mut head = Vec::with_capacity(HEAD);
    r.seek(SeekFrom::Start(0)).map_err(io)?;
    r.by_ref().take(HEAD as u64).read_to_end(&mut head).map_err(io)?;
    if let Some(m) = markup_marker(&head) {
        return Err(refuse(Reason::Markup(m)));
    }
    let kind = if head.starts_with(b"%PDF-") {
        if let Some(reason) = pdf_script(r).map_err(io)? {
            return Err(refuse(reason));
        }
        FileKind::Pdf
    } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        FileKind::Jpeg
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        FileKind::Png
    } else if head.starts_with(b"PK\x03\x04") {
        zip_kind(r, len).map_err(refuse)?
    } else if head.starts_with(&OLE_MAGIC) {
        ole_kind(r, len).map_err(refuse)?
    } else {
        return Err(refuse(forbidden(&head).map_or(Reason::Unknown, Reason::Forbidden)));
    };
    Ok(kind)
}

/// Markers that make a browser (or a person) treat bytes as a web page or a script.
const MARKERS: [&str; 12] = [
    "<svg",
    "<html",
    "<!doctype",
    "<script",
    "<body",
    "<head",
    "<iframe",
    "<object",
    "<embed",
    "<?php",
    "javascript:",
    "<meta",
];

fn markup_marker(head: &[u8]) -> Option<&'static str> {
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    MARKERS.into_iter().find(|m| lower.windows(m.len()).any(|w| w == m.as_bytes()))
}

/// What a refused file looks like, for the message.
fn forbidden(head: &[u8]) -> Option<&'static str> {
    let t = String::from_utf8_lossy(&head[..head.len().min(512)])
        .trim_start_matches('\u{feff}')
        .trim_start()
        .to_lowercase();
    let starts = |m: &[u8]| head.starts_with(m);
    Some(if starts(b"MZ") {
        "Windows 可执行程序"
    } else if starts(b"\x7fELF") {
        "可执行程序"
    } else if starts(b"#!") {
        "脚本"
    } else if starts(b"Rar!") {
        "RAR 压缩包"
    } else if starts(b"7z\xBC\xAF\x27\x1C") {
        "7z 压缩包"
    } else if starts(&[0x1F, 0x8B]) {
        "gzip 压缩包"
    } else if starts(b"PK\x05\x06") {
        "空的 zip 压缩包"
    } else if starts(b"GIF8") {
        "GIF 图片"
    } else if starts(b"BM") {
        "BMP 图片"
    } else if t.starts_with("<?xml") {
        "XML 文件"
    } else if t.starts_with("{\\rtf") {
        "RTF 文档"
    } else if head.len() >= 12 && &head[4..8] == b"ftyp" {
        "视频或 HEIC 图片（请在手机相机设置中改为“兼容性最佳”拍照，或截图后上传）"
    } else if std::str::from_utf8(head).is_ok() {
        "纯文本文件"
    } else {
        return None;
    })
}

/// Bytes kept between chunks of a PDF scan: longer than any key, any `stream` keyword with its
/// line end and the zlib header after it, and any escaped name that could decode to a key
/// (`/#4a#61#76#61…`, at most 3 bytes a letter).
const PDF_CARRY: usize = 128;

/// The keys looked for in a PDF's plain bytes (as before: `/JS` only before a space, `(` or `<`,
/// so random compressed bytes rarely match).
const PDF_KEYS: [&str; 5] = ["/JavaScript", "/JS ", "/JS(", "/JS<", "/Launch"];

/// The names looked for after `#xx` escapes are decoded, in the plain bytes and in the inflated
/// data of compressed streams: every JavaScript action says `/S /JavaScript` (the bare `/JS`
/// key runs nothing without it) and the document-level scripts sit under `/JavaScript` in the
/// name tree; a launch action says `/S /Launch`. Long names only: inflated fonts and images are
/// binary, and a 3-byte `/JS` would turn up in them by chance.
const PDF_NAMES: [(&[u8], &str, &str); 2] = [
    (b"JavaScript", "/JavaScript", "/JavaScript，藏在压缩的数据流中"),
    (b"Launch", "/Launch", "/Launch，藏在压缩的数据流中"),
];

/// Scans a PDF for JavaScript and launch actions: the plain bytes in chunks with an overlap,
/// then the inflated data of every compressed (zlib / `FlateDecode`, also behind `ASCIIHexDecode`
/// or `ASCII85Decode`) stream, where a PDF 1.5
/// object stream (`/Type /ObjStm`) carries whole dictionaries — an action hidden there is not
/// in the plain bytes at all. Inflation is bounded: at most [`PDF_MAX_STREAMS`] streams and
/// [`PDF_MAX_INFLATED`] bytes in all (a small file that inflates past that is refused as a
/// compression bomb); memory holds one chunk at a time.
fn pdf_script<R: Read + Seek>(r: &mut R) -> std::io::Result<Option<Reason>> {
    r.seek(SeekFrom::Start(0))?;
    let mut buf = vec![0u8; 1 << 16];
    let mut window: Vec<u8> = Vec::new();
    // The file offset of `window[0]`.
    let mut base: u64 = 0;
    // Where the data of each compressed stream starts, and how it is written.
    let mut streams: Vec<(u64, Wrap)> = Vec::new();
    loop {
        let n = r.read(&mut buf)?;
        let last = n == 0;
        window.extend_from_slice(&buf[..n]);
        if let Some(k) = PDF_KEYS.into_iter().find(|k| window.windows(k.len()).any(|w| w == k.as_bytes())) {
            return Ok(Some(Reason::PdfScript(k)));
        }
        if let Some(i) = pdf_name(&window, last) {
            return Ok(Some(Reason::PdfScript(PDF_NAMES[i].1)));
        }
        for (data, wrap) in compressed_streams(&window, last) {
            let at = base + data as u64;
            if streams.last().is_none_or(|&(l, _)| at > l) {
                if streams.len() == PDF_MAX_STREAMS {
                    return Ok(Some(Reason::ZipBomb(format!("PDF 含有超过 {PDF_MAX_STREAMS} 个压缩数据流"))));
                }
                streams.push((at, wrap));
            }
        }
        if last {
            break;
        }
        let keep = window.len().saturating_sub(PDF_CARRY);
        window.drain(..keep);
        base += keep as u64;
    }
    let mut inflated: u64 = 0;
    for (at, wrap) in streams {
        r.seek(SeekFrom::Start(at))?;
        let data: Box<dyn Read + '_> = match wrap {
            Wrap::Zlib => Box::new(r.by_ref()),
            Wrap::Hex => Box::new(HexDecode::new(std::io::BufReader::new(r.by_ref()))),
            Wrap::A85 => Box::new(A85Decode::new(std::io::BufReader::new(r.by_ref()))),
        };
        let mut z = flate2::read::ZlibDecoder::new(data);
        window.clear();
        loop {
            // A stream that is not valid zlib (or ends early) is read as far as it goes, as a
            // lenient viewer would.
            let n = z.read(&mut buf).unwrap_or(0);
            inflated += n as u64;
            if inflated > PDF_MAX_INFLATED {
                return Ok(Some(Reason::ZipBomb(format!(
                    "PDF 中的压缩数据解压后超过 {}",
                    super::config::human_size(PDF_MAX_INFLATED)
                ))));
            }
            let last = n == 0;
            window.extend_from_slice(&buf[..n]);
            if let Some(i) = pdf_name(&window, last) {
                return Ok(Some(Reason::PdfScript(PDF_NAMES[i].2)));
            }
            if last {
                break;
            }
            let keep = window.len().saturating_sub(PDF_CARRY);
            window.drain(..keep);
        }
    }
    Ok(None)
}

/// Most compressed streams of one PDF inflated while looking for scripts.
pub const PDF_MAX_STREAMS: usize = 100_000;
/// Most bytes inflated from one PDF's compressed streams, in all.
pub const PDF_MAX_INFLATED: u64 = 512 * 1024 * 1024;

/// PDF white space and delimiters: what ends a name.
fn pdf_ends_name(b: u8) -> bool {
    matches!(
        b,
        0 | b'\t' | b'\n' | 0x0C | b'\r' | b' ' | b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

/// The index in [`PDF_NAMES`] of the first name in `w` that decodes (`#xx` escapes) to one of
/// them. A name running to the end of `w` is judged only when `last` (else the next chunk, which
/// starts with the carried-over tail, judges it).
fn pdf_name(w: &[u8], last: bool) -> Option<usize> {
    let mut i = 0;
    while let Some(slash) = w[i..].iter().position(|&b| b == b'/') {
        let start = i + slash + 1;
        let len = w[start..].iter().position(|&b| pdf_ends_name(b));
        let end = match len {
            Some(l) => start + l,
            None if last => w.len(),
            None => return None,
        };
        i = end;
        let raw = &w[start..end];
        if raw.is_empty() || raw.len() > 3 * 10 {
            continue;
        }
        let mut name = Vec::with_capacity(raw.len());
        let mut k = 0;
        while k < raw.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            match (raw[k], raw.get(k + 1).and_then(|&b| hex(b)), raw.get(k + 2).and_then(|&b| hex(b))) {
                (b'#', Some(h), Some(l)) => {
                    name.push((h * 16 + l) as u8);
                    k += 3;
                }
                (b, ..) => {
                    name.push(b);
                    k += 1;
                }
            }
        }
        if let Some(found) = PDF_NAMES.iter().position(|(n, ..)| name == *n) {
            return Some(found);
        }
    }
    None
}

/// How the data of a compressed stream is written: a zlib stream as it is (`FlateDecode`), or
/// one wrapped in `ASCIIHexDecode` or `ASCII85Decode` first (a filter chain such as
/// `[/ASCII85Decode /FlateDecode]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wrap {
    Zlib,
    Hex,
    A85,
}

/// A zlib stream header (CMF, FLG): deflate with a window of at most 32 KiB, checksum right.
fn zlib_header(cmf: u8, flg: u8) -> bool {
    cmf & 0x0F == 8 && cmf >> 4 <= 7 && (u16::from(cmf) << 8 | u16::from(flg)) % 31 == 0
}

/// Whether `d` (the first bytes of a stream's data) opens a zlib stream, plain or wrapped.
fn wrapped_zlib(d: &[u8]) -> Option<Wrap> {
    let mut two = [0u8; 2];
    if d.len() >= 2 && zlib_header(d[0], d[1]) {
        Some(Wrap::Zlib)
    } else if HexDecode::new(d).read_exact(&mut two).is_ok() && zlib_header(two[0], two[1]) {
        Some(Wrap::Hex)
    } else if A85Decode::new(d).read_exact(&mut two).is_ok() && zlib_header(two[0], two[1]) {
        Some(Wrap::A85)
    } else {
        None
    }
}

/// Offsets in `w` where the data of a compressed stream starts, and how it is written: after a
/// `stream` keyword (not `endstream`) and its line end, data opening with a zlib header (what
/// `FlateDecode` data is), plain or wrapped ([`wrapped_zlib`]). Only keywords whose line end and
/// first data bytes are inside `w` are judged (unless `last`).
fn compressed_streams(w: &[u8], last: bool) -> Vec<(usize, Wrap)> {
    const KEY: &[u8] = b"stream";
    let mut out = Vec::new();
    let mut from = 1;
    while let Some(p) = w.get(from..).and_then(|rest| rest.windows(KEY.len()).position(|x| x == KEY)) {
        let i = from + p;
        from = i + 1;
        if !pdf_ends_name(w[i - 1]) {
            continue; // `endstream`, or a longer word
        }
        let after = i + KEY.len();
        if after + 40 > w.len() && !last {
            break;
        }
        let data = match (w.get(after), w.get(after + 1)) {
            (Some(b'\r'), Some(b'\n')) => after + 2,
            (Some(b'\r' | b'\n'), _) => after + 1,
            _ => continue,
        };
        if let Some(wrap) = wrapped_zlib(&w[data.min(w.len())..(data + 32).min(w.len())]) {
            out.push((data, wrap));
        }
    }
    out
}

/// PDF white space.
fn pdf_white(b: u8) -> bool {
    matches!(b, 0 | b'\t' | b'\n' | 0x0C | b'\r' | b' ')
}

/// `ASCIIHexDecode` as a reader: pairs of hex digits, white space skipped, `>` (or anything
/// else) ends the data; a last odd digit is followed by 0.
struct HexDecode<R> {
    bytes: std::io::Bytes<R>,
    done: bool,
}

impl<R: std::io::BufRead> HexDecode<R> {
    fn new(r: R) -> Self {
        HexDecode { bytes: r.bytes(), done: false }
    }
}

impl<R: std::io::BufRead> Read for HexDecode<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let mut n = 0;
        let mut high: Option<u8> = None;
        while n < out.len() && !self.done {
            let Some(b) = self.bytes.next().transpose()? else {
                self.done = true;
                break;
            };
            if pdf_white(b) {
                continue;
            }
            let Some(v) = (b as char).to_digit(16) else {
                self.done = true;
                break;
            };
            match high.take() {
                None => high = Some(v as u8),
                Some(h) => {
                    out[n] = h << 4 | v as u8;
                    n += 1;
                }
            }
        }
        if let (Some(h), true) = (high, n < out.len()) {
            out[n] = h << 4;
            n += 1;
        }
        Ok(n)
    }
}

/// `ASCII85Decode` as a reader: groups of five characters `!`…`u` give four bytes, `z` four
/// zeros, an optional `<~` opens and `~>` (or anything else) ends the data; a last partial group
/// of k characters gives k − 1 bytes.
struct A85Decode<R> {
    bytes: std::io::Bytes<R>,
    done: bool,
    started: bool,
    group: [u8; 4],
    at: usize,
    len: usize,
}

impl<R: std::io::BufRead> A85Decode<R> {
    fn new(r: R) -> Self {
        A85Decode { bytes: r.bytes(), done: false, started: false, group: [0; 4], at: 0, len: 0 }
    }

    /// Decodes the next group into `self.group`; false at the end.
    fn next_group(&mut self) -> std::io::Result<bool> {
        let mut digits = [84u8; 5];
        let mut k = 0;
        while k < 5 {
            let Some(c) = self.bytes.next().transpose()? else { break };
            match c {
                c if pdf_white(c) => continue,
                b'<' if !self.started => {
                    if self.bytes.next().transpose()? != Some(b'~') {
                        break;
                    }
                }
                b'z' if k == 0 => {
                    self.started = true;
                    (self.group, self.at, self.len) = ([0; 4], 0, 4);
                    return Ok(true);
                }
                b'!'..=b'u' => {
                    digits[k] = c - b'!';
                    k += 1;
                }
                _ => break,
            }
            self.started = true;
        }
        if k < 5 {
            self.done = true;
        }
        if k < 2 {
            return Ok(false);
        }
        let value = digits.iter().fold(0u64, |v, &d| v * 85 + u64::from(d));
        if value > u64::from(u32::MAX) {
            self.done = true;
            return Ok(false);
        }
        self.group = (value as u32).to_be_bytes();
        (self.at, self.len) = (0, k - 1);
        Ok(true)
    }
}

impl<R: std::io::BufRead> Read for A85Decode<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let mut n = 0;
        while n < out.len() {
            if self.at < self.len {
                out[n] = self.group[self.at];
                self.at += 1;
                n += 1;
            } else if self.done || !self.next_group()? {
                break;
            }
        }
        Ok(n)
    }
}

fn u16_at(b: &[u8], i: usize) -> u64 {
    b.get(i..i + 2).map_or(0, |s| u64::from(u16::from_le_bytes([s[0], s[1]])))
}

fn u32_at(b: &[u8], i: usize) -> u64 {
    b.get(i..i + 4).map_or(0, |s| u64::from(u32::from_le_bytes([s[0], s[1], s[2], s[3]])))
}

/// One central-directory entry of a zip.
struct ZipEntry {
    name: String,
    method: u64,
    compressed: u64,
    size: u64,
    local_offset: u64,
}

/// Reads a zip's central directory within the bounds and decides OFD / DOCX / XLSX.
fn zip_kind<R: Read + Seek>(r: &mut R, len: u64) -> Result<FileKind, Reason> {
    let entries = zip_directory(r, len)?;
    let total: u64 = entries.iter().map(|e| e.size).sum();
    if total > ZIP_MAX_TOTAL {
        return Err(Reason::ZipBomb(format!(
            "解压后共 {}，超过 {}",
            super::config::human_size(total),
            super::config::human_size(ZIP_MAX_TOTAL)
        )));
    }
    if let Some(e) =
        entries.iter().find(|e| e.size > 1024 * 1024 && e.size > e.compressed.saturating_mul(ZIP_MAX_RATIO))
    {
        return Err(Reason::ZipBomb(format!(
            "其中“{}”压缩比超过 {ZIP_MAX_RATIO} 倍：{} 解压为 {}",
            e.name,
            super::config::human_size(e.compressed),
            super::config::human_size(e.size)
        )));
    }
    let has = |n: &str| entries.iter().any(|e| e.name == n);
    if entries.iter().any(|e| e.name.to_ascii_lowercase().ends_with("vbaproject.bin")) {
        return Err(Reason::Macros);
    }
    if has("OFD.xml") {
        return Ok(FileKind::Ofd);
    }
    let Some(types) = entries.iter().find(|e| e.name == "[Content_Types].xml") else {
        return Err(Reason::Forbidden("zip 压缩包"));
    };
    let types = zip_part(r, types)?;
    if types.to_ascii_lowercase().contains("macroenabled") {
        return Err(Reason::Macros);
    }
    if has("word/document.xml") {
        Ok(FileKind::Docx)
    } else if has("xl/workbook.xml") {
        Ok(FileKind::Xlsx)
    } else {
        Err(Reason::NotDocument("Office 压缩包中既无 word/document.xml，也无 xl/workbook.xml".into()))
    }
}

fn zip_directory<R: Read + Seek>(r: &mut R, len: u64) -> Result<Vec<ZipEntry>, Reason> {
    let io = |e: std::io::Error| Reason::Io(e.to_string());
    let broken = |what: &str| Reason::NotDocument(format!("zip 结构损坏：{what}"));
    // The end-of-central-directory record sits in the last 22 + 65535 bytes.
    let tail_len = len.min(22 + 65_535);
    r.seek(SeekFrom::Start(len - tail_len)).map_err(io)?;
    let mut tail = vec![0u8; tail_len as usize];
    r.read_exact(&mut tail).map_err(io)?;
    let eocd = (0..tail.len().saturating_sub(21))
        .rev()
        .find(|&i| tail[i..].starts_with(b"PK\x05\x06"))
        .ok_or_else(|| broken("找不到目录"))?;
    let count = u16_at(&tail, eocd + 10);
    let dir_size = u32_at(&tail, eocd + 12);
    let dir_offset = u32_at(&tail, eocd + 16);
    if count == 0xFFFF || dir_size == 0xFFFF_FFFF || dir_offset == 0xFFFF_FFFF {
        return Err(Reason::ZipBomb("使用 ZIP64 结构".into()));
    }
    if count as usize > ZIP_MAX_ENTRIES {
        return Err(Reason::ZipBomb(format!("含 {count} 个条目，超过 {ZIP_MAX_ENTRIES} 个")));
    }
    if dir_size > ZIP_MAX_DIRECTORY || dir_offset + dir_size > len {
        return Err(broken("目录超出文件范围"));
    }
    r.seek(SeekFrom::Start(dir_offset)).map_err(io)?;
    let mut dir = vec![0u8; dir_size as usize];
    r.read_exact(&mut dir).map_err(io)?;
    let mut out = Vec::with_capacity(count as usize);
    let mut i = 0usize;
    while out.len() < count as usize {
        if !dir.get(i..).is_some_and(|d| d.starts_with(b"PK\x01\x02")) || i + 46 > dir.len() {
            return Err(broken("目录条目不完整"));
        }
        let name_len = u16_at(&dir, i + 28) as usize;
        let extra_len = u16_at(&dir, i + 30) as usize;
        let comment_len = u16_at(&dir, i + 32) as usize;
        let name = dir.get(i + 46..i + 46 + name_len).ok_or_else(|| broken("条目名称不完整"))?;
        let e = ZipEntry {
            name: String::from_utf8_lossy(name).into_owned(),
            method: u16_at(&dir, i + 10),
            compressed: u32_at(&dir, i + 20),
            size: u32_at(&dir, i + 24),
            local_offset: u32_at(&dir, i + 42),
        };
        if e.size == 0xFFFF_FFFF || e.compressed == 0xFFFF_FFFF || e.local_offset == 0xFFFF_FFFF {
            return Err(Reason::ZipBomb("使用 ZIP64 结构".into()));
        }
        if u16_at(&dir, i + 8) & 1 == 1 {
            return Err(Reason::Encrypted);
        }
        out.push(e);
        i += 46 + name_len + extra_len + comment_len;
    }
    Ok(out)
}

/// The text of one small part, inflated through a limit of [`ZIP_MAX_PART`] bytes.
fn zip_part<R: Read + Seek>(r: &mut R, e: &ZipEntry) -> Result<String, Reason> {
    let io = |e: std::io::Error| Reason::Io(e.to_string());
    r.seek(SeekFrom::Start(e.local_offset)).map_err(io)?;
    let mut local = [0u8; 30];
    r.read_exact(&mut local).map_err(io)?;
    if !local.starts_with(b"PK\x03\x04") {
        return Err(Reason::NotDocument("zip 结构损坏：条目位置不对".into()));
    }
    let skip = u16_at(&local, 26) + u16_at(&local, 28);
    r.seek(SeekFrom::Current(skip as i64)).map_err(io)?;
    let raw = r.by_ref().take(e.compressed.min(ZIP_MAX_PART));
    let mut out = Vec::new();
    match e.method {
        0 => raw.take(ZIP_MAX_PART).read_to_end(&mut out).map_err(io)?,
        8 => flate2::read::DeflateDecoder::new(raw).take(ZIP_MAX_PART).read_to_end(&mut out).map_err(io)?,
        _ => return Err(Reason::NotDocument("zip 条目使用了不支持的压缩方式".into())),
    };
    Ok(String::from_utf8_lossy(&out).into_owned())
}

const OLE_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
const OLE_END: u64 = 0xFFFF_FFFE;

/// Reads the directory of an OLE compound file (bounded) and decides WPS / ET by its streams.
fn ole_kind<R: Read + Seek>(r: &mut R, len: u64) -> Result<FileKind, Reason> {
    let names = ole_names(r, len)?;
    let has = |n: &str| names.iter().any(|x| x.eq_ignore_ascii_case(n));
    if has("EncryptedPackage") || has("EncryptionInfo") {
        return Err(Reason::Encrypted);
    }
    if has("Macros") || has("_VBA_PROJECT_CUR") || has("_VBA_PROJECT") || has("VBA") {
        return Err(Reason::Macros);
    }
    if has("WordDocument") {
        Ok(FileKind::Wps)
    } else if has("Workbook") || has("Book") {
        Ok(FileKind::Et)
    } else if has("PowerPoint Document") {
        Err(Reason::Forbidden("演示文稿（PPT/DPS）"))
    } else {
        Err(Reason::NotDocument("复合文档中没有文字或表格内容".into()))
    }
}

/// Reads sector `id` of an OLE file of `len` bytes with sectors of `ssz` bytes.
fn ole_sector<R: Read + Seek>(r: &mut R, id: u64, ssz: u64, len: u64) -> Result<Vec<u8>, Reason> {
    let at = (id + 1) * ssz;
    if id >= 0xFFFF_FFFA || at + ssz > len {
        return Err(Reason::NotDocument("复合文档结构损坏：扇区超出文件范围".into()));
    }
    r.seek(SeekFrom::Start(at)).map_err(|e| Reason::Io(e.to_string()))?;
    let mut s = vec![0u8; ssz as usize];
    r.read_exact(&mut s).map_err(|e| Reason::Io(e.to_string()))?;
    Ok(s)
}

/// The sector holding the `index`-th block of the allocation table: one of the 109 header slots,
/// else found along the DIFAT chain (bounded).
fn ole_fat_sector<R: Read + Seek>(r: &mut R, header: &[u8], index: u64, ssz: u64, len: u64) -> Result<u64, Reason> {
    if index < 109 {
        return Ok(u32_at(header, 0x4C + 4 * index as usize));
    }
    let per = ssz / 4;
    let mut rest = index - 109;
    let mut difat = u32_at(header, 0x44);
    for _ in 0..OLE_MAX_DIR_SECTORS {
        let s = ole_sector(r, difat, ssz, len)?;
        if rest < per - 1 {
            return Ok(u32_at(&s, 4 * rest as usize));
        }
        rest -= per - 1;
        difat = u32_at(&s, (ssz - 4) as usize);
    }
    Err(Reason::NotDocument("复合文档结构损坏：分配表过长".into()))
}

/// The names of every storage and stream in an OLE file's directory.
fn ole_names<R: Read + Seek>(r: &mut R, len: u64) -> Result<Vec<String>, Reason> {
    let broken = |what: &str| Reason::NotDocument(format!("复合文档结构损坏：{what}"));
    let mut header = [0u8; 512];
    r.seek(SeekFrom::Start(0)).map_err(|e| Reason::Io(e.to_string()))?;
    r.read_exact(&mut header).map_err(|_| broken("文件头不完整"))?;
    let shift = u16_at(&header, 0x1E);
    if shift != 9 && shift != 12 {
        return Err(broken("扇区大小无效"));
    }
    let ssz = 1u64 << shift;
    let per = ssz / 4;
    let mut names = Vec::new();
    let mut sector = u32_at(&header, 0x30);
    let mut seen = 0usize;
    while sector != OLE_END {
        seen += 1;
        if seen > OLE_MAX_DIR_SECTORS {
            return Err(broken("目录过长或成环"));
        }
        let s = ole_sector(r, sector, ssz, len)?;
        for e in s.chunks_exact(128) {
            let name_len = (u16_at(e, 64) as usize).min(64);
            if e[66] == 0 || name_len < 2 {
                continue;
            }
            let units: Vec<u16> = e[..name_len - 2].chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
            names.push(String::from_utf16_lossy(&units));
        }
        let fat = ole_fat_sector(r, &header, sector / per, ssz, len)?;
        let fs = ole_sector(r, fat, ssz, len)?;
        sector = u32_at(&fs, 4 * (sector % per) as usize);
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write as _};

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(data).unwrap();
        z.finish().unwrap()
    }

    /// A PDF with `pad` bytes of comment before one compressed stream holding `hidden`.
    fn pdf_with_stream(pad: usize, hidden: &[u8], eol: &str) -> Vec<u8> {
        let data = zlib(hidden);
        let mut out = b"%PDF-1.7\n%".to_vec();
        out.extend(std::iter::repeat_n(b'x', pad));
        out.extend_from_slice(
            format!(
                "\n5 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length {} >>\nstream{eol}",
                data.len()
            )
            .as_bytes(),
        );
        out.extend_from_slice(&data);
        out.extend_from_slice(b"\nendstream\nendobj\n%%EOF\n");
        out
    }

    fn check(bytes: &[u8]) -> Result<FileKind, Reason> {
        sniff(&mut Cursor::new(bytes), bytes.len() as u64, "t.pdf").map_err(|r| r.reason)
    }

    #[test]
    fn scripts_in_compressed_streams_are_found_across_chunk_boundaries() {
        let chunk = 1 << 16;
        let hidden = b"7 0 << /S /JavaScript /JS (app.alert\\(1\\)) >>";
        let launch = b"7 0 <</S/Launch/F(calc.exe)>>";
        // The keyword, its line end and the zlib header straddle the 64 KiB boundary at every offset.
        for pad in chunk - 140..chunk - 40 {
            for eol in ["\n", "\r\n"] {
                let js = pdf_with_stream(pad, hidden, eol);
                assert_eq!(check(&js), Err(Reason::PdfScript("/JavaScript，藏在压缩的数据流中")), "{pad} {eol:?}");
                let l = pdf_with_stream(pad, launch, eol);
                assert_eq!(check(&l), Err(Reason::PdfScript("/Launch，藏在压缩的数据流中")), "{pad} {eol:?}");
            }
        }
        // Inside the inflated data too: a name straddling the decoder's chunks.
        for before in [chunk - 6, chunk - 3, chunk + 1] {
            let mut data = vec![b' '; before];
            data.extend_from_slice(b"/S/Java#53cript");
            assert!(check(&pdf_with_stream(10, &data, "\n")).is_err(), "{before}");
        }
        // Clean: the same stream without an action, and names that only start like the keys.
        let clean = pdf_with_stream(10, b"7 0 << /Type /Annot /S /JavaScripts /Launcher 1 /JS >>", "\n");
        assert_eq!(check(&clean), Ok(FileKind::Pdf));
        // `endstream` is no stream keyword; plain bytes that are not zlib are not inflated.
        assert_eq!(check(b"%PDF-1.4\nendstream\n\x78\x9c garbage\nstream\nplain text\nendstream\n"), Ok(FileKind::Pdf));
    }

    /// `ASCII85Decode` of `data` (the encoder of the PDF reference: groups of four bytes as five
    /// base-85 digits, `z` for four zeros, a short last group, `~>`).
    fn a85(data: &[u8]) -> Vec<u8> {
        let mut out = b"<~".to_vec();
        for chunk in data.chunks(4) {
            let mut g = [0u8; 4];
            g[..chunk.len()].copy_from_slice(chunk);
            let v = u32::from_be_bytes(g);
            if v == 0 && chunk.len() == 4 {
                out.push(b'z');
                continue;
            }
            let mut digits = [0u8; 5];
            let mut x = u64::from(v);
            for d in digits.iter_mut().rev() {
                *d = (x % 85) as u8 + b'!';
                x /= 85;
            }
            out.extend_from_slice(&digits[..chunk.len() + 1]);
            if out.len().is_multiple_of(70) {
                out.push(b'\n');
            }
        }
        out.extend_from_slice(b"~>");
        out
    }

    #[test]
    fn scripts_behind_ascii_filters_are_found() {
        let mut hidden = vec![0u8; 300];
        hidden.extend_from_slice(b"7 0 << /S /JavaScript /JS (app.alert\\(1\\)) >>");
        let z = zlib(&hidden);
        let hex: String =
            z.iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().chunks(30).map(|c| c.concat() + "\n").collect();
        for (filter, data) in [("[/ASCIIHexDecode /FlateDecode]", hex.into_bytes()), ("[/A85 /Fl]", a85(&z))] {
            let mut pdf = format!("%PDF-1.7\n5 0 obj\n<< /Type /ObjStm /Filter {filter} >>\nstream\n").into_bytes();
            pdf.extend_from_slice(&data);
            pdf.extend_from_slice(b"\nendstream\nendobj\n");
            assert_eq!(check(&pdf), Err(Reason::PdfScript("/JavaScript，藏在压缩的数据流中")), "{filter}");
            // The same wrapped stream without the action passes.
            let clean = zlib(&hidden[..300]);
            let data = if filter.contains("Hex") {
                clean.iter().map(|b| format!("{b:02x} ")).collect::<String>().into_bytes()
            } else {
                a85(&clean)
            };
            let mut pdf = format!("%PDF-1.7\n5 0 obj\n<< /Filter {filter} >>\nstream\r\n").into_bytes();
            pdf.extend_from_slice(&data);
            pdf.extend_from_slice(b"\nendstream\n");
            assert_eq!(check(&pdf), Ok(FileKind::Pdf), "{filter}");
        }
        // The decoders themselves, a partial last group included.
        let mut out = Vec::new();
        // (Encoded by Python's `base64.a85encode(…, adobe=True)`.)
        A85Decode::new(&b"<~87cURD]i,\"Ebo80~>"[..]).read_to_end(&mut out).unwrap();
        assert_eq!(out, b"Hello World!");
        out.clear();
        A85Decode::new(&b"<~87cURD]j7BEbo7~>"[..]).read_to_end(&mut out).unwrap();
        assert_eq!(out, b"Hello world");
        out.clear();
        HexDecode::new(&b"48 65 6c6C 6\n f7>"[..]).read_to_end(&mut out).unwrap();
        assert_eq!(out, b"Hellop");
    }

    #[test]
    fn escaped_names_are_decoded_in_plain_text() {
        for action in ["/S /Java#53cript", "/S/#4a#61#76#61#53#63#72#69#70#74", "/S /L#61unch"] {
            let pdf = format!("%PDF-1.4\n1 0 obj\n<< /OpenAction << {action} >> >>\nendobj\n");
            assert!(matches!(check(pdf.as_bytes()), Err(Reason::PdfScript(_))), "{action}");
        }
        assert_eq!(check(b"%PDF-1.4\n<< /Java#53crip >> /Launc#68 \n"), Err(Reason::PdfScript("/Launch")));
        assert_eq!(check(b"%PDF-1.4\n<< /Java#53crip /Launc#6a /#4aS >>\n"), Ok(FileKind::Pdf));
    }

    #[test]
    fn inflation_is_bounded() {
        // A stream inflating past the bound is refused before it is inflated to its end.
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        let mb = vec![0u8; 1 << 20];
        for _ in 0..(PDF_MAX_INFLATED >> 20) + 1 {
            z.write_all(&mb).unwrap();
        }
        let data = z.finish().unwrap();
        let mut pdf = b"%PDF-1.7\n1 0 obj\n<< /Filter /FlateDecode >>\nstream\n".to_vec();
        pdf.extend_from_slice(&data);
        pdf.extend_from_slice(b"\nendstream\n");
        assert!(matches!(check(&pdf), Err(Reason::ZipBomb(w)) if w.contains("512 MB")));
        // Too many compressed streams.
        let one = {
            let mut s = b"stream\n".to_vec();
            s.extend_from_slice(&zlib(b"0"));
            s.extend_from_slice(b"\nendstream\n");
            s
        };
        let mut many = b"%PDF-1.7\n".to_vec();
        for _ in 0..=PDF_MAX_STREAMS {
            many.extend_from_slice(&one);
        }
        assert!(matches!(check(&many), Err(Reason::ZipBomb(w)) if w.contains("100000")));
    }
}
