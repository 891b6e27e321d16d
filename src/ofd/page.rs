//! One page: typst's frame tree → an OFD page content (`TextObject`, `PathObject`,
//! `ImageObject`), in millimetres, y down as in typst.

use typst::layout::{Abs, Frame, FrameItem, Point, Transform};
use typst::text::TextItem;
use typst::visualize::{
    Color, Curve, CurveItem, FillRule, FixedStroke, Geometry, Image, ImageKind, LineCap, LineJoin, Paint, ProcessColor,
    Shape, Tiling,
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

/// What opened a [`OpenTag`]: a labelled element (closed by its end tag) or a pair of marker
/// labels (closed by the end marker).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagKey {
    Element(typst::introspection::Location),
    Marker(&'static str),
}

/// What a page object is, for the elements that hold only some kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    Text,
    Path,
    Image,
}

/// A 公文 element open at this point of the walk: the element and the ids of the objects drawn
/// inside it on the current page. Open elements carry over to the next page (an element broken
/// across pages has one start and one end tag).
#[derive(Debug, Clone)]
pub struct OpenTag {
    pub key: TagKey,
    /// Numbers the element's occurrences in the document: the parts of one occurrence drawn on
    /// several pages share it.
    pub occurrence: u32,
    /// The element name; empty for an artifact that is no element (page header, background).
    pub element: &'static str,
    /// A page artifact (header, footer, background): what it draws belongs to no other element.
    pub artifact: bool,
    /// Only text objects belong to the element (the rules drawn with the 版记's rows belong to
    /// the 版记, not to 抄送机关 or 印发机关和印发日期).
    pub text_only: bool,
    pub objects: Vec<u32>,
}

/// The tag state carried from page to page: the elements open at the end of the last page and
/// the number of element occurrences so far.
#[derive(Debug, Default)]
pub struct TagWalk {
    open: Vec<OpenTag>,
    occurrences: u32,
}

/// Writes one page's content layer.
pub struct PageWriter<'a> {
    ids: &'a mut Ids,
    res: &'a mut Resources,
    layer: El,
    walk: &'a mut TagWalk,
    /// What this page draws of each element.
    tagged: Vec<super::tags::Tagged>,
    page_id: u32,
}

