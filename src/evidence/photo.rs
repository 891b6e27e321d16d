//! Photos without their location (docs/rules.md §21): the EXIF GPS data of a JPEG is removed on
//! the bytes — the GPS pointer leaves IFD0 and the GPS directory with its values is zeroed — while
//! every other tag (Orientation above all) and the image data stay exactly as they were: nothing
//! is recompressed. An XMP packet that mentions GPS is dropped whole. `office.yaml`
//! `evidence.strip_location: false` turns this off.

/// The GPS IFD pointer tag of IFD0.
const GPS_POINTER: u16 = 0x8825;

/// `jpeg` without its location, or `None` when it carries none (or is not a JPEG this reader
/// understands: it is then kept unchanged — sniffing has already accepted it as a JPEG).
pub fn strip_location(jpeg: &[u8]) -> Option<Vec<u8>> {
    if !jpeg.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut out = Vec::with_capacity(jpeg.len());
    out.extend_from_slice(&jpeg[..2]);
    let mut i = 2;
    let mut changed = false;
    while i + 4 <= jpeg.len() {
        if jpeg[i] != 0xFF {
            return None;
        }
        let marker = jpeg[i + 1];
        if marker == 0xFF {
            // Fill byte.
            out.push(0xFF);
            i += 1;
            continue;
        }
        if marker == 0xDA || marker == 0xD9 {
            // Start of scan: the rest is image data, copied as is.
            break;
        }
        let len = usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
        let end = i + 2 + len;
        if len < 2 || end > jpeg.len() {
            return None;
        }
        let payload = &jpeg[i + 4..end];
        if marker == 0xE1 && payload.starts_with(b"Exif\0\0") {
            let mut seg = jpeg[i..end].to_vec();
            if remove_gps(&mut seg[10..]) {
                changed = true;
            }
            out.extend_from_slice(&seg);
        } else if marker == 0xE1
            && payload.starts_with(b"http://ns.adobe.com/xap/1.0/\0")
            && payload.windows(3).any(|w| w == b"GPS")
        {
            changed = true;
        } else {
            out.extend_from_slice(&jpeg[i..end]);
        }
        i = end;
    }
    out.extend_from_slice(&jpeg[i.min(jpeg.len())..]);
    changed.then_some(out)
}

/// The TIFF structure of an EXIF segment, read in its byte order.
struct Tiff<'a> {
    b: &'a mut [u8],
    little: bool,
}

impl Tiff<'_> {
    fn u16(&self, at: usize) -> Option<u16> {
        let s = self.b.get(at..at + 2)?;
        Some(if self.little { u16::from_le_bytes([s[0], s[1]]) } else { u16::from_be_bytes([s[0], s[1]]) })
    }

    fn u32(&self, at: usize) -> Option<u32> {
        let s = self.b.get(at..at + 4)?;
        let a = [s[0], s[1], s[2], s[3]];
        Some(if self.little { u32::from_le_bytes(a) } else { u32::from_be_bytes(a) })
    }

    fn set_u16(&mut self, at: usize, v: u16) {
        let bytes = if self.little { v.to_le_bytes() } else { v.to_be_bytes() };
        self.b[at..at + 2].copy_from_slice(&bytes);
    }

    fn zero(&mut self, from: usize, len: usize) {
        let end = from.saturating_add(len).min(self.b.len());
        if from < end {
            self.b[from..end].fill(0);
        }
    }
}

/// Bytes per value of a TIFF field type.
fn type_size(t: u16) -> usize {
    match t {
        3 | 8 => 2,
        4 | 9 | 11 => 4,
        5 | 10 | 12 => 8,
        _ => 1,
    }
}

/// Removes the GPS pointer from IFD0 and zeroes the GPS directory and its values in place (the
/// segment keeps its length, so no other offset moves). True when there was one.
fn remove_gps(tiff: &mut [u8]) -> bool {
    let little = match tiff.get(..2) {
        Some(b"II") => true,
        Some(b"MM") => false,
        _ => return false,
    };
    let mut t = Tiff { b: tiff, little };
    let Some(ifd0) = t.u32(4).map(|x| x as usize) else { return false };
    let Some(n) = t.u16(ifd0).map(usize::from) else { return false };
    let entries = ifd0 + 2;
    let Some(k) = (0..n).find(|&k| t.u16(entries + 12 * k) == Some(GPS_POINTER)) else { return false };
    let Some(gps) = t.u32(entries + 12 * k + 8).map(|x| x as usize) else { return false };
    // IFD0 without the entry: later entries and the next-IFD offset move up by 12 bytes.
    let tail_end = entries + 12 * n + 4;
    if tail_end > t.b.len() {
        return false;
    }
    t.b.copy_within(entries + 12 * (k + 1)..tail_end, entries + 12 * k);
    t.zero(tail_end - 12, 12);
    t.set_u16(ifd0, (n - 1) as u16);
    // The GPS directory and every value stored outside it.
    if let Some(m) = t.u16(gps).map(usize::from) {
        for j in 0..m {
            let e = gps + 2 + 12 * j;
            let (Some(ty), Some(count)) = (t.u16(e + 2), t.u32(e + 4)) else { break };
            let size = type_size(ty).saturating_mul(count as usize);
            if size > 4 {
                if let Some(off) = t.u32(e + 8) {
                    t.zero(off as usize, size);
                }
            }
        }
        t.zero(gps, 2 + 12 * m + 4);
    }
    true
}
