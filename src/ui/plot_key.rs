//! A plot's key, drawn below the plot and outside its frame: egui_plot draws its legend inside
//! the plot, where a dozen entries hid a third of the held-out metrics at 1280 × 800. Here the
//! entries wrap at the plot's width, so the key never covers data at any window size.

use egui::{Color32, FontId, Sense, Shape, Stroke, TextStyle, pos2, vec2};

/// How an entry's series is drawn in the plot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mark {
    /// A solid line of this width (points).
    Solid(f32),
    Dashed,
    Dotted,
    /// Points only.
    Markers,
}

/// One entry: the series' name, colour and mark.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    pub name: &'a str,
    pub colour: Color32,
    pub mark: Mark,
}

impl<'a> Entry<'a> {
    pub fn new(name: &'a str, colour: Color32, mark: Mark) -> Self {
        Self { name, colour, mark }
    }
}

/// Width of an entry's sample of the mark, in points.
const SAMPLE: f32 = 18.0;

/// The entries in rows that wrap at the available width; each entry (sample and name) is one
/// widget, so it never breaks across rows, and screen readers (and the layout tests) read its
/// name.
pub fn show(ui: &mut egui::Ui, entries: &[Entry<'_>]) {
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing = vec2(10.0, 2.0);
        for entry in entries {
            self::entry(ui, entry);
        }
    });
}

fn entry(ui: &mut egui::Ui, entry: &Entry<'_>) {
    // Between the small and the body text: readable beside the plot's tick labels.
    let font = FontId::proportional(TextStyle::Body.resolve(ui.style()).size * 0.88);
    let text = ui.visuals().text_color();
    let galley = ui
        .painter()
        .layout_no_wrap(entry.name.to_owned(), font, text);
    let size = vec2(SAMPLE + 4.0 + galley.size().x, galley.size().y.max(10.0));
    let (rect, response) = ui.allocate_exact_size(size, Sense::hover());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, entry.name));
    let painter = ui.painter();
    let y = rect.center().y;
    let (a, b) = (pos2(rect.left(), y), pos2(rect.left() + SAMPLE, y));
    let colour = entry.colour;
    match entry.mark {
        Mark::Solid(width) => {
            painter.line_segment([a, b], Stroke::new(width.max(1.0), colour));
        }
        Mark::Dashed => {
            painter.extend(Shape::dashed_line(
                &[a, b],
                Stroke::new(1.5, colour),
                4.0,
                3.0,
            ));
        }
        Mark::Dotted => {
            painter.extend(Shape::dotted_line(&[a, b], colour, 4.0, 1.0));
        }
        Mark::Markers => {
            for x in [0.2, 0.5, 0.8] {
                painter.circle_filled(pos2(rect.left() + SAMPLE * x, y), 2.0, colour);
            }
        }
    }
    let at = pos2(
        rect.left() + SAMPLE + 4.0,
        rect.center().y - galley.size().y / 2.0,
    );
    painter.galley(at, galley, text);
}