impl<'a> PageWriter<'a> {
    /// A writer for the page `page_id`, going on with the tag state of the pages before.
    pub fn new(ids: &'a mut Ids, res: &'a mut Resources, walk: &'a mut TagWalk, page_id: u32) -> PageWriter<'a> {
        let layer = El::ofd("Layer").attr("ID", ids.alloc()).attr("Type", "Body");
        PageWriter { ids, res, layer, walk, tagged: Vec::new(), page_id }
    }

    /// Walks the page frame and returns the `Page` element (with its `Area`) and what the page
    /// draws of each element.
    pub fn page(mut self, frame: &Frame) -> (El, Vec<super::tags::Tagged>) {
        self.frame(frame, Affine::IDENTITY);
        let (w, h) = (mm(frame.width().to_pt()), mm(frame.height().to_pt()));
        // Elements still open at the page end (broken across pages) keep what this page drew
        // and go on on the next page.
        let page_id = self.page_id;
        for t in &mut self.walk.open {
            let objects = std::mem::take(&mut t.objects);
            if !objects.is_empty() && !t.element.is_empty() {
                self.tagged.push(super::tags::Tagged {
                    page: page_id,
                    element: t.element,
                    occurrence: t.occurrence,
                    objects,
                });
            }
        }
        let page = El::ofd("Page")
            .attr("xmlns:ofd", super::xml::OFD_NS)
            .child(El::ofd("Area").child(El::ofd_text("PhysicalBox", nums(&[0.0, 0.0, w, h]))))
            .child(El::ofd("Content").child(self.layer));
        (page, self.tagged)
    }

    fn record(&mut self, id: u32, kind: ObjectKind) {
        let in_artifact = self.walk.open.iter().any(|t| t.artifact);
        for t in &mut self.walk.open {
            if (in_artifact && !t.artifact) || (t.text_only && kind != ObjectKind::Text) {
                continue;
            }
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

    fn open_tag(&mut self, key: TagKey, element: &'static str, artifact: bool) {
        if self.walk.open.iter().any(|t| t.key == key) {
            return;
        }
        let text_only = super::tags::TEXT_ONLY.contains(&element);
        self.walk.occurrences += 1;
        let occurrence = self.walk.occurrences;
        self.walk.open.push(OpenTag { key, occurrence, element, artifact, text_only, objects: Vec::new() });
    }

    fn close_tag(&mut self, key: TagKey) {
        if let Some(i) = self.walk.open.iter().rposition(|t| t.key == key) {
            let t = self.walk.open.remove(i);
            if !t.objects.is_empty() && !t.element.is_empty() {
                self.tagged.push(super::tags::Tagged {
                    page: self.page_id,
                    element: t.element,
                    occurrence: t.occurrence,
                    objects: t.objects,
                });
            }
        }
    }

    fn tag(&mut self, tag: &typst::introspection::Tag) {
        use super::tags::Label;
        use typst::introspection::Tag;
        match tag {
            Tag::Start(content, _) => {
                let Some(location) = content.location() else { return };
                // Page header, footer and background are artifacts; the footer holds the 页码.
                if let Some(artifact) = content.to_packed::<typst::pdf::ArtifactElem>() {
                    // An artifact made by the page layout sets its kind; unset is the default, Other.
                    let footer = artifact.kind.as_option() == &Some(typst::pdf::ArtifactKind::Footer);
                    self.open_tag(TagKey::Element(location), if footer { "页码" } else { "" }, true);
                    return;
                }
                let Some(label) = content.label() else { return };
                match super::tags::label(label.resolve().as_str()) {
                    Some(Label::Element(e)) => self.open_tag(TagKey::Element(location), e, false),
                    Some(Label::Start(e)) => {
                        // A start marker ends the element's occurrence still open (a 附件 ends
                        // where the next one starts).
                        self.close_tag(TagKey::Marker(e));
                        self.open_tag(TagKey::Marker(e), e, false)
                    }
                    Some(Label::End(e)) => self.close_tag(TagKey::Marker(e)),
                    None => {}
                }
            }
            Tag::End(location, ..) => self.close_tag(TagKey::Element(*location)),
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
        // Text drawn with fill and stroke is how typst (and the templates' `*strong*`) makes
        // bold from a regular face: the object strokes its glyphs as the PDF does (`Stroke`,
        // `StrokeColor`, `LineWidth`), and says Weight 700 for readers that draw with a font
        // of their own and ignore a text stroke (ofd.js embolden by the weight).
        let mut weight = item.font.font().info().variant.weight.to_number();
        if let Some(stroke) = &item.stroke {
            weight = weight.max(700);
            // In the text's own space: a CTM scales it with the glyphs.
            obj = obj.attr("LineWidth", num(mm(stroke.thickness.to_pt()).max(0.001)));
            obj = stroke_attrs(obj, stroke, 1.0).attr("Stroke", true);
        }
        if weight != 400 {
            // The schema's weights are the hundreds from 100 to 900 (and 0, 1000).
            obj = obj.attr("Weight", (weight.clamp(100, 900) + 50) / 100 * 100);
        }
        if let Some(ctm) = ctm {
            obj = obj.attr("CTM", nums(&ctm));
        }
        let fill = self.color("FillColor", &item.fill);
        obj.push(fill);
        if let Some(stroke) = &item.stroke {
            let el = self.color("StrokeColor", &stroke.paint);
            obj.push(el);
        }
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
        self.record(id, ObjectKind::Text);
    }

    fn shape(&mut self, shape: &Shape, t: Affine) {
        let mut segs: Vec<(char, Vec<(f64, f64)>)> = Vec::new();
        match &shape.geometry {
            Geometry::Line(p) => {
                segs.push(('M', vec![(0.0, 0.0)]));
                segs.push(('L', vec![(p.x.to_pt(), p.y.to_pt())]));
            }
            Geometry::Rect(s) => rect(s.x.to_pt(), s.y.to_pt(), (0.0, 0.0), &mut segs),
            Geometry::Curve(c) => curve(c, (0.0, 0.0), &mut segs),
        }
        // A rectangle filled with a tiling (the charts' hatched and dotted fills, there for
        // grayscale printing) is drawn as the tiling draws it: its background, then its lines
        // and dots cut to the rectangle, then the rectangle's own stroke.
        if let (Some(Paint::Tiling(tiling)), Geometry::Rect(size)) = (&shape.fill, &shape.geometry) {
            self.tiled_rect(tiling, size.x.to_pt(), size.y.to_pt(), t);
            if let Some(stroke) = &shape.stroke {
                self.path(&segs, t, Some(stroke), None, FillRule::NonZero);
            }
            return;
        }
        self.path(&segs, t, shape.stroke.as_ref(), shape.fill.as_ref(), shape.fill_rule);
    }

    /// One `PathObject`: `segs` in the coordinates of `t`, stroked and/or filled.
    fn path(
        &mut self,
        segs: &[(char, Vec<(f64, f64)>)],
        t: Affine,
        stroke: Option<&FixedStroke>,
        fill: Option<&Paint>,
        rule: FillRule,
    ) {
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
        for (op, ps) in segs {
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
        obj = obj.attr("Stroke", stroke.is_some()).attr("Fill", fill.is_some());
        if fill.is_some() && rule == FillRule::EvenOdd {
            obj = obj.attr("Rule", "Even-Odd");
        }
        if let Some(s) = stroke {
            let el = self.color("StrokeColor", &s.paint);
            obj.push(el);
        }
        if let Some(f) = fill {
            let el = self.color("FillColor", f);
            obj.push(el);
        }
        obj.push(El::ofd_text("AbbreviatedData", data.join(" ")));
        self.layer.push(obj);
        self.record(id, ObjectKind::Path);
    }

    /// A `w` × `h` rectangle (points, at the origin of `t`) filled with `tiling`: each shape of
    /// the tiling's cell repeated over the rectangle as one path — a background that covers
    /// the whole cell as one filled rectangle, lines cut to the rectangle, other shapes (dots)
    /// where they lie wholly inside it.
    fn tiled_rect(&mut self, tiling: &Tiling, w: f64, h: f64, t: Affine) {
        let mut items = Vec::new();
        cell_shapes(tiling.frame(), Affine::IDENTITY, &mut items);
        let (cw, ch) = (tiling.size().x.to_pt(), tiling.size().y.to_pt());
        let (sx, sy) = (cw + tiling.spacing().x.to_pt(), ch + tiling.spacing().y.to_pt());
        let (ox, oy) = (tiling.offset().x.to_pt(), tiling.offset().y.to_pt());
        if sx <= 0.0 || sy <= 0.0 || w <= 0.0 || h <= 0.0 {
            return;
        }
        // Cells that meet the rectangle.
        let (i0, i1) = (((0.0 - ox) / sx).floor() as i64 - 1, ((w - ox) / sx).ceil() as i64);
        let (j0, j1) = (((0.0 - oy) / sy).floor() as i64 - 1, ((h - oy) / sy).ceil() as i64);
        let eps = 1e-6;
        for (at, shape) in items {
            let (Some(fill), None, Geometry::Rect(size)) = (&shape.fill, &shape.stroke, &shape.geometry) else {
                let mut segs = Vec::new();
                for j in j0..=j1 {
                    for i in i0..=i1 {
                        let cell = (ox + i as f64 * sx, oy + j as f64 * sy);
                        tile_shape(shape, at, cell, (w, h), &mut segs);
                    }
                }
                if !segs.is_empty() {
                    self.path(&segs, t, shape.stroke.as_ref(), shape.fill.as_ref(), shape.fill_rule);
                }
                continue;
            };
            // A filled rectangle covering the cell: the background, once for the whole area.
            let (x, y) = at.apply(0.0, 0.0);
            let covers = at.is_translation()
                && x <= eps
                && y <= eps
                && x + size.x.to_pt() >= cw - eps
                && y + size.y.to_pt() >= ch - eps;
            let mut segs = Vec::new();
            if covers {
                rect(w, h, (0.0, 0.0), &mut segs);
            } else {
                for j in j0..=j1 {
                    for i in i0..=i1 {
                        let cell = (ox + i as f64 * sx, oy + j as f64 * sy);
                        tile_shape(shape, at, cell, (w, h), &mut segs);
                    }
                }
            }
            if !segs.is_empty() {
                self.path(&segs, t, None, Some(fill), shape.fill_rule);
            }
        }
    }

    /// A colour element (`FillColor` / `StrokeColor`). CMYK colours stay CMYK, in the
    /// document's CMYK colour space (`Value` "c m y k", 0–255), as the PDF has them; other
    /// colours are sRGB `"r g b"`. Gradients and tilings (where not drawn as paths) by their
    /// first colour.
    fn color(&mut self, name: &str, paint: &Paint) -> El {
        let c = match paint {
            Paint::Solid(c) => c.clone(),
            Paint::Gradient(g) => g.stops_ref().first().map(|s| s.0.clone()).unwrap_or(Color::BLACK),
            Paint::Tiling(t) => tiling_color(t.frame()).unwrap_or(Color::BLACK),
        };
        let byte = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
        if let Color::Process(ProcessColor::Cmyk(k)) = c {
            let space = self.res.cmyk(self.ids);
            return El::ofd(name)
                .attr("Value", format!("{} {} {} {}", byte(k.c), byte(k.m), byte(k.y), byte(k.k)))
                .attr("ColorSpace", space);
        }
        let rgb = c.to_rgb();
        El::ofd(name).attr("Value", format!("{} {} {}", byte(rgb.red), byte(rgb.green), byte(rgb.blue)))
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
        self.record(id, ObjectKind::Image);
    }
}

/// A rectangle's outline from `at`, `w` × `h` points.
fn rect(w: f64, h: f64, at: (f64, f64), segs: &mut Vec<(char, Vec<(f64, f64)>)>) {
    let (x, y) = at;
    segs.push(('M', vec![(x, y)]));
    segs.push(('L', vec![(x + w, y)]));
    segs.push(('L', vec![(x + w, y + h)]));
    segs.push(('L', vec![(x, y + h)]));
    segs.push(('C', vec![]));
}

/// The shapes of a tiling's cell with their transforms inside the cell.
fn cell_shapes<'f>(frame: &'f Frame, t: Affine, out: &mut Vec<(Affine, &'f Shape)>) {
    for (pos, item) in frame.items() {
        match item {
            FrameItem::Group(g) => cell_shapes(&g.frame, t.then_translate(*pos).then(&g.transform), out),
            FrameItem::Shape(s, _) => out.push((t.then_translate(*pos), s)),
            _ => {}
        }
    }
}

/// One cell's copy of a tiling shape (placed by `at` inside the cell, the cell at `cell`), kept
/// inside the `area` (w, h) that the tiling fills: a line cut to the area, any other shape only
/// when it lies wholly inside.
fn tile_shape(shape: &Shape, at: Affine, cell: (f64, f64), area: (f64, f64), segs: &mut Vec<(char, Vec<(f64, f64)>)>) {
    let place = |x: f64, y: f64| {
        let (px, py) = at.apply(x, y);
        (px + cell.0, py + cell.1)
    };
    let mut own = Vec::new();
    match &shape.geometry {
        Geometry::Line(p) => {
            if let Some((a, b)) = clip_segment(place(0.0, 0.0), place(p.x.to_pt(), p.y.to_pt()), area) {
                segs.push(('M', vec![a]));
                segs.push(('L', vec![b]));
            }
            return;
        }
        Geometry::Rect(s) => rect(s.x.to_pt(), s.y.to_pt(), (0.0, 0.0), &mut own),
        Geometry::Curve(c) => curve(c, (0.0, 0.0), &mut own),
    }
    let placed: Vec<(char, Vec<(f64, f64)>)> =
        own.into_iter().map(|(op, ps)| (op, ps.into_iter().map(|(x, y)| place(x, y)).collect())).collect();
    let inside = placed
        .iter()
        .flat_map(|(_, ps)| ps.iter())
        .all(|&(x, y)| (-1e-6..=area.0 + 1e-6).contains(&x) && (-1e-6..=area.1 + 1e-6).contains(&y));
    if inside {
        segs.extend(placed);
    }
}

/// The part of the segment a–b inside the rectangle (0, 0)–`area` (Liang–Barsky), if any.
fn clip_segment(a: (f64, f64), b: (f64, f64), area: (f64, f64)) -> Option<((f64, f64), (f64, f64))> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [(-dx, a.0), (dx, area.0 - a.0), (-dy, a.1), (dy, area.1 - a.1)] {
        if p.abs() < 1e-12 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
    }
    if t1 - t0 <= 1e-9 {
        return None;
    }
    Some(((a.0 + t0 * dx, a.1 + t0 * dy), (a.0 + t1 * dx, a.1 + t1 * dy)))
}

fn curve(c: &Curve, at: (f64, f64), segs: &mut Vec<(char, Vec<(f64, f64)>)>) {
    let p = |p: &Point| (p.x.to_pt() + at.0, p.y.to_pt() + at.1);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_cut_to_the_area() {
        // A diagonal through the whole area, one reaching out of it, one wholly outside.
        let full = clip_segment((0.0, 5.0), (5.0, 0.0), (5.0, 5.0)).unwrap();
        assert_eq!(full, ((0.0, 5.0), (5.0, 0.0)));
        let (a, b) = clip_segment((3.0, 5.0), (8.0, 0.0), (5.0, 5.0)).unwrap();
        assert!((a.0 - 3.0).abs() < 1e-9 && (a.1 - 5.0).abs() < 1e-9);
        assert!((b.0 - 5.0).abs() < 1e-9 && (b.1 - 3.0).abs() < 1e-9);
        assert_eq!(clip_segment((6.0, 1.0), (9.0, 4.0), (5.0, 5.0)), None);
        // A horizontal line on the area's edge is kept, one above it is not.
        assert!(clip_segment((-1.0, 0.0), (6.0, 0.0), (5.0, 5.0)).is_some());
        assert_eq!(clip_segment((-1.0, -0.5), (6.0, -0.5), (5.0, 5.0)), None);
    }
}
