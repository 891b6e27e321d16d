//! OFD output (GB/T 33190-2016, 开放版式文档): the laid-out typst document written as an OFD
//! package, straight from the same `PagedDocument` frames the PDF comes from.
//!
//! - [`page`]: frames → `TextObject` (real text in `TextCode`, glyph positions in
//!   `DeltaX`/`DeltaY`, `CGTransform` where glyphs and characters do not map one to one),
//!   `PathObject` (rules, table lines, the red mark's lines, chart shapes) and `ImageObject`.
//! - [`font`]: every face embedded as a subset, with a `cmap` for the characters it draws.
//! - [`tags`]: the 公文 elements as OFD custom tags pointing at page objects.
//! - [`xml`]: a small element tree written through quick-xml.
//!
//! The package is a zip with fixed entry order and timestamps, so the same document gives the
//! same bytes. For the archive, [`Meta::archival`] makes it OFD-A with the sources attached.

pub mod font;
pub mod page;
pub mod tags;
pub mod xml;

use std::io::{Cursor, Write};

use sha2::{Digest, Sha256};
use typst::model::Document;
use typst::text::Font;
use typst_layout::PagedDocument;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::data::model::Date;
use font::FontUse;
use page::{mm, PageWriter};
use xml::{num, nums, El, OFD_NS};

/// What the document says about itself (`DocInfo`) and, for the archive, what it carries.
#[derive(Debug, Clone)]
pub struct Meta {
    pub title: String,
    /// 发文机关.
    pub author: String,
    /// The issue date: `CreationDate`, and the packages' file times.
    pub date: Date,
    /// 文号 (or 期号), in `CustomDatas`.
    pub number: String,
    /// A stable identifier (the PDF ident); the `DocID` is derived from it.
    pub ident: String,
    /// OFD-A (`DocType="OFD-A"`) for the archive.
    pub archival: bool,
    /// More `CustomData` entries after the 文号: for the archive the archival description the
    /// PDF/A carries (档号, 全宗号, 保管期限, …), as (name, value).
    pub custom: Vec<(String, String)>,
    /// Attached files: (name shown, bytes).
    pub attachments: Vec<(String, Vec<u8>)>,
}

/// Allocates the document's unit ids (`ST_ID`, unique in the document).
#[derive(Debug, Default)]
pub struct Ids(u32);

impl Ids {
    /// The next id.
    pub fn alloc(&mut self) -> u32 {
        self.0 += 1;
        self.0
    }
}

/// The document's shared resources: fonts, images and the CMYK colour space.
#[derive(Default)]
pub struct Resources {
    fonts: Vec<FontUse>,
    /// (id, format, bytes, sha256)
    images: Vec<(u32, String, Vec<u8>, [u8; 32])>,
    /// The `ColorSpace Type="CMYK"` resource, made when a CMYK colour is first drawn.
    cmyk: Option<u32>,
}

impl Resources {
    /// The id of the document's CMYK colour space, created on first use.
    pub fn cmyk(&mut self, ids: &mut Ids) -> u32 {
        *self.cmyk.get_or_insert_with(|| ids.alloc())
    }

    /// The face's resource, created on first use.
    pub fn font(&mut self, font: &Font, ids: &mut Ids) -> &mut FontUse {
        // Faces are told apart by their data's address and index: comparing fonts compares
        // megabytes of font data.
        let key = (font.data().as_slice().as_ptr(), font.index());
        let i = match self.fonts.iter().position(|f| (f.font.data().as_slice().as_ptr(), f.font.index()) == key) {
            Some(i) => i,
            None => {
                self.fonts.push(FontUse::new(font.clone(), ids.alloc()));
                self.fonts.len() - 1
            }
        };
        &mut self.fonts[i]
    }

    /// The image's resource id (one resource per distinct image).
    pub fn image(&mut self, data: &[u8], format: &str, ids: &mut Ids) -> u32 {
        let hash: [u8; 32] = Sha256::digest(data).into();
        if let Some(i) = self.images.iter().find(|i| i.3 == hash) {
            return i.0;
        }
        let id = ids.alloc();
        self.images.push((id, format.to_owned(), data.to_vec(), hash));
        id
    }
}

