//! Curves and scattered points on two axes with a legend: the loss and metric curves, w
//! against S, the t-SNE layout and the raw embeddings.

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::legend::{self, Place};
use super::pattern;
use super::style::{FONT, Sizes, Title, draw_err, rgb};
use crate::figures::figure::{FigureError, Plot, Series, Stroke};

type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

pub(super) fn draw<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
    plot: &Plot,
    title: &Title<'_>,
) -> Result<(), FigureError>
where
    DB::ErrorType: 'static,
{
    let ((x0, x1), (y0, y1)) = axis_ranges(plot);
    let z = title.sizes;
    let (x_area, y_area) = (z.tick + z.label + 2 * z.gap, z.tick * 3 + z.label + z.gap);
    // The legend goes where no data is: an empty corner, else a column to the right.
    let (bw, bh) = body.dim_in_pixel();
    let plot_px = (
        bw.saturating_sub(y_area + 4 * z.gap),
        bh.saturating_sub(x_area + title.size * 3 / 2 + 4 * z.gap),
    );
    let place = legend::place(plot, ((x0, x1), (y0, y1)), plot_px, z);
    let (chart_area, column) = match place {
        Place::Right(width) => {
            let (left, right) = body.split_horizontally(bw.saturating_sub(width));
            (left, Some(right))
        }
        Place::Below { height, .. } => {
            let (top, bottom) = body.split_vertically(bh.saturating_sub(height));
            (top, Some(bottom))
        }
        Place::None | Place::Corner(_) => (body.clone(), None),
    };
    let mut builder = ChartBuilder::on(&chart_area);
    if !title.text.is_empty() {
        builder.caption(title.text, (FONT, title.size));
    }
    let mut chart = builder
        .margin(z.gap * 2)
        .x_label_area_size(x_area)
        .y_label_area_size(y_area)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(draw_err)?;
    // Steps are whole numbers: label them so ("50", not "50.0"), with whole-number ticks.
    let integral = is_integral(plot, |p| p.0);
    // As many ticks as fit: a label is at most ~5 ems wide ("-40.0", "1500").
    let (plot_w, plot_h) = chart.plotting_area().dim_in_pixel();
    let fit = (plot_w / (z.tick * 4).max(1)).clamp(2, 10) as usize;
    // Upright, a label needs its height and as much again between labels.
    let y_ticks = (plot_h / (z.tick * 2).max(1)).clamp(2, 10) as usize;
    let x_ticks = if integral {
        ((x1 - x0).floor() as usize + 1).clamp(2, fit)
    } else {
        fit
    };
    let int_format = |v: &f64| format!("{v:.0}");
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(plot.x_label.as_str())
        .y_desc(plot.y_label.as_str())
        .x_labels(x_ticks)
        .y_labels(y_ticks)
        .label_style((FONT, z.tick))
        .axis_desc_style((FONT, z.label))
        .light_line_style(RGBColor(235, 235, 235));
    if integral {
        mesh.x_label_formatter(&int_format);
    }
    mesh.draw().map_err(draw_err)?;
    for s in &plot.series {
        series(&mut chart, s, z)?;
    }
    match place {
        Place::Corner(corner) => {
            chart
                .configure_series_labels()
                .legend_area_size(3 * z.label)
                .margin(z.gap)
                .label_font((FONT, z.label))
                .background_style(WHITE.mix(0.85))
                .border_style(RGBColor(180, 180, 180))
                .position(corner.position())
                .draw()
                .map_err(draw_err)?;
        }
        Place::Right(_) => {
            if let Some(column) = &column {
                let top = (title.size * 3 / 2 + 2 * z.gap) as i32;
                legend_entries(column, plot, (top, 1), z)?;
            }
        }
        Place::Below { columns, .. } => {
            if let Some(rows) = &column {
                legend_entries(rows, plot, (z.gap as i32, columns), z)?;
            }
        }
        Place::None => {}
    }
    Ok(())
}

/// The legend outside the plot, from `top` down, `columns` entries to a row (a column beside
/// the plot has one): each named series' stroke and name.
fn legend_entries<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    plot: &Plot,
    (top, columns): (i32, u32),
    z: Sizes,
) -> Result<(), FigureError>
where
    DB::ErrorType: 'static,
{
    let (len, row) = (2 * z.label as i32, (z.label * 5 / 4) as i32);
    let text = TextStyle::from((FONT, z.label).into_font());
    let entry_w = legend::box_size(plot, z).0 as i32;
    let columns = columns.max(1) as usize;
    let named = plot.series.iter().filter(|s| !s.name.is_empty());
    for (k, s) in named.enumerate() {
        let y = top + row * (k / columns) as i32 + row / 2;
        let x = z.gap as i32 + entry_w * (k % columns) as i32;
        if s.stroke == Stroke::Markers {
            area.draw(&Circle::new(
                (x + len / 2, y),
                z.marker + 1,
                rgb(s.colour).filled(),
            ))
            .map_err(draw_err)?;
        } else {
            let line = [(x, y), (x + len, y)];
            let markers = [(x + len / 2, y)];
            stroke(area, &line, &markers, s, z)?;
        }
        area.draw_text(
            &s.name,
            &text,
            (x + len + z.gap as i32, y - z.label as i32 / 2),
        )
        .map_err(draw_err)?;
    }
    Ok(())
}

