//! One page: typst's frame tree → an OFD page content (`TextObject`, `PathObject`,
//! `ImageObject`), in millimetres, y down as in typst.

use typst::layout::{Abs, Frame, FrameItem, Point, Transform};
use typst::text::TextItem;
use typst::visualize::{
    Curve, CurveItem, FillRule, FixedStroke, Geometry, Image, ImageKind, LineCap, LineJoin, Paint, Shape,
};

use super::xml::{deltas, num, nums, El};
use super::{Ids, Resources};

/// Points → millimetres.
pub fn mm(pt: f64) -> f64 {
    pt * 25.4 / 72.0
}

/// An affine transform in points: (a, b, c, d, e, f) maps (x, y) to (a x + c y + e, b x + d y + f).
#[derive(Debug, Clone, Copy)]
struct Affine([f64; 6]);

impl Affine {
    const IDENTITY: Affine = Affine([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);

    fn then_translate(self, p: Point) -> Affine {
        let [a, b, c, d, e, f] = self.0;
        let (x, y) = (p.x.to_pt(), p.y.to_pt());
        Affine([a, b, c, d, a * x + c * y + e, b * x + d * y + f])
    }

    fn then(self, t: &Transform) -> Affine {
        let [a, b, c, d, e, f] = self.0;
        let (a2, b2, c2, d2) = (t.sx.get(), t.ky.get(), t.kx.get(), t.sy.get());
        let (e2, f2) = (t.tx.to_pt(), t.ty.to_pt());
        Affine([
            a * a2 + c * b2,
            b * a2 + d * b2,
            a * c2 + c * d2,
            b * c2 + d * d2,
            a * e2 + c * f2 + e,
            b * e2 + d * f2 + f,
        ])
    }

    fn apply(self, x: f64, y: f64) -> (f64, f64) {
        let [a, b, c, d, e, f] = self.0;
        (a * x + c * y + e, b * x + d * y + f)
    }

    fn is_translation(self) -> bool {
        let [a, b, c, d, ..] = self.0;
        (a - 1.0).abs() < 1e-9 && b.abs() < 1e-9 && c.abs() < 1e-9 && (d - 1.0).abs() < 1e-9
    }

    /// The mean scale, for line widths.
    fn scale(self) -> f64 {
        let [a, b, c, d, ..] = self.0;
        (a * d - b * c).abs().sqrt()
    }
}

/// A 公文 element open on the page: the label and the ids of the objects drawn inside it.
pub struct OpenTag {
    pub location: typst::introspection::Location,
    pub element: &'static str,
    pub objects: Vec<u32>,
}

/// Writes one page's content layer.
pub struct PageWriter<'a> {
    ids: &'a mut Ids,
    res: &'a mut Resources,
    layer: El,
    /// Elements open at this point of the frame walk.
    open: Vec<OpenTag>,
    /// Elements closed on this page: (element, object ids).
    pub tagged: Vec<(&'static str, Vec<u32>)>,
}

impl<'a> PageWriter<'a> {
    /// A writer for a new page.
    pub fn new(ids: &'a mut Ids, res: &'a mut Resources) -> PageWriter<'a> {
        let layer = El::ofd("Layer").attr("ID", ids.alloc()).attr("Type", "Body");
        PageWriter { ids, res, layer, open: Vec::new(), tagged: Vec::new() }
    }