/// Writes the document as an OFD package.
pub fn write(document: &PagedDocument, meta: &Meta) -> Result<Vec<u8>, String> {
    let mut ids = Ids::default();
    let mut res = Resources::default();
    let mut pages = Vec::new();
    let mut tagged: Vec<tags::Tagged> = Vec::new();
    let mut area = (210.0, 297.0);
    let mut walk = page::TagWalk::default();
    for (i, p) in document.pages().iter().enumerate() {
        let page_id = ids.alloc();
        let (el, tags) = PageWriter::new(&mut ids, &mut res, &mut walk, page_id).page(&p.frame);
        if i == 0 {
            area = (mm(p.frame.width().to_pt()), mm(p.frame.height().to_pt()));
        }
        tagged.extend(tags);
        pages.push((page_id, el));
    }

    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    files.push(("OFD.xml".into(), ofd_xml(document, meta).to_document()));

    // Document.xml. MaxUnitID is the largest id in use (GB/T 33190, CommonData: "当前文档中所有
    // 对象使用标识的最大值"); every id is allocated by now.
    let mut common = El::ofd("CommonData")
        .child(El::ofd_text("MaxUnitID", ids.0.to_string()))
        .child(El::ofd("PageArea").child(El::ofd_text("PhysicalBox", nums(&[0.0, 0.0, area.0, area.1]))))
        .child(El::ofd_text("PublicRes", "PublicRes.xml"));
    if !res.images.is_empty() {
        common.push(El::ofd_text("DocumentRes", "DocumentRes.xml"));
    }
    let mut pages_el = El::ofd("Pages");
    for (i, (id, _)) in pages.iter().enumerate() {
        pages_el.push(El::ofd("Page").attr("ID", id).attr("BaseLoc", format!("Pages/Page_{i}/Content.xml")));
    }
    let mut doc = El::ofd("Document").attr("xmlns:ofd", OFD_NS).child(common).child(pages_el);
    if !tagged.is_empty() {
        doc.push(El::ofd_text("CustomTags", "Tags/CustomTags.xml"));
    }
    if !meta.attachments.is_empty() {
        doc.push(El::ofd_text("Attachments", "Attachs/Attachments.xml"));
    }
    files.push(("Doc_0/Document.xml".into(), doc.to_document()));

    // Fonts (PublicRes) and images (DocumentRes).
    let mut fonts_el = El::ofd("Fonts");
    let mut font_files = Vec::new();
    // Subsetting is most of an OFD's cost: one thread per font.
    let subsets: Vec<Result<Vec<u8>, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = res.fonts.iter().map(|f| scope.spawn(|| f.subset())).collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("字体子集化失败（内部错误）".to_owned()))).collect()
    });
    for (f, subset) in res.fonts.iter().zip(subsets) {
        let info = f.font.info();
        let name = f.file_name();
        let mut el = El::ofd("Font").attr("ID", f.id).attr("FontName", &info.family).attr("FamilyName", &info.family);
        if info.variant.weight.to_number() >= 600 {
            el = el.attr("Bold", "true");
        }
        fonts_el.push(el.child(El::ofd_text("FontFile", &name)));
        font_files.push((format!("Doc_0/Res/{name}"), subset?));
    }
    let mut public = El::ofd("Res").attr("xmlns:ofd", OFD_NS).attr("BaseLoc", "Res");
    if let Some(id) = res.cmyk {
        public.push(
            El::ofd("ColorSpaces")
                .child(El::ofd("ColorSpace").attr("ID", id).attr("Type", "CMYK").attr("BitsPerComponent", 8)),
        );
    }
    public.push(fonts_el);
    files.push(("Doc_0/PublicRes.xml".into(), public.to_document()));
    if !res.images.is_empty() {
        let mut media = El::ofd("MultiMedias");
        for (id, format, data, _) in &res.images {
            let name = format!("image_{id}.{}", format.to_lowercase());
            media.push(
                El::ofd("MultiMedia")
                    .attr("ID", id)
                    .attr("Type", "Image")
                    .attr("Format", format)
                    .child(El::ofd_text("MediaFile", &name)),
            );
            font_files.push((format!("Doc_0/Res/{name}"), data.clone()));
        }
        let docres = El::ofd("Res").attr("xmlns:ofd", OFD_NS).attr("BaseLoc", "Res").child(media);
        files.push(("Doc_0/DocumentRes.xml".into(), docres.to_document()));
    }
    files.extend(font_files);

    for (i, (_, el)) in pages.iter().enumerate() {
        files.push((format!("Doc_0/Pages/Page_{i}/Content.xml"), el.to_document()));
    }

    if !tagged.is_empty() {
        let custom = El::ofd("CustomTags")
            .attr("xmlns:ofd", OFD_NS)
            .child(El::ofd("CustomTag").attr("NameSpace", tags::NS).child(El::ofd_text("FileLoc", "GongWen.xml")));
        files.push(("Doc_0/Tags/CustomTags.xml".into(), custom.to_document()));
        files.push(("Doc_0/Tags/GongWen.xml".into(), tags::tag_file(&tagged).to_document()));
    }

    if !meta.attachments.is_empty() {
        let mut list = El::ofd("Attachments").attr("xmlns:ofd", OFD_NS);
        for (i, (name, data)) in meta.attachments.iter().enumerate() {
            let ext = name.rsplit_once('.').map(|(_, e)| e).filter(|e| e.chars().all(|c| c.is_ascii_alphanumeric()));
            let file = match ext {
                Some(e) => format!("attach_{i}.{e}"),
                None => format!("attach_{i}"),
            };
            // The attachment's ID is an `xs:ID` (an XML name, not a number), unlike the ids of
            // page objects and resources.
            list.push(
                El::ofd("Attachment")
                    .attr("ID", format!("attach_{i}"))
                    .attr("Name", name)
                    .attr("Format", ext.unwrap_or(""))
                    .attr("CreationDate", format!("{}T00:00:00", iso_date(meta.date)))
                    .attr("Size", num(data.len() as f64 / 1024.0))
                    .attr("Visible", "true")
                    .attr("Usage", "none")
                    .child(El::ofd_text("FileLoc", &file)),
            );
            files.push((format!("Doc_0/Attachs/{file}"), data.clone()));
        }
        files.push(("Doc_0/Attachs/Attachments.xml".into(), list.to_document()));
    }

    zip_files(&files, meta.date).map_err(|e| format!("OFD 打包失败：{e}"))
}