/// The axes' ranges: the given ones, else the data's (finite values only) with 5 % padding;
/// squared around their centre for an equal aspect.
fn axis_ranges(plot: &Plot) -> ((f64, f64), (f64, f64)) {
    let bounds = |f: fn(&(f64, f64)) -> f64| {
        let (lo, hi) = plot
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(f))
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            });
        if lo.is_finite() {
            let pad = ((hi - lo) * 0.05).max(1e-9);
            (lo - pad, hi + pad)
        } else {
            (0.0, 1.0)
        }
    };
    let (x0, x1) = plot.x_range.unwrap_or_else(|| bounds(|p| p.0));
    let (y0, y1) = plot.y_range.unwrap_or_else(|| bounds(|p| p.1));
    if plot.equal_aspect {
        let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        let half = ((x1 - x0).max(y1 - y0)) / 2.0;
        ((cx - half, cx + half), (cy - half, cy + half))
    } else {
        ((x0, x1), (y0, y1))
    }
}

/// Whether every finite coordinate (`f` of each point) is a whole number (steps).
fn is_integral(plot: &Plot, f: fn(&(f64, f64)) -> f64) -> bool {
    let mut any = false;
    for v in plot
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(f))
        .filter(|v| v.is_finite())
    {
        if v.fract() != 0.0 {
            return false;
        }
        any = true;
    }
    any
}

/// One series in its stroke, with its legend entry when it has a name.
fn series<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    s: &Series,
    z: Sizes,
) -> Result<(), FigureError>
where
    DB::ErrorType: 'static,
{
    let colour = rgb(s.colour);
    let style = ShapeStyle::from(&colour).stroke_width(z.line);
    let pts = s.points.clone();
    let anno = match s.stroke {
        Stroke::Solid => chart.draw_series(LineSeries::new(pts, style)),
        Stroke::Markers => chart.draw_series(
            pts.into_iter()
                .map(|p| Circle::new(p, z.marker, colour.filled())),
        ),
        _ => {
            // Patterns and marked lines, in pixels on the plotting area (their legend is the
            // column beside the plot: `legend::place`).
            let area = chart.plotting_area().strip_coord_spec();
            let (bx, by) = area.get_base_pixel();
            let px = |p: &(f64, f64)| {
                let (x, y) = chart.backend_coord(p);
                (x - bx, y - by)
            };
            let line: Vec<(i32, i32)> = s.points.iter().map(px).collect();
            return stroke(&area, &line, &line, s, z);
        }
    }
    .map_err(draw_err)?;
    if !s.name.is_empty() {
        let markers = s.stroke == Stroke::Markers;
        let (len, dot) = (2 * z.label as i32, z.marker + 1);
        anno.label(s.name.clone()).legend(move |(x, y)| {
            // A dot for scattered points, a line segment for curves.
            let style = ShapeStyle::from(&colour).stroke_width(dot);
            let len = if markers { 0 } else { len };
            EmptyElement::at((x, y))
                + PathElement::new(vec![(0, 0), (len, 0)], style)
                + Circle::new((len / 2, 0), if markers { dot } else { 0 }, colour.filled())
        });
    }
    Ok(())
}

/// A series' line in pixels in its stroke's look, with its markers at `markers` for the marked
/// strokes.
fn stroke<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    line: &[(i32, i32)],
    markers: &[(i32, i32)],
    s: &Series,
    z: Sizes,
) -> Result<(), FigureError>
where
    DB::ErrorType: 'static,
{
    let look = pattern::look(s.stroke, z.line);
    let colour = rgb(s.colour).mix(look.opacity);
    let style = ShapeStyle::from(&colour).stroke_width(look.width);
    for dash in pattern::dashes(line, &look.dashes) {
        if dash.len() >= 2 {
            area.draw(&PathElement::new(dash, style))
                .map_err(draw_err)?;
        }
    }
    let r = (z.marker + 1) as i32;
    for &(x, y) in markers {
        match s.stroke {
            Stroke::SolidSquares => area.draw(&Rectangle::new(
                [(x - r, y - r), (x + r, y + r)],
                colour.filled(),
            )),
            Stroke::SolidCircles => area.draw(&Circle::new((x, y), r as u32, colour.filled())),
            _ => Ok(()),
        }
        .map_err(draw_err)?;
    }
    Ok(())
}