    /// Walks the page frame and returns the `Page` element (with its `Area`).
    pub fn page(mut self, frame: &Frame) -> (El, Vec<(&'static str, Vec<u32>)>) {
        self.frame(frame, Affine::IDENTITY);
        let (w, h) = (mm(frame.width().to_pt()), mm(frame.height().to_pt()));
        // Elements still open at the page end (broken across pages) keep what this page drew.
        for t in self.open.drain(..) {
            if !t.objects.is_empty() {
                self.tagged.push((t.element, t.objects));
            }
        }
        let page = El::ofd("Page")
            .attr("xmlns:ofd", super::xml::OFD_NS)
            .child(El::ofd("Area").child(El::ofd_text("PhysicalBox", nums(&[0.0, 0.0, w, h]))))
            .child(El::ofd("Content").child(self.layer));
        (page, self.tagged)
    }

    fn record(&mut self, id: u32) {
        for t in &mut self.open {
            t.objects.push(id);
        }
    }

    fn frame(&mut self, frame: &Frame, t: Affine) {
        for (pos, item) in frame.items() {
            match item {
                FrameItem::Group(g) => {
                    let inner = t.then_translate(*pos).then(&g.transform);
                    self.frame(&g.frame, inner);
                }
                FrameItem::Text(text) => self.text(text, t, *pos),
                FrameItem::Shape(shape, _) => self.shape(shape, t.then_translate(*pos)),
                FrameItem::Image(image, size, _) => self.image(image, *size, t.then_translate(*pos)),
                FrameItem::Link(..) => {}
                FrameItem::Tag(tag) => self.tag(tag),
            }
        }
    }

    fn tag(&mut self, tag: &typst::introspection::Tag) {
        use typst::introspection::Tag;
        match tag {
            Tag::Start(content, _) => {
                let Some(label) = content.label() else { return };
                let Some(element) = super::tags::element_of(label.resolve().as_str()) else { return };
                let Some(location) = content.location() else { return };
                self.open.push(OpenTag { location, element, objects: Vec::new() });
            }
            Tag::End(location, ..) => {
                if let Some(i) = self.open.iter().rposition(|t| t.location == *location) {
                    let t = self.open.remove(i);
                    if !t.objects.is_empty() {
                        self.tagged.push((t.element, t.objects));
                    }
                }
            }
        }
    }

    fn text(&mut self, item: &TextItem, t: Affine, pos: Point) {
        if item.glyphs.is_empty() {
            return;
        }
        let size = item.size.to_pt();
        let font = self.res.font(&item.font.font().clone(), self.ids);
        // Character positions (pt, along the run) from the glyphs' clusters.
        let chars: Vec<(usize, char)> = item.text.char_indices().collect();
        let mut xs: Vec<Option<f64>> = vec![None; chars.len()];
        let mut ys: Vec<Option<f64>> = vec![None; chars.len()];
        let mut pen = 0.0;
        let mut pen_y = 0.0;
        let mut one_to_one = chars.len() == item.glyphs.len();
        let mut last_start = 0usize;
        let mut glyphs = Vec::with_capacity(item.glyphs.len());
        for g in &item.glyphs {
            let new = font.remapper.remap(g.id);
            glyphs.push(new);
            let r = g.range();
            if r.start < last_start {
                one_to_one = false;
            }
            last_start = r.start;
            let in_cluster: Vec<usize> =
                chars.iter().enumerate().filter(|(_, (b, _))| r.contains(b)).map(|(i, _)| i).collect();
            if in_cluster.len() == 1 {
                if !font.map_char(chars[in_cluster[0]].1, g.id) {
                    one_to_one = false;
                }
            } else {
                one_to_one = false;
            }
            let x = pen + g.x_offset.at(item.size).to_pt();
            let y = pen_y - g.y_offset.at(item.size).to_pt();
            for i in in_cluster {
                if xs[i].is_none() {
                    xs[i] = Some(x);
                    ys[i] = Some(y);
                }
            }
            pen += g.x_advance.at(item.size).to_pt();
            pen_y -= g.y_advance.at(item.size).to_pt();
        }
        // Characters no glyph claims sit where the previous one does.
        let mut prev = (0.0, 0.0);
        let mut pts = Vec::with_capacity(chars.len());
        for i in 0..chars.len() {
            let p = (xs[i].unwrap_or(prev.0), ys[i].unwrap_or(prev.1));
            pts.push(p);
            prev = p;
        }
        let text: String = chars.iter().map(|(_, c)| *c).collect();
        let dx: Vec<f64> = pts.windows(2).map(|w| mm(w[1].0 - w[0].0)).collect();
        let dy: Vec<f64> = pts.windows(2).map(|w| mm(w[1].1 - w[0].1)).collect();

        // Boundary: generous around the run, as some readers clip to it.
        let width = pen.max(size);
        let margin = size;
        let id = self.ids.alloc();
        let origin = t.apply(pos.x.to_pt(), pos.y.to_pt());
        let (bx, by, bw, bh, code_x, code_y, ctm) = if t.is_translation() {
            (
                origin.0 - margin,
                origin.1 - 2.0 * margin,
                width + 2.0 * margin,
                3.0 * margin,
                mm(margin + pts[0].0),
                mm(2.0 * margin + pts[0].1),
                None,
            )
        } else {
            // Scaled or rotated text: the transform goes into the CTM, the boundary covers the
            // transformed box.
            let corners = [
                (-margin, -2.0 * margin),
                (width + margin, -2.0 * margin),
                (-margin, margin),
                (width + margin, margin),
            ];
            let moved: Vec<(f64, f64)> = corners.iter().map(|(x, y)| t.then_translate(pos).apply(*x, *y)).collect();
            let x0 = moved.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
            let y0 = moved.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
            let x1 = moved.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
            let y1 = moved.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
            let [a, b, c, d, ..] = t.0;
            let ctm = vec![a, b, c, d, mm(origin.0 - x0), mm(origin.1 - y0)];
            (x0, y0, x1 - x0, y1 - y0, mm(pts[0].0), mm(pts[0].1), Some(ctm))
        };
        let mut obj = El::ofd("TextObject")
            .attr("ID", id)
            .attr("Boundary", nums(&[mm(bx), mm(by), mm(bw), mm(bh)]))
            .attr("Font", font.id)
            .attr("Size", num(mm(size)));
        let weight = item.font.font().info().variant.weight.to_number();
        if weight != 400 {
            obj = obj.attr("Weight", weight);
        }
        if let Some(ctm) = ctm {
            obj = obj.attr("CTM", nums(&ctm));
        }
        obj.push(El::ofd("FillColor").attr("Value", color(&item.fill)));
        if !one_to_one {
            obj.push(
                El::ofd("CGTransform")
                    .attr("CodePosition", 0)
                    .attr("CodeCount", chars.len())
                    .attr("GlyphCount", glyphs.len())
                    .child(El::ofd_text("Glyphs", glyphs.iter().map(|g| g.to_string()).collect::<Vec<_>>().join(" "))),
            );
        }
        let mut code = El::ofd("TextCode").attr("X", num(code_x)).attr("Y", num(code_y));
        if !dx.is_empty() {
            code = code.attr("DeltaX", deltas(&dx));
        }
        if dy.iter().any(|v| v.abs() > 1e-6) {
            code = code.attr("DeltaY", deltas(&dy));
        }
        obj.push(code.text(text));
        self.layer.push(obj);
        self.record(id);
    }

    fn shape(&mut self, shape: &Shape, t: Affine) {
        let mut segs: Vec<(char, Vec<(f64, f64)>)> = Vec::new();
        match &shape.geometry {
            Geometry::Line(p) => {
                segs.push(('M', vec![(0.0, 0.0)]));
                segs.push(('L', vec![(p.x.to_pt(), p.y.to_pt())]));
            }
            Geometry::Rect(s) => {
                let (w, h) = (s.x.to_pt(), s.y.to_pt());
                segs.push(('M', vec![(0.0, 0.0)]));
                segs.push(('L', vec![(w, 0.0)]));
                segs.push(('L', vec![(w, h)]));
                segs.push(('L', vec![(0.0, h)]));
                segs.push(('C', vec![]));
            }
            Geometry::Curve(c) => curve(c, &mut segs),
        }
        let stroke = shape.stroke.as_ref();
        let lw = stroke.map(|s| mm(s.thickness.to_pt() * t.scale())).unwrap_or(0.0);
        // Transform every point onto the page, then make them relative to the boundary.
        let pts: Vec<(f64, f64)> = segs.iter().flat_map(|(_, p)| p.iter().map(|(x, y)| t.apply(*x, *y))).collect();
        if pts.is_empty() {
            return;
        }
        let pad = lw / 2.0 + 0.1;
        let x0 = mm(pts.iter().map(|p| p.0).fold(f64::INFINITY, f64::min)) - pad;
        let y0 = mm(pts.iter().map(|p| p.1).fold(f64::INFINITY, f64::min)) - pad;
        let x1 = mm(pts.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max)) + pad;
        let y1 = mm(pts.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max)) + pad;
        let mut data: Vec<String> = Vec::new();
        for (op, ps) in &segs {
            data.push(op.to_string());
            for (x, y) in ps {
                let (px, py) = t.apply(*x, *y);
                data.push(num(mm(px) - x0));
                data.push(num(mm(py) - y0));
            }
        }
        let id = self.ids.alloc();
        let mut obj = El::ofd("PathObject").attr("ID", id).attr("Boundary", nums(&[x0, y0, x1 - x0, y1 - y0]));
        if let Some(s) = stroke {
            obj = obj.attr("LineWidth", num(lw.max(0.001)));
            obj = stroke_attrs(obj, s, t.scale());
        }
        obj = obj.attr("Stroke", stroke.is_some()).attr("Fill", shape.fill.is_some());
        if shape.fill.is_some() && shape.fill_rule == FillRule::EvenOdd {
            obj = obj.attr("Rule", "Even-Odd");
        }
        if let Some(s) = stroke {
            obj.push(El::ofd("StrokeColor").attr("Value", color(&s.paint)));
        }
        if let Some(f) = &shape.fill {
            obj.push(El::ofd("FillColor").attr("Value", color(f)));
        }
        obj.push(El::ofd_text("AbbreviatedData", data.join(" ")));
        self.layer.push(obj);
        self.record(id);
    }

    fn image(&mut self, image: &Image, size: typst::layout::Size, t: Affine) {
        let ImageKind::Raster(raster) = image.kind() else { return };
        let format = match raster.format() {
            typst::visualize::RasterFormat::Exchange(f) => format!("{f:?}").to_uppercase(),
            typst::visualize::RasterFormat::Pixel(_) => return,
        };
        let res = self.res.image(raster.data().as_slice(), &format, self.ids);
        let (w, h) = (size.x.to_pt(), size.y.to_pt());
        let corners = [(0.0, 0.0), (w, 0.0), (0.0, h), (w, h)].map(|(x, y)| t.apply(x, y));
        let x0 = corners.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
        let y0 = corners.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
        let x1 = corners.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
        let y1 = corners.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
        let [a, b, c, d, ..] = t.0;
        let (ox, oy) = t.apply(0.0, 0.0);
        let ctm = [a * mm(w), b * mm(w), c * mm(h), d * mm(h), mm(ox - x0), mm(oy - y0)];
        let id = self.ids.alloc();
        self.layer.push(
            El::ofd("ImageObject")
                .attr("ID", id)
                .attr("Boundary", nums(&[mm(x0), mm(y0), mm(x1 - x0), mm(y1 - y0)]))
                .attr("CTM", nums(&ctm))
                .attr("ResourceID", res),
        );
        self.record(id);
    }
}

