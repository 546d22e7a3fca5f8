//! A figure file's size: pixels (the PNG; the SVG's user units) and the physical size the SVG
//! and the PDF declare, with the presets a paper or a slide wants. Without a preset a figure is
//! as wide as asked, its height follows its shape, and it measures 96 pixels per inch (CSS
//! pixels: what a browser and `usvg` assume for an SVG without units).

/// Pixels per inch of a figure without a preset (CSS pixels).
pub const CSS_DPI: f64 = 96.0;

/// A figure size for a kind of document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Preset {
    /// A two-column paper's column: 3.5 in × 2.625 in at 300 dpi (1050 × 788 pixels), no
    /// text under 7 pt.
    Paper,
    /// A 16 : 9 slide: 1920 × 1080 pixels, 13.33 in × 7.5 in (144 dpi), the page size of a
    /// widescreen presentation, so a PDF or SVG fills the slide at its own size.
    Slide,
}

impl Preset {
    pub const ALL: [Self; 2] = [Self::Paper, Self::Slide];

    /// The name `--figure-preset` takes.
    pub fn name(self) -> &'static str {
        match self {
            Self::Paper => "paper",
            Self::Slide => "slide",
        }
    }

    /// The preset called `name` (exactly as [`Preset::name`] spells it).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The width in pixels when none is asked for.
    pub fn width(self) -> u32 {
        match self {
            Self::Paper => 1050,
            Self::Slide => 1920,
        }
    }

    /// Pixels per inch: the PNG's resolution and the SVG's and PDF's scale.
    pub fn dpi(self) -> f64 {
        match self {
            Self::Paper => 300.0,
            Self::Slide => 144.0,
        }
    }

    /// Height over width (every figure of a preset has its proportions, whatever its shape).
    pub fn aspect(self) -> f64 {
        match self {
            Self::Paper => 0.75,
            Self::Slide => 9.0 / 16.0,
        }
    }

    /// The smallest text the preset allows, in points (a paper's 7 pt at its column width);
    /// `None`: the figure's own proportions (text ≥ 1.9 % of the width) are enough.
    pub fn least_text_pt(self) -> Option<f64> {
        match self {
            Self::Paper => Some(7.0),
            Self::Slide => None,
        }
    }
}

/// The size of one figure file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Page {
    /// Pixels (PNG), user units (SVG).
    pub width: u32,
    pub height: u32,
    /// Physical size in inches (the SVG's `width`/`height`, the PDF's page).
    pub width_in: f64,
    pub height_in: f64,
    /// The smallest text in points, if the preset sets one.
    pub least_text_pt: Option<f64>,
    /// Whether the SVG declares its size in inches (a preset) or in pixels (none).
    pub physical: bool,
}

impl Page {
    /// No preset: `width × height` pixels at 96 per inch.
    pub fn pixels(width: u32, height: u32) -> Self {
        Self {
            width,
            height,
            width_in: f64::from(width) / CSS_DPI,
            height_in: f64::from(height) / CSS_DPI,
            least_text_pt: None,
            physical: false,
        }
    }

    /// `preset`, `width` pixels wide if given (else the preset's width), as tall as the
    /// preset's proportions say, at the preset's resolution: `--width 2100` with `paper` is a
    /// 7 in figure at 300 dpi. The physical height is exact (2.625 in), the pixel height the
    /// nearest whole pixel (788).
    pub fn preset(preset: Preset, width: Option<u32>) -> Self {
        let width = width.unwrap_or_else(|| preset.width());
        let width_in = f64::from(width) / preset.dpi();
        Self {
            width,
            height: (f64::from(width) * preset.aspect()).round() as u32,
            width_in,
            height_in: width_in * preset.aspect(),
            least_text_pt: preset.least_text_pt(),
            physical: true,
        }
    }

    /// The page in PDF points (1/72 in).
    pub fn size_pt(&self) -> (f64, f64) {
        (self.width_in * 72.0, self.height_in * 72.0)
    }

    /// The smallest text em in pixels (0 when the preset sets none).
    pub fn least_em_px(&self) -> f64 {
        self.least_text_pt
            .map_or(0.0, |pt| pt / 72.0 * f64::from(self.width) / self.width_in)
    }

    /// The SVG with its root's `width` and `height` in inches (its `viewBox` stays in
    /// pixels), when the page is physical; unchanged otherwise.
    pub fn size_svg(&self, svg: String) -> String {
        if !self.physical {
            return svg;
        }
        let Some(start) = svg.find("<svg") else {
            return svg;
        };
        let Some(end) = svg[start..].find('>').map(|e| start + e) else {
            return svg;
        };
        let root = &svg[start..end];
        let root = set_attribute(root, "width", &inches(self.width_in));
        let root = set_attribute(&root, "height", &inches(self.height_in));
        format!("{}{root}{}", &svg[..start], &svg[end..])
    }
}

fn inches(x: f64) -> String {
    // Four decimals: a ten-thousandth of an inch is far below a printer's dot.
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}in")
}

/// `tag` (an element's opening tag) with ` name="…"` set to `value` (added if missing).
fn set_attribute(tag: &str, name: &str, value: &str) -> String {
    let key = format!(" {name}=\"");
    match tag.find(&key) {
        Some(at) => {
            let from = at + key.len();
            let to = tag[from..].find('"').map_or(tag.len(), |e| from + e);
            format!("{}{value}{}", &tag[..from], &tag[to..])
        }
        None => format!("{tag} {name}=\"{value}\""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paper_is_a_column_at_300_dpi_and_slide_is_full_hd() {
        let paper = Page::preset(Preset::Paper, None);
        assert_eq!((paper.width, paper.height), (1050, 788));
        assert_eq!(paper.size_pt(), (252.0, 189.0));
        // 7 pt at 300 dpi.
        assert!((paper.least_em_px() - 7.0 / 72.0 * 300.0).abs() < 1e-9);
        let wider = Page::preset(Preset::Paper, Some(1400));
        assert_eq!((wider.width, wider.height), (1400, 1050));
        let slide = Page::preset(Preset::Slide, None);
        assert_eq!((slide.width, slide.height), (1920, 1080));
        assert_eq!(slide.least_em_px(), 0.0);
        let plain = Page::pixels(1600, 900);
        assert_eq!(plain.size_pt(), (1200.0, 675.0));
        for p in Preset::ALL {
            assert_eq!(Preset::from_name(p.name()), Some(p));
        }
        assert_eq!(Preset::from_name("poster"), None);
    }

    #[test]
    fn a_physical_page_declares_inches_and_keeps_the_view_box() {
        let svg = "<?xml?>\n<svg width=\"1050\" height=\"788\" viewBox=\"0 0 1050 788\" xmlns=\"x\">\n<rect width=\"5\"/></svg>".to_owned();
        let sized = Page::preset(Preset::Paper, None).size_svg(svg.clone());
        assert!(
            sized.contains("<svg width=\"3.5in\" height=\"2.625in\" viewBox=\"0 0 1050 788\""),
            "{sized}"
        );
        // Only the root changes.
        assert!(sized.contains("<rect width=\"5\"/>"));
        assert_eq!(Page::pixels(1050, 788).size_svg(svg.clone()), svg);
    }
}
