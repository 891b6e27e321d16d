//! A small element tree serialised through quick-xml's writer: every name, attribute and text
//! is escaped by the writer, none is pasted into a string.

use std::io;

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

/// The OFD namespace (GB/T 33190-2016).
pub const OFD_NS: &str = "http://www.ofdspec.org/2016";

/// One XML element.
#[derive(Debug, Clone, Default)]
pub struct El {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<El>,
    text: Option<String>,
}

impl El {
    /// An element `ofd:<name>`.
    pub fn ofd(name: &str) -> El {
        El { name: format!("ofd:{name}"), ..El::default() }
    }

    /// An element with a full (possibly prefixed) name.
    pub fn named(name: impl Into<String>) -> El {
        El { name: name.into(), ..El::default() }
    }

    /// Adds an attribute.
    pub fn attr(mut self, key: &str, value: impl ToString) -> El {
        self.attrs.push((key.to_owned(), value.to_string()));
        self
    }

    /// Adds a child.
    pub fn child(mut self, el: El) -> El {
        self.children.push(el);
        self
    }

    /// Adds a child in place.
    pub fn push(&mut self, el: El) {
        self.children.push(el);
    }

    /// Sets the text content.
    pub fn text(mut self, text: impl Into<String>) -> El {
        self.text = Some(text.into());
        self
    }

    /// An `ofd:<name>` element holding `text`.
    pub fn ofd_text(name: &str, text: impl Into<String>) -> El {
        El::ofd(name).text(text)
    }

    fn write(&self, w: &mut Writer<Vec<u8>>) -> io::Result<()> {
        let mut start = BytesStart::new(self.name.as_str());
        for (k, v) in &self.attrs {
            start.push_attribute((k.as_str(), v.as_str()));
        }
        if self.children.is_empty() && self.text.is_none() {
            return w.write_event(Event::Empty(start));
        }
        w.write_event(Event::Start(start))?;
        if let Some(t) = &self.text {
            w.write_event(Event::Text(BytesText::new(t)))?;
        }
        for c in &self.children {
            c.write(w)?;
        }
        w.write_event(Event::End(BytesEnd::new(self.name.as_str())))
    }

    /// Serialises the element as a UTF-8 document with an XML declaration.
    pub fn to_document(&self) -> Vec<u8> {
        let mut w = Writer::new(Vec::new());
        // Writing into a Vec cannot fail.
        let _ = w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
        let _ = self.write(&mut w);
        w.into_inner()
    }
}

/// A number in millimetres with at most three decimals and no trailing zeros.
pub fn num(v: f64) -> String {
    crate::numerals::figure((v * 1000.0).round() / 1000.0, 3)
}

/// Space-separated numbers.
pub fn nums(vs: &[f64]) -> String {
    vs.iter().map(|v| num(*v)).collect::<Vec<_>>().join(" ")
}

/// A `DeltaX`/`DeltaY` list, runs of three or more equal values written as `g <count> <value>`.
pub fn deltas(vs: &[f64]) -> String {
    let vs: Vec<String> = vs.iter().map(|v| num(*v)).collect();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < vs.len() {
        let mut j = i + 1;
        while j < vs.len() && vs[j] == vs[i] {
            j += 1;
        }
        if j - i >= 3 {
            out.push(format!("g {} {}", j - i, vs[i]));
        } else {
            out.extend(vs[i..j].iter().cloned());
        }
        i = j;
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_deltas() {
        assert_eq!(num(1.23456), "1.235");
        assert_eq!(num(2.0), "2");
        assert_eq!(num(-0.0001), "0");
        assert_eq!(deltas(&[1.0, 1.0, 1.0, 2.0, 3.5, 3.5]), "g 3 1 2 3.5 3.5");
    }

    #[test]
    fn escapes_text_and_attributes() {
        let el = El::ofd("A").attr("x", "a\"<b").text("1 < 2 & 3");
        let s = String::from_utf8(el.to_document()).unwrap();
        assert!(s.contains("x=\"a&quot;&lt;b\""), "{s}");
        assert!(s.contains(">1 &lt; 2 &amp; 3</ofd:A>"), "{s}");
    }
}
