//! 公文 element tags: which typst labels mark which element, and the custom tag file that
//! points from each element to the page objects that draw it.
//!
//! The layout library (templates/lib/gongwen.typ, notice.typ) puts a label `<gw-…>` on each
//! element of the 版头, 主体 and 版记, on the 版头 and the 版记 as wholes, and a pair of marker
//! labels around what no single element holds (the 正文, which the layout splits to keep its
//! last paragraph with the 署名; the 附注; each 附件). The page walk collects the ids of the objects drawn
//! between an element's start and end tags (or between the markers); the page footer, a typst
//! artifact, is the 页码. See docs/ofd.md for the element list and the file's form.

use super::xml::{El, OFD_NS};

/// Namespace of the tag file.
pub const NS: &str = "urn:ducha:gongwen:gbt33476";

/// Label → element name (GB/T 9704 / GB/T 33476 elements of a 公文, and the 版头 and 版记 as
/// wholes).
pub const ELEMENTS: [(&str, &str); 15] = [
    ("gw-head", "版头"),
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
    ("gw-banji", "版记"),
    ("gw-cc", "抄送机关"),
    ("gw-printer", "印发机关和印发日期"),
    ("gw-page-number", "页码"),
];

/// Marker label pairs (start, end, element) for elements no single typst element holds.
pub const MARKERS: [(&str, &str, &str); 3] = [
    ("gw-body-start", "gw-body-end", "正文"),
    ("gw-note-start", "gw-note-end", "附注"),
    ("gw-attachment-start", "gw-attachment-end", "附件"),
];

/// Elements that hold only their text objects: the 版记's rows draw the rule above them, and
/// that rule belongs to the 版记.
pub const TEXT_ONLY: [&str; 3] = ["主送机关", "抄送机关", "印发机关和印发日期"];

/// The parts of a 公文 (GB/T 9704-2012 §7.1): every element but the 页码 belongs to one.
const GROUPS: [(&str, &[&str]); 3] = [
    ("版头", &["份号", "密级和保密期限", "紧急程度", "发文机关标志", "发文字号", "签发人"]),
    ("主体", &["标题", "主送机关", "正文", "附件说明", "发文机关署名", "成文日期", "印章", "附注", "附件"]),
    ("版记", &["抄送机关", "印发机关和印发日期"]),
];

