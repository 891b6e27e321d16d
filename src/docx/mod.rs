//! Editable drafts (.docx, Office Open XML WordprocessingML) of the documents, for 核稿 and 签发
//! in WPS or Word. The PDF (and OFD) stay the record; the .docx is the draft people mark up.
//!
//! Built from the same view models as the PDF (`render::view`), with the fixed wording of the
//! layout library read from `lib/phrases.typ` of the same template set ([`Phrases`]), so the
//! draft says what the PDF says. Layout numbers follow `templates/lib/README.md` §L1–§L9.
//!
//! - [`body`]: paragraphs, runs and tables as WordprocessingML elements (text escaped by the
//!   writer of [`crate::ofd::xml`]), and Markdown narratives as runs.
//! - [`documents`]: one function per document kind, view model → body and section properties.
//! - this module: the package (styles, settings, font table, footers with the page number,
//!   properties) zipped with fixed entry order and timestamps, so the same inputs give the same
//!   bytes.
//!
//! WPS first: no theme fonts (every run names its East Asian font), no fields but `PAGE`, no
//! content controls; every table has `tblW`, `tblGrid` and `tcW` that agree.

pub mod body;
pub mod documents;

use std::collections::BTreeMap;

use crate::data::model::Date;
use crate::engine::fonts::Role;
use crate::ofd::xml::El;
use crate::render::view::{BriefingView, LeaderView, NoticeView, OrderView};
use body::{twips_pt, Rgb};

/// The WordprocessingML namespace.
pub const W_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
/// The relationships namespace (for `r:id`).
pub const R_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// The view model of one document, as the PDF was made from it.
#[derive(Debug, Clone)]
pub enum DocView {
    Notice(Box<NoticeView>),
    Briefing(Box<BriefingView>),
    Leader(Box<LeaderView>),
    Order(Box<OrderView>),
}

/// What the package says about itself (`docProps/core.xml`).
#[derive(Debug, Clone)]
pub struct Meta {
    pub title: String,
    /// 发文机关.
    pub author: String,
    /// The issue date: creation and modification time, and the zip entries' times.
    pub date: Date,
}

/// The fixed phrases of `lib/phrases.typ`: the one copy the PDF's layout library and the .docx
/// share (a template override on disk changes both).
#[derive(Debug, Clone)]
pub struct Phrases(BTreeMap<String, String>);

impl Phrases {
    /// Reads the `phrases` dictionary of `lib/phrases.typ` (`key: "text",` pairs) with Typst's
    /// own parser, so escapes mean what they mean to Typst. `origin` names the file in messages.
    pub fn parse(text: &str, origin: &str) -> Result<Phrases, String> {
        use typst::syntax::ast;
        let root = typst::syntax::parse(text);
        let markup: ast::Markup = root.cast().ok_or_else(|| format!("{origin}：无法解析"))?;
        let mut map = BTreeMap::new();
        for expr in markup.exprs() {
            let ast::Expr::LetBinding(binding) = expr else { continue };
            let names = binding.kind().bindings();
            if names.len() != 1 || names[0].as_str() != "phrases" {
                continue;
            }
            let Some(ast::Expr::Dict(dict)) = binding.init() else {
                return Err(format!("{origin}：phrases 应是一个字典 (key: \"文字\", …)"));
            };
            for item in dict.items() {
                if let ast::DictItem::Named(named) = item {
                    if let ast::Expr::Str(s) = named.expr() {
                        map.insert(named.name().as_str().to_owned(), s.get().to_string());
                    }
                }
            }
        }
        if map.is_empty() {
            return Err(format!("{origin}：没有找到 #let phrases = (…) 字典"));
        }
        Ok(Phrases(map))
    }

    /// The phrases of a template set (`lib/phrases.typ`, built in or overridden).
    pub fn of(templates: &crate::templates::Templates) -> Result<Phrases, String> {
        let text = templates.get("lib/phrases.typ").ok_or("模板 lib/phrases.typ 缺失")?;
        Phrases::parse(text, "templates/lib/phrases.typ")
    }