/// `OFD.xml`. Title, author and keywords are the typst document's own (`set document`), as the
/// PDF's metadata has them, so that the two files describe the document alike; `meta` stands in
/// where the document sets none.
fn ofd_xml(document: &PagedDocument, meta: &Meta) -> El {
    let doc_info = document.info();
    let doc_id: String = Sha256::digest(meta.ident.as_bytes()).iter().take(16).map(|b| format!("{b:02x}")).collect();
    let title = doc_info.title.as_deref().unwrap_or(&meta.title);
    // Joined as the PDF export joins them (krilla: ", ").
    let author = if doc_info.author.is_empty() {
        meta.author.clone()
    } else {
        doc_info.author.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(", ")
    };
    let mut info = El::ofd("DocInfo")
        .child(El::ofd_text("DocID", doc_id))
        .child(El::ofd_text("Title", title))
        .child(El::ofd_text("Author", author))
        .child(El::ofd_text("CreationDate", iso_date(meta.date)));
    if !doc_info.keywords.is_empty() {
        let mut kw = El::ofd("Keywords");
        for k in &doc_info.keywords {
            kw.push(El::ofd_text("Keyword", k.as_str()));
        }
        info.push(kw);
    }
    info.push(El::ofd_text("Creator", "ducha"));
    info.push(El::ofd_text("CreatorVersion", env!("CARGO_PKG_VERSION")));
    let custom: Vec<(&str, &str)> = (!meta.number.is_empty())
        .then_some(("文号", meta.number.as_str()))
        .into_iter()
        .chain(meta.custom.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .collect();
    if !custom.is_empty() {
        let mut datas = El::ofd("CustomDatas");
        for (name, value) in custom {
            datas.push(El::ofd_text("CustomData", value).attr("Name", name));
        }
        info.push(datas);
    }
    El::ofd("OFD")
        .attr("xmlns:ofd", OFD_NS)
        .attr("Version", "1.0")
        .attr("DocType", if meta.archival { "OFD-A" } else { "OFD" })
        .child(El::ofd("DocBody").child(info).child(El::ofd_text("DocRoot", "Doc_0/Document.xml")))
}

fn iso_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
}

/// A zip of `files` in the given order, every entry dated `date` (midnight): the same files give
/// the same bytes. Also the .docx package (`crate::docx`).
pub(crate) fn zip_files(files: &[(String, Vec<u8>)], date: Date) -> Result<Vec<u8>, zip::result::ZipError> {
    let time = zip::DateTime::from_date_and_time(date.year as u16, date.month, date.day, 0, 0, 0).unwrap_or_default();
    let opts = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        // Level 3: 2–3 times faster than the default for a few per cent in size.
        .compression_level(Some(3))
        .last_modified_time(time)
        .unix_permissions(0o644);
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in files {
        zip.start_file(name.as_str(), opts)?;
        zip.write_all(data)?;
    }
    Ok(zip.finish()?.into_inner())
}