/// What a label of ours marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    /// The labelled typst element is the 公文 element.
    Element(&'static str),
    /// The element starts here (a marker label).
    Start(&'static str),
    /// The element ends here (a marker label).
    End(&'static str),
}

/// What a label marks, if it is one of ours.
pub fn label(label: &str) -> Option<Label> {
    if let Some((_, e)) = ELEMENTS.iter().find(|(l, _)| *l == label) {
        return Some(Label::Element(e));
    }
    MARKERS.iter().find_map(|(start, end, e)| {
        if *start == label {
            Some(Label::Start(e))
        } else if *end == label {
            Some(Label::End(e))
        } else {
            None
        }
    })
}

/// What one page draws of one occurrence of an element.
#[derive(Debug, Clone)]
pub struct Tagged {
    /// The page's id.
    pub page: u32,
    pub element: &'static str,
    /// Numbers the occurrence in the document (one element broken across pages: one number).
    pub occurrence: u32,
    /// The ids of the objects drawn.
    pub objects: Vec<u32>,
}

/// The tag file: root `公文` holding `版头`, `主体` and `版记` (GB/T 9704's three parts, in that
/// order, each written when the document has any of it), then one `页码` per numbered page.
/// Each part holds its elements, one per occurrence in document order, each with the
/// `ofd:ObjectRef`s (page id, object id) of the objects that draw it, on every page it spans;
/// a part's own `ofd:ObjectRef`s (after its elements) are the objects it draws outside any
/// element — the red rule of the 版头, the rules of the 版记. An element drawn inside the 版记
/// (主送机关 there) belongs to the 版记.
pub fn tag_file(tagged: &[Tagged]) -> El {
    let is_part = |e: &str| GROUPS.iter().any(|(g, _)| *g == e);
    let part_of = |t: &Tagged| -> Option<&'static str> {
        // Drawn inside a 版头 or 版记: that part.
        let first = t.objects.first();
        let inside = tagged.iter().find(|p| {
            p.page == t.page
                && (p.element == "版头" || p.element == "版记")
                && first.is_some_and(|o| p.objects.contains(o))
        });
        if let Some(p) = inside {
            return Some(p.element);
        }
        GROUPS.iter().find(|(_, members)| members.contains(&t.element)).map(|(g, _)| *g)
    };
    let refs = |el: &mut El, page: u32, objects: &[u32]| {
        for o in objects {
            el.push(El::ofd_text("ObjectRef", o.to_string()).attr("PageRef", page));
        }
    };
    // Occurrences in document order, each with its parts on every page.
    let mut occurrences: Vec<(&'static str, u32, Vec<&Tagged>)> = Vec::new();
    for t in tagged {
        match occurrences.iter_mut().find(|(_, o, _)| *o == t.occurrence) {
            Some((_, _, parts)) => parts.push(t),
            None => occurrences.push((t.element, t.occurrence, vec![t])),
        }
    }
    let mut root = El::named("gw:公文").attr("xmlns:gw", NS).attr("xmlns:ofd", OFD_NS);
    for (group, _) in GROUPS {
        let mut part = El::named(format!("gw:{group}"));
        let mut any = false;
        let mut claimed: Vec<u32> = Vec::new();
        for (element, _, parts) in &occurrences {
            if is_part(element) || part_of(parts[0]) != Some(group) {
                continue;
            }
            let mut el = El::named(format!("gw:{element}"));
            for p in parts {
                refs(&mut el, p.page, &p.objects);
                claimed.extend(&p.objects);
            }
            part.push(el);
            any = true;
        }
        for p in tagged.iter().filter(|t| t.element == group) {
            let own: Vec<u32> = p.objects.iter().copied().filter(|o| !claimed.contains(o)).collect();
            refs(&mut part, p.page, &own);
            any = true;
        }
        if any {
            root.push(part);
        }
    }
    for p in tagged.iter().filter(|t| t.element == "页码") {
        let mut el = El::named("gw:页码");
        refs(&mut el, p.page, &p.objects);
        root.push(el);
    }
    root
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(page: u32, element: &'static str, occurrence: u32, objects: &[u32]) -> Tagged {
        Tagged { page, element, occurrence, objects: objects.to_vec() }
    }

    #[test]
    fn parts_hold_their_elements_and_own_objects() {
        let tagged = [
            t(1, "发文机关标志", 2, &[3]),
            t(1, "版头", 1, &[3, 4]),
            t(1, "正文", 3, &[5, 6]),
            t(7, "正文", 3, &[8]),
            t(7, "页码", 4, &[9]),
            t(7, "抄送机关", 6, &[11]),
            t(7, "版记", 5, &[10, 11, 12]),
        ];
        let xml = String::from_utf8(tag_file(&tagged).to_document()).unwrap();
        let head = xml.find("<gw:版头>").unwrap();
        let body = xml.find("<gw:主体>").unwrap();
        let end = xml.find("<gw:版记>").unwrap();
        let number = xml.find("<gw:页码>").unwrap();
        assert!(head < body && body < end && end < number, "{xml}");
        // The 版头's own object is the one no element holds; the 正文 is one element over two
        // pages; the 版记 keeps its rules.
        assert!(xml.contains("</gw:发文机关标志><ofd:ObjectRef PageRef=\"1\">4</ofd:ObjectRef></gw:版头>"), "{xml}");
        assert_eq!(xml.matches("<gw:正文>").count(), 1, "{xml}");
        assert!(xml.contains("<ofd:ObjectRef PageRef=\"7\">8</ofd:ObjectRef></gw:正文>"), "{xml}");
        assert!(xml.contains("</gw:抄送机关><ofd:ObjectRef PageRef=\"7\">10</ofd:ObjectRef>"), "{xml}");
        assert!(xml.contains(">10</ofd:ObjectRef><ofd:ObjectRef PageRef=\"7\">12</ofd:ObjectRef></gw:版记>"), "{xml}");
    }

    #[test]
    fn labels_and_markers() {
        assert_eq!(label("gw-title"), Some(Label::Element("标题")));
        assert_eq!(label("gw-body-start"), Some(Label::Start("正文")));
        assert_eq!(label("gw-attachment-end"), Some(Label::End("附件")));
        assert_eq!(label("gw-sig-anchor"), None);
    }
}