    /// One phrase; a key the file lacks prints as `{key}` (and the tests compare with the PDF).
    pub fn get(&self, key: &str) -> String {
        self.0.get(key).cloned().unwrap_or_else(|| format!("{{{key}}}"))
    }

    /// A phrase with its placeholders filled in one pass, as `phrase-fill` in phrases.typ does.
    pub fn fill(&self, key: &str, values: &[(&str, &str)]) -> String {
        let template = self.get(key);
        let mut out = String::new();
        let mut rest = template.as_str();
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}').map(|c| open + c) else { break };
            let name = &rest[open + 1..close];
            match values.iter().find(|(k, _)| *k == name) {
                Some((_, v)) => {
                    out.push_str(&rest[..open]);
                    out.push_str(v);
                }
                None => out.push_str(&rest[..=close]),
            }
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        out
    }

    /// The label of a status id (`status-on-track` for `on_track`).
    pub fn status(&self, id: &str) -> String {
        self.get(&format!("status-{}", id.replace('_', "-")))
    }
}

/// The family name a role is written in: the first of its stack (templates/lib/README.md §L10),
/// the bundled face's family name, so the draft looks like the PDF where the fonts are installed.
pub fn family(role: Role) -> &'static str {
    role.stack()[0]
}

/// Writes the document as a .docx package.
pub fn write(view: &DocView, phrases: &Phrases, meta: &Meta) -> Result<Vec<u8>, String> {
    let doc = documents::document(view, phrases);
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("[Content_Types].xml".into(), content_types(doc.numbered).to_document()),
        ("_rels/.rels".into(), package_rels().to_document()),
        ("docProps/core.xml".into(), core(meta).to_document()),
        ("docProps/app.xml".into(), app().to_document()),
        ("word/document.xml".into(), doc.xml.to_document()),
        ("word/styles.xml".into(), styles().to_document()),
        ("word/settings.xml".into(), settings(doc.numbered).to_document()),
        ("word/fontTable.xml".into(), font_table().to_document()),
        ("word/_rels/document.xml.rels".into(), document_rels(doc.numbered).to_document()),
    ];
    if doc.numbered {
        files.push(("word/footer1.xml".into(), footer(phrases, true).to_document()));
        files.push(("word/footer2.xml".into(), footer(phrases, false).to_document()));
    }
    crate::ofd::zip_files(&files, meta.date).map_err(|e| format!("DOCX 打包失败：{e}"))
}

fn content_types(numbered: bool) -> El {
    let ct = "application/vnd.openxmlformats-officedocument.wordprocessingml";
    let over = |part: &str, ty: String| El::named("Override").attr("PartName", part).attr("ContentType", ty);
    let mut el = El::named("Types")
        .attr("xmlns", "http://schemas.openxmlformats.org/package/2006/content-types")
        .child(
            El::named("Default")
                .attr("Extension", "rels")
                .attr("ContentType", "application/vnd.openxmlformats-package.relationships+xml"),
        )
        .child(El::named("Default").attr("Extension", "xml").attr("ContentType", "application/xml"))
        .child(over("/word/document.xml", format!("{ct}.document.main+xml")))
        .child(over("/word/styles.xml", format!("{ct}.styles+xml")))
        .child(over("/word/settings.xml", format!("{ct}.settings+xml")))
        .child(over("/word/fontTable.xml", format!("{ct}.fontTable+xml")))
        .child(over("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml".into()))
        .child(over(
            "/docProps/app.xml",
            "application/vnd.openxmlformats-officedocument.extended-properties+xml".into(),
        ));
    if numbered {
        el.push(over("/word/footer1.xml", format!("{ct}.footer+xml")));
        el.push(over("/word/footer2.xml", format!("{ct}.footer+xml")));
    }
    el
}

fn rel(id: &str, ty: &str, target: &str) -> El {
    El::named("Relationship").attr("Id", id).attr("Type", ty).attr("Target", target)
}

const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

