//! Embedded fonts: each face used on the pages, subset to the glyphs it draws, with the tables a
//! reader needs to load it as a font of its own added back: a `cmap`, so that a reader can draw
//! `TextCode` characters through the font as OFD expects, and the original `OS/2` (the subsetter
//! drops both, being made for PDF's CID fonts; font loaders such as the OpenType sanitiser of
//! Chromium and Firefox refuse a font without `OS/2`). `name`, `post`, `hhea`/`hmtx`, `head` and
//! `maxp` come from the subsetter.

use std::collections::BTreeMap;

use subsetter::GlyphRemapper;
use typst::text::Font;

/// One face as used by the document.
pub struct FontUse {
    /// The typst font (data and collection index).
    pub font: Font,
    /// OFD resource id.
    pub id: u32,
    /// Old glyph id → glyph id in the subset.
    pub remapper: GlyphRemapper,
    /// Character → old glyph id, for the `cmap` of the subset (first use wins).
    pub cmap: BTreeMap<char, u16>,
}

impl FontUse {
    /// A new face with resource id `id`.
    pub fn new(font: Font, id: u32) -> FontUse {
        FontUse { font, id, remapper: GlyphRemapper::new(), cmap: BTreeMap::new() }
    }

    /// Records that `glyph` draws `c` (a cluster of one character and one glyph). Returns false
    /// when `c` already maps to another glyph, so the text object needs a `CGTransform`.
    pub fn map_char(&mut self, c: char, glyph: u16) -> bool {
        *self.cmap.entry(c).or_insert(glyph) == glyph
    }

    /// The subset font file, with a `cmap` for the mapped characters and the face's `OS/2`.
    pub fn subset(&self) -> Result<Vec<u8>, String> {
        let data = self.font.data();
        let family = &self.font.info().family;
        let sub = subsetter::subset(data.as_slice(), self.font.index(), &self.remapper)
            .map_err(|e| format!("字体子集化失败（{family}）：{e:?}"))?;
        let map: Vec<(u32, u16)> = self
            .cmap
            .iter()
            .filter(|(c, _)| (**c as u32) < 0x1_0000)
            .filter_map(|(c, g)| Some((*c as u32, self.remapper.get(*g)?)))
            .collect();
        let mut tables = vec![(*b"cmap", cmap_table(&map))];
        let face = ttf_parser::RawFace::parse(data.as_slice(), self.font.index())
            .map_err(|e| format!("字体无法解析（{family}）：{e}"))?;
        if let Some(os2) = face.table(ttf_parser::Tag::from_bytes(b"OS/2")) {
            tables.push((*b"OS/2", os2_for_subset(os2, &map)));
        }
        add_tables(&sub, &tables).ok_or_else(|| "子集字体结构无法解析".to_owned())
    }

    /// File name inside the package.
    pub fn file_name(&self) -> String {
        let cff = ttf_parser::Face::parse(self.font.data().as_slice(), self.font.index())
            .is_ok_and(|f| f.tables().cff.is_some());
        let ext = if cff { "otf" } else { "ttf" };
        format!("font_{}.{ext}", self.id)
    }
}

/// A `cmap` table with one format 4 subtable (Windows Unicode BMP, 3/1) for `map`
/// (character → glyph, sorted by character).
fn cmap_table(map: &[(u32, u16)]) -> Vec<u8> {
    // Segments: runs where both the character and the glyph go up by one.
    let mut segs: Vec<(u16, u16, u16)> = Vec::new(); // (start, end, first glyph)
    for &(c, g) in map {
        let c = c as u16;
        match segs.last_mut() {
            Some((s, e, g0)) if c == e.wrapping_add(1) && g == g0.wrapping_add(c - *s) && *e != 0xFFFE => *e = c,
            _ => segs.push((c, c, g)),
        }
    }
    segs.push((0xFFFF, 0xFFFF, 0)); // the required final segment
    let n = segs.len() as u16;
    let (search, selector) = binary_search_fields(n);
    let mut sub = Vec::new();
    let len = 16 + 8 * usize::from(n);
    push16(&mut sub, 4);
    push16(&mut sub, len as u16);
    push16(&mut sub, 0);
    push16(&mut sub, n * 2);
    push16(&mut sub, search * 2);
    push16(&mut sub, selector);
    push16(&mut sub, n * 2 - search * 2);
    for s in &segs {
        push16(&mut sub, s.1);
    }
    push16(&mut sub, 0);
    for s in &segs {
        push16(&mut sub, s.0);
    }
    for s in &segs {
        let delta = if s.0 == 0xFFFF { 1 } else { s.2.wrapping_sub(s.0) };
        push16(&mut sub, delta);
    }
    for _ in &segs {
        push16(&mut sub, 0);
    }
    let mut t = Vec::new();
    push16(&mut t, 0); // version
    push16(&mut t, 1); // one subtable
    push16(&mut t, 3);
    push16(&mut t, 1);
    t.extend_from_slice(&12u32.to_be_bytes());
    t.extend(sub);
    t
}