fn curve(c: &Curve, segs: &mut Vec<(char, Vec<(f64, f64)>)>) {
    let p = |p: &Point| (p.x.to_pt(), p.y.to_pt());
    for item in c.0.iter() {
        match item {
            CurveItem::Move(a) => segs.push(('M', vec![p(a)])),
            CurveItem::Line(a) => segs.push(('L', vec![p(a)])),
            CurveItem::Cubic(a, b, e) => segs.push(('B', vec![p(a), p(b), p(e)])),
            CurveItem::Close => segs.push(('C', vec![])),
        }
    }
}

fn stroke_attrs(mut obj: El, s: &FixedStroke, scale: f64) -> El {
    obj = obj.attr(
        "Cap",
        match s.cap {
            LineCap::Butt => "Butt",
            LineCap::Round => "Round",
            LineCap::Square => "Square",
        },
    );
    obj = obj.attr(
        "Join",
        match s.join {
            LineJoin::Miter => "Miter",
            LineJoin::Round => "Round",
            LineJoin::Bevel => "Bevel",
        },
    );
    if s.join == LineJoin::Miter {
        obj = obj.attr("MiterLimit", num(s.miter_limit.get()));
    }
    if let Some(d) = &s.dash {
        let pattern: Vec<f64> = d.array.iter().map(|a: &Abs| mm(a.to_pt() * scale)).collect();
        if !pattern.is_empty() {
            obj = obj.attr("DashOffset", num(mm(d.phase.to_pt() * scale))).attr("DashPattern", nums(&pattern));
        }
    }
    obj
}