fn package_rels() -> El {
    El::named("Relationships")
        .attr("xmlns", "http://schemas.openxmlformats.org/package/2006/relationships")
        .child(rel("rId1", &format!("{REL}/officeDocument"), "word/document.xml"))
        .child(rel(
            "rId2",
            "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties",
            "docProps/core.xml",
        ))
        .child(rel("rId3", &format!("{REL}/extended-properties"), "docProps/app.xml"))
}

fn document_rels(numbered: bool) -> El {
    let mut el = El::named("Relationships")
        .attr("xmlns", "http://schemas.openxmlformats.org/package/2006/relationships")
        .child(rel("rIdStyles", &format!("{REL}/styles"), "styles.xml"))
        .child(rel("rIdSettings", &format!("{REL}/settings"), "settings.xml"))
        .child(rel("rIdFonts", &format!("{REL}/fontTable"), "fontTable.xml"));
    if numbered {
        el.push(rel(body::FOOTER_ODD, &format!("{REL}/footer"), "footer1.xml"));
        el.push(rel(body::FOOTER_EVEN, &format!("{REL}/footer"), "footer2.xml"));
    }
    el
}

fn core(meta: &Meta) -> El {
    let when = format!("{:04}-{:02}-{:02}T00:00:00Z", meta.date.year, meta.date.month, meta.date.day);
    let stamp = |name: &str| El::named(name).attr("xsi:type", "dcterms:W3CDTF").text(when.clone());
    El::named("cp:coreProperties")
        .attr("xmlns:cp", "http://schemas.openxmlformats.org/package/2006/metadata/core-properties")
        .attr("xmlns:dc", "http://purl.org/dc/elements/1.1/")
        .attr("xmlns:dcterms", "http://purl.org/dc/terms/")
        .attr("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance")
        .child(El::named("dc:title").text(meta.title.clone()))
        .child(El::named("dc:creator").text(meta.author.clone()))
        .child(El::named("cp:lastModifiedBy").text(meta.author.clone()))
        .child(stamp("dcterms:created"))
        .child(stamp("dcterms:modified"))
}

fn app() -> El {
    El::named("Properties")
        .attr("xmlns", "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties")
        .child(El::named("Application").text(format!("ducha {}", env!("CARGO_PKG_VERSION"))))
}

/// The run fonts of a role: every script slot named, East Asian first, no theme font.
pub fn run_fonts(role: Role) -> El {
    let f = family(role);
    El::named("w:rFonts")
        .attr("w:ascii", f)
        .attr("w:hAnsi", f)
        .attr("w:eastAsia", f)
        .attr("w:cs", f)
        .attr("w:hint", "eastAsia")
}