/// The largest power of two ≤ `n` and its log2: the `searchRange` / `entrySelector` pair of the
/// sfnt table directory and of a format-4 `cmap` (each field then scaled by its record size).
fn binary_search_fields(n: u16) -> (u16, u16) {
    let mut search = 1u16;
    let mut selector = 0u16;
    while search * 2 <= n {
        search *= 2;
        selector += 1;
    }
    (search, selector)
}

fn push16(v: &mut Vec<u8>, x: u16) {
    v.extend_from_slice(&x.to_be_bytes());
}

fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0u32, |acc, c| {
        let mut b = [0u8; 4];
        b[..c.len()].copy_from_slice(c);
        acc.wrapping_add(u32::from_be_bytes(b))
    })
}

/// The face's `OS/2` table for the subset: the original, with the first and last character
/// indices (`usFirstCharIndex`, `usLastCharIndex`) narrowed to the characters the subset maps.
fn os2_for_subset(os2: &[u8], map: &[(u32, u16)]) -> Vec<u8> {
    let mut t = os2.to_vec();
    if let (Some(first), Some(last), true) = (map.first(), map.last(), t.len() >= 68) {
        t[64..66].copy_from_slice(&(first.0 as u16).to_be_bytes());
        t[66..68].copy_from_slice(&(last.0 as u16).to_be_bytes());
    }
    t
}

/// Rebuilds an sfnt font with `new` tables added (or replacing tables of the same tag), tables
/// in tag order, offsets aligned, checksums and `head.checkSumAdjustment` recomputed.
fn add_tables(font: &[u8], new: &[([u8; 4], Vec<u8>)]) -> Option<Vec<u8>> {
    let version = font.get(0..4)?;
    let count = usize::from(u16::from_be_bytes(font.get(4..6)?.try_into().ok()?));
    let mut tables: Vec<([u8; 4], Vec<u8>)> = Vec::new();
    for i in 0..count {
        let rec = font.get(12 + 16 * i..28 + 16 * i)?;
        let t: [u8; 4] = rec[0..4].try_into().ok()?;
        let off = u32::from_be_bytes(rec[8..12].try_into().ok()?) as usize;
        let len = u32::from_be_bytes(rec[12..16].try_into().ok()?) as usize;
        if new.iter().all(|(n, _)| *n != t) {
            tables.push((t, font.get(off..off + len)?.to_vec()));
        }
    }
    tables.extend(new.iter().cloned());
    tables.sort_by_key(|(t, _)| *t);
    let n = tables.len() as u16;
    let (search, selector) = binary_search_fields(n);
    let mut out = Vec::new();
    out.extend_from_slice(version);
    push16(&mut out, n);
    push16(&mut out, search * 16);
    push16(&mut out, selector);
    push16(&mut out, n * 16 - search * 16);
    let header = 12 + 16 * tables.len();
    let mut offset = header;
    let mut body = Vec::new();
    let mut head_at = None;
    for (t, data) in &mut tables {
        if t == b"head" && data.len() >= 12 {
            data[8..12].copy_from_slice(&[0; 4]);
            head_at = Some(offset + 8);
        }
        out.extend_from_slice(t);
        out.extend_from_slice(&checksum(data).to_be_bytes());
        out.extend_from_slice(&(offset as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        body.extend_from_slice(data);
        while body.len() % 4 != 0 {
            body.push(0);
        }
        offset = header + body.len();
    }
    out.extend(body);
    if let Some(at) = head_at {
        let adj = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
        out[at..at + 4].copy_from_slice(&adj.to_be_bytes());
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmap_maps_characters_back() {
        let t = cmap_table(&[(0x4E00, 5), (0x4E01, 6), (0x4E09, 2)]);
        // Wrap it in a minimal font and parse it with ttf-parser.
        let font = add_tables(&[0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], &[(*b"cmap", t)]).unwrap();
        let face = ttf_parser::RawFace::parse(&font, 0).unwrap();
        let cmap = ttf_parser::cmap::Table::parse(face.table(ttf_parser::Tag::from_bytes(b"cmap")).unwrap()).unwrap();
        let sub = cmap.subtables.get(0).unwrap();
        assert_eq!(sub.glyph_index(0x4E00).map(|g| g.0), Some(5));
        assert_eq!(sub.glyph_index(0x4E01).map(|g| g.0), Some(6));
        assert_eq!(sub.glyph_index(0x4E09).map(|g| g.0), Some(2));
        assert_eq!(sub.glyph_index(0x4E02), None);
    }

    #[test]
    fn os2_first_and_last_characters_are_the_subset_s() {
        let mut os2 = vec![0u8; 96];
        os2[64..68].copy_from_slice(&[0x00, 0x20, 0xFF, 0xE5]);
        let t = os2_for_subset(&os2, &[(0x4E00, 5), (0x9F99, 6)]);
        assert_eq!(&t[64..68], &[0x4E, 0x00, 0x9F, 0x99]);
        assert_eq!(t.len(), 96);
        assert_eq!(t[..64], os2[..64]);
    }
}