/// An OFD colour value (`"r g b"`, sRGB 0–255); gradients and tilings by their first colour.
fn color(paint: &Paint) -> String {
    let c = match paint {
        Paint::Solid(c) => c.clone(),
        Paint::Gradient(g) => g.stops_ref().first().map(|s| s.0.clone()).unwrap_or(typst::visualize::Color::BLACK),
        // A tiling (hatched fills of the charts' legend and bars) by the colour it draws with.
        Paint::Tiling(t) => tiling_color(t.frame()).unwrap_or(typst::visualize::Color::BLACK),
    };
    let [r, g, b, _] = c.to_rgb().to_vec4_u8_like();
    format!("{r} {g} {b}")
}

/// The first solid colour a tiling's cell draws with (fills before strokes).
fn tiling_color(frame: &Frame) -> Option<typst::visualize::Color> {
    for (_, item) in frame.items() {
        let found = match item {
            FrameItem::Group(g) => tiling_color(&g.frame),
            FrameItem::Shape(s, _) => [s.fill.as_ref(), s.stroke.as_ref().map(|s| &s.paint)]
                .into_iter()
                .flatten()
                .find_map(|p| if let Paint::Solid(c) = p { Some(c.clone()) } else { None }),
            FrameItem::Text(t) => {
                if let Paint::Solid(c) = &t.fill {
                    Some(c.clone())
                } else {
                    None
                }
            }
            _ => None,
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

/// sRGB components as bytes.
trait ToBytes {
    fn to_vec4_u8_like(&self) -> [u8; 4];
}

impl ToBytes for typst::visualize::Rgb {
    fn to_vec4_u8_like(&self) -> [u8; 4] {
        let f = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
        [f(self.red), f(self.green), f(self.blue), f(self.alpha)]
    }
}