fn styles() -> El {
    // Defaults: 3号 (16 pt) 仿宋, black, Chinese; lines at the pitch P = 28.95 pt, exact, no
    // paragraph spacing (templates/lib/README.md §L1).
    let rpr = El::named("w:rPr")
        .child(run_fonts(Role::Fangsong))
        .child(El::named("w:color").attr("w:val", "000000"))
        .child(El::named("w:kern").attr("w:val", "0"))
        .child(El::named("w:sz").attr("w:val", "32"))
        .child(El::named("w:szCs").attr("w:val", "32"))
        .child(El::named("w:lang").attr("w:val", "en-US").attr("w:eastAsia", "zh-CN").attr("w:bidi", "ar-SA"));
    let ppr = El::named("w:pPr")
        .child(
            El::named("w:spacing")
                .attr("w:before", 0)
                .attr("w:after", 0)
                .attr("w:line", body::PITCH)
                .attr("w:lineRule", "exact"),
        )
        .child(El::named("w:jc").attr("w:val", "both"));
    let defaults = El::named("w:docDefaults")
        .child(El::named("w:rPrDefault").child(rpr))
        .child(El::named("w:pPrDefault").child(ppr));
    // Children in the schema's order (name, basedOn, qFormat, pPr, rPr): Word is strict about it.
    let style = |id: &str, name: &str, ppr: El, rpr: El| {
        El::named("w:style")
            .attr("w:type", "paragraph")
            .attr("w:styleId", id)
            .child(El::named("w:name").attr("w:val", name))
            .child(El::named("w:basedOn").attr("w:val", "Normal"))
            .child(El::named("w:qFormat"))
            .child(ppr)
            .child(rpr)
    };
    // Body: first line 2 grid characters in (§L1), in characters for WPS/Word and in twips for
    // LibreOffice.
    let indent = || El::named("w:ind").attr("w:firstLineChars", 200).attr("w:firstLine", 2 * body::CH);
    let normal = El::named("w:style")
        .attr("w:type", "paragraph")
        .attr("w:default", "1")
        .attr("w:styleId", "Normal")
        .child(El::named("w:name").attr("w:val", "Normal"))
        .child(El::named("w:qFormat"))
        // The section's grid is 22 × 28 (WPS and Word show it in 页面设置), but the text does not
        // snap to it: LibreOffice gives a 16 pt character two cells of a 15.79 pt grid, 17 to a
        // line. The same 28 characters come from the tracking instead: −0.25 pt (`TR` = −0.207 pt
        // of §L1, rounded to whole twips away from zero so that 28 fit), lines at the exact pitch.
        .child(
            El::named("w:pPr")
                .child(El::named("w:widowControl").attr("w:val", "0"))
                // No extra space between Chinese and Latin or digits (Typst `cjk-latin-spacing:
                // none`, §L1). Punctuation may hang past the line end (the Word/WPS default):
                // LibreOffice 7.4 drops a line-final "，" otherwise.
                .child(El::named("w:overflowPunct").attr("w:val", "1"))
                .child(El::named("w:autoSpaceDE").attr("w:val", "0"))
                .child(El::named("w:autoSpaceDN").attr("w:val", "0"))
                .child(El::named("w:snapToGrid").attr("w:val", "0"))
                .child(indent()),
        )
        .child(
            El::named("w:rPr")
                .child(run_fonts(Role::Fangsong))
                .child(El::named("w:spacing").attr("w:val", body::TRACKING))
                .child(El::named("w:sz").attr("w:val", "32"))
                .child(El::named("w:szCs").attr("w:val", "32")),
        );
    // Headings 一、 黑体 and （一） 楷体, 3号, regular weight (§L2), indented like the body.
    let heading = |id: &str, name: &str, level: u32, role: Role| {
        style(
            id,
            name,
            El::named("w:pPr")
                .child(El::named("w:keepNext"))
                .child(indent())
                .child(El::named("w:outlineLvl").attr("w:val", level)),
            El::named("w:rPr").child(run_fonts(role)),
        )
    };
    let table_normal = El::named("w:style")
        .attr("w:type", "table")
        .attr("w:default", "1")
        .attr("w:styleId", "TableNormal")
        .child(El::named("w:name").attr("w:val", "Normal Table"))
        .child(
            El::named("w:tblPr").child(El::named("w:tblInd").attr("w:w", 0).attr("w:type", "dxa")).child(
                El::named("w:tblCellMar")
                    .child(El::named("w:left").attr("w:w", 60).attr("w:type", "dxa"))
                    .child(El::named("w:right").attr("w:w", 60).attr("w:type", "dxa")),
            ),
        );
    El::named("w:styles")
        .attr("xmlns:w", W_NS)
        .child(defaults)
        .child(normal)
        .child(heading("Heading1", "heading 1", 0, Role::Heiti))
        .child(heading("Heading2", "heading 2", 1, Role::Kaiti))
        .child(table_normal)
}

fn settings(numbered: bool) -> El {
    // Children in the schema's order.
    let mut el =
        El::named("w:settings").attr("xmlns:w", W_NS).child(El::named("w:defaultTabStop").attr("w:val", 2 * body::CH));
    if numbered {
        // Odd pages number on the right, even pages on the left (§L8).
        el.push(El::named("w:evenAndOddHeaders"));
    }
    el.child(El::named("w:characterSpacingControl").attr("w:val", "doNotCompress"))
        .child(
            El::named("w:compat")
                // A line ended by a manual break is not stretched in justified text (as in Typst).
                .child(El::named("w:doNotExpandShiftReturn"))
                .child(
                    El::named("w:compatSetting")
                        .attr("w:name", "compatibilityMode")
                        .attr("w:uri", "http://schemas.microsoft.com/office/word")
                        .attr("w:val", 15),
                ),
        )
        .child(El::named("w:themeFontLang").attr("w:val", "en-US").attr("w:eastAsia", "zh-CN"))
}

