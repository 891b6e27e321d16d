//! 公文 element tags: which typst labels mark which element, and the custom tag file that
//! points from each element to the page objects that draw it.
//!
//! The layout library (templates/lib/gongwen.typ) puts a label `<gw-…>` on each element of the
//! 版头, 主体 and 版记; the page walk collects the ids of the objects drawn between the label's
//! start and end tags. See docs/ofd.md for the element list and the file's form.

use super::xml::{El, OFD_NS};

/// Namespace of the tag file.
pub const NS: &str = "urn:ducha:gongwen:gbt33476";

/// Label → element name (GB/T 9704 / GB/T 33476 elements of a 公文).
pub const ELEMENTS: [(&str, &str); 13] = [
    ("gw-copy", "份号"),
    ("gw-mark", "发文机关标志"),
    ("gw-number", "发文字号"),
    ("gw-title", "标题"),
    ("gw-recipients", "主送机关"),
    ("gw-body", "正文"),
    ("gw-attachments", "附件说明"),
    ("gw-signature", "发文机关署名"),
    ("gw-date", "成文日期"),
    ("gw-note", "附注"),
    ("gw-cc", "抄送机关"),
    ("gw-printer", "印发机关和印发日期"),
    ("gw-page-number", "页码"),
];

/// The element a label marks, if it is one of ours.
pub fn element_of(label: &str) -> Option<&'static str> {
    ELEMENTS.iter().find(|(l, _)| *l == label).map(|(_, e)| *e)
}

/// The tag file: root `公文`, one child per element occurrence in document order, each with
/// the `ofd:ObjectRef`s (page id, object id) of the objects that draw it.
pub fn tag_file(tagged: &[(u32, &'static str, Vec<u32>)]) -> El {
    let mut root = El::named("gw:公文").attr("xmlns:gw", NS).attr("xmlns:ofd", OFD_NS);
    for (page, element, objects) in tagged {
        let mut el = El::named(format!("gw:{element}"));
        for o in objects {
            el.push(El::ofd_text("ObjectRef", o.to_string()).attr("PageRef", page));
        }
        root.push(el);
    }
    root
}