fn font_table() -> El {
    let mut el = El::named("w:fonts").attr("xmlns:w", W_NS);
    let mut seen = Vec::new();
    for role in Role::ALL {
        let f = family(role);
        if seen.contains(&f) {
            continue;
        }
        seen.push(f);
        el.push(
            El::named("w:font")
                .attr("w:name", f)
                // GB2312 character set: WPS and Word pick the face for Chinese text by it.
                .child(El::named("w:charset").attr("w:val", "86"))
                .child(El::named("w:family").attr("w:val", if role == Role::Heiti { "modern" } else { "roman" }))
                .child(El::named("w:pitch").attr("w:val", "variable")),
        );
    }
    el
}

/// The footer of odd (`odd`) or even pages: "— N —" in 4号宋体, 1 character (14 pt) in from the
/// type area's outer edge (templates/lib/README.md §L8). `PAGE` is the only field in the package.
fn footer(phrases: &Phrases, odd: bool) -> El {
    let text = phrases.get("page-number");
    let (before, after) = text.split_once("{n}").unwrap_or((text.as_str(), ""));
    let rpr = || {
        El::named("w:rPr")
            .child(run_fonts(Role::Songti))
            .child(El::named("w:sz").attr("w:val", 28))
            .child(El::named("w:szCs").attr("w:val", 28))
    };
    let run = |child: El| El::named("w:r").child(rpr()).child(child);
    let t = |s: &str| El::named("w:t").attr("xml:space", "preserve").text(s);
    let ind = if odd { ("w:right", twips_pt(14.0)) } else { ("w:left", twips_pt(14.0)) };
    let p = El::named("w:p")
        .child(
            El::named("w:pPr")
                .child(El::named("w:snapToGrid").attr("w:val", 0))
                .child(El::named("w:spacing").attr("w:line", twips_pt(14.0)).attr("w:lineRule", "exact"))
                .child(El::named("w:ind").attr("w:firstLine", 0).attr(ind.0, ind.1))
                .child(El::named("w:jc").attr("w:val", if odd { "right" } else { "left" })),
        )
        .child(run(t(before)))
        .child(run(El::named("w:fldChar").attr("w:fldCharType", "begin")))
        .child(run(El::named("w:instrText").attr("xml:space", "preserve").text(" PAGE ")))
        .child(run(El::named("w:fldChar").attr("w:fldCharType", "separate")))
        .child(run(t("1")))
        .child(run(El::named("w:fldChar").attr("w:fldCharType", "end")))
        .child(run(t(after)));
    El::named("w:ftr").attr("xmlns:w", W_NS).attr("xmlns:r", R_NS).child(p)
}

/// Red of the 红头 and its rules: the sRGB equivalent of `cmyk(0%, 80%, 80%, 0%)` that
/// gongwen.typ uses under PDF/A (`rgb(94.5%, 35.3%, 25.1%)`, templates/lib/README.md §L3).
pub const RED: Rgb = Rgb(0xF1, 0x5A, 0x40);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_come_from_the_typst_file() {
        let p = Phrases::of(&crate::templates::Templates::builtin()).unwrap();
        assert_eq!(p.get("cc-label"), "抄送：");
        assert_eq!(p.get("col-ratio"), "完成比例\n序时进度");
        assert_eq!(p.fill("copies", &[("n", "3")]), "（共印3份）");
        assert_eq!(
            p.fill("full-text-head", &[("no", "7"), ("task", "含{unit}的任务"), ("unit", "县局")]),
            "第7项　含{unit}的任务（县局）"
        );
        assert_eq!(p.status("on_track"), "序时推进");
        assert_eq!(p.get("no-such-key"), "{no-such-key}");
    }

    #[test]
    fn a_file_without_the_dictionary_is_an_error() {
        assert!(Phrases::parse("#let x = 1", "x.typ").is_err());
    }
}
