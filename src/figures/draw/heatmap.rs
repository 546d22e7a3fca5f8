//! A heatmap: the `m × m` cells' axes with class boundaries (the cells themselves are a raster
//! placed under them, see `encode`), and a colour bar or the mined pairs' legend.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{FONT, Sizes, Title, draw_err, rgb};
use crate::figures::figure::{FigureError, Heatmap};
use crate::gpu::colormap::{self, ColorMap};

/// Draws the heatmap's frame and legend; returns the pixel rectangle of its cells.
pub(super) fn draw<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
    fig: &Heatmap,
    title: &Title<'_>,
) -> Result<(i32, i32, i32, i32), FigureError>
where
    DB::ErrorType: 'static,
{
    let (w, _) = body.dim_in_pixel();
    let z = title.sizes;
    // The colour bar's (or the legend's) column: a fifth of the figure, or what its text needs
    // when that is more (on a board's panel, whose text has the whole board's sizes).
    let bar_w = (w / 5).max(side_width(body, fig, z)?.min(w * 8 / 25));
    let (left, right) = body.split_horizontally(w.saturating_sub(bar_w));
    let m = fig.m as f64;
    // The title above the chart's own margin, and half a tick label more between them: the
    // top row's tick label reaches that far up, and met the title's descenders.
    let body = if title.text.is_empty() {
        left.clone()
    } else {
        left.margin(z.gap * 2, 0, 0, 0)
            .titled(title.text, (FONT, title.size))
            .map_err(draw_err)?
    };
    let mut chart = ChartBuilder::on(&body)
        .margin(z.gap * 2)
        .margin_top(z.gap * 2 + z.tick / 2)
        .x_label_area_size(z.tick + z.label + 3 * z.gap)
        .y_label_area_size(z.tick * 2 + z.label + 2 * z.gap)
        .build_cartesian_2d(0.0..m, m..0.0)
        .map_err(draw_err)?;
    let int_format = |v: &f64| format!("{v:.0}");
    // As many ticks as fit ("100" is under 3 ems, with a gap).
    let (plot_w, _) = chart.plotting_area().dim_in_pixel();
    let x_ticks = (plot_w / (z.tick * 3).max(1)).clamp(2, 6) as usize;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("j (other sample)")
        .y_desc("i (anchor)")
        .x_labels(x_ticks)
        .y_labels(6)
        .x_label_formatter(&int_format)
        .y_label_formatter(&int_format)
        .label_style((FONT, z.tick))
        .axis_desc_style((FONT, z.label))
        .draw()
        .map_err(draw_err)?;
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    // Class boundaries: the rows are sorted by class.
    let line = ShapeStyle::from(&BLACK.mix(0.6)).stroke_width(z.line.div_ceil(2));
    for k in 1..fig.labels.len() {
        if fig.labels[k] != fig.labels[k - 1] {
            let t = k as f64;
            for path in [vec![(t, 0.0), (t, m)], vec![(0.0, t), (m, t)]] {
                chart
                    .draw_series(std::iter::once(PathElement::new(path, line)))
                    .map_err(draw_err)?;
            }
        }
    }
    // The colour bar spans the cells' rows exactly.
    let (_, top) = right.get_base_pixel();
    let (_, right_h) = right.dim_in_pixel();
    let span = (
        (yr.start - top).max(0) as u32,
        (top + right_h as i32 - yr.end).max(0) as u32,
    );
    if fig.categories.is_empty() {
        colour_bar(&right, fig.map, fig.range, &fig.colour_bar, z, span)?;
    } else {
        // The heading only on a titled figure: a board's panel is named in its header.
        let heading = !title.text.is_empty();
        categories(&right, fig, z, (span.0 as i32, heading))?;
    }
    Ok((xr.start, yr.start, xr.end, yr.end))
}

/// The width the colour bar (its ticks and label) or the categorical legend (swatch and the
/// longest name) needs.
fn side_width<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    fig: &Heatmap,
    z: Sizes,
) -> Result<u32, FigureError>
where
    DB::ErrorType: 'static,
{
    if fig.categories.is_empty() {
        let ticks = tick_width(area, fig.range, z)?;
        return Ok(bar_width(z) + 3 * z.gap + ticks + z.label + 5 * z.gap);
    }
    let style = TextStyle::from((FONT, z.label).into_font());
    let mut widest = super::text::width(area, &fig.colour_bar, &style)?;
    for (name, _) in &fig.categories {
        widest = widest.max(super::text::width(area, name, &style)? + z.label + z.gap);
    }
    Ok(widest + 3 * z.gap)
}

/// The categorical legend (mined pairs): one swatch per category.
fn categories<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    fig: &Heatmap,
    z: Sizes,
    (top, heading): (i32, bool),
) -> Result<(), FigureError>
where
    DB::ErrorType: 'static,
{
    let style = TextStyle::from((FONT, z.label).into_font());
    let (pad, swatch) = (z.gap as i32, z.label as i32);
    let mut y = top;
    if heading {
        area.draw_text(&fig.colour_bar, &style, (pad, y))
            .map_err(draw_err)?;
        y += (z.label * 3 / 2) as i32;
    }
    // A name wider than the column wraps.
    let (w, _) = area.dim_in_pixel();
    let text_w = (w as i32 - 3 * pad - swatch).max(1) as u32;
    for (name, c) in &fig.categories {
        area.draw(&Rectangle::new(
            [(pad, y), (pad + swatch, y + swatch)],
            rgb(*c).filled(),
        ))
        .map_err(draw_err)?;
        for line in super::text::wrap(area, name, &style, text_w)? {
            area.draw_text(&line, &style, (2 * pad + swatch, y))
                .map_err(draw_err)?;
            y += z.label as i32;
        }
        y += (z.label / 2) as i32;
    }
    Ok(())
}

/// The colour bar's own width: a label's height and a half.
fn bar_width(z: Sizes) -> u32 {
    (z.label * 3 / 2).max(6)
}

/// A colour bar tick's text.
fn tick_text(v: f64) -> String {
    if v.abs() > 0.0 && v.abs() < 1e-2 {
        format!("{v:.1e}")
    } else {
        format!("{v:.2}")
    }
}

/// The width of the colour bar's widest tick label (its ends and middle stand for the rest).
fn tick_width<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (lo, hi): (f32, f32),
    z: Sizes,
) -> Result<u32, FigureError>
where
    DB::ErrorType: 'static,
{
    let style = TextStyle::from((FONT, z.tick).into_font());
    let (lo, hi) = (f64::from(lo), f64::from(hi));
    let mut widest = 0;
    for v in [lo, hi, (lo + hi) / 2.0, lo + (hi - lo) / 3.0] {
        widest = widest.max(super::text::width(area, &tick_text(v), &style)?);
    }
    Ok(widest)
}

/// A vertical colour bar with its value axis on its right, as a plot's colour bar is read: the
/// ticks, then the label (their room measured, so no tick label runs into the bar).
fn colour_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    map: ColorMap,
    range: (f32, f32),
    label: &str,
    z: Sizes,
    (above, below): (u32, u32),
) -> Result<(), FigureError>
where
    DB::ErrorType: 'static,
{
    // The bar keeps its width; the ticks and the label get the rest of the column. Where that
    // is too narrow for both (a board's panel, whose text has the whole board's sizes) the label
    // is left out — the panel's header and the board's caption name the quantity.
    let ticks = tick_width(area, range, z)?;
    let (column, _) = area.dim_in_pixel();
    let room = column.saturating_sub(bar_width(z) + 3 * z.gap);
    let full = ticks + z.label + 5 * z.gap;
    let (labels, label) = if room >= full {
        (full, label)
    } else {
        ((ticks + 2 * z.gap).min(room), "")
    };
    let (lo, hi) = range;
    let (lo, hi) = (f64::from(lo), f64::from(hi.max(lo + f32::EPSILON)));
    let mut chart = ChartBuilder::on(area)
        .margin_top(above)
        .margin_bottom(below)
        .margin_left(z.gap * 2)
        .margin_right(z.gap)
        .right_y_label_area_size(labels)
        .build_cartesian_2d(0.0..1.0, lo..hi)
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_desc(label)
        .y_labels(6)
        .set_tick_mark_size(LabelAreaPosition::Right, z.gap.max(3) as i32)
        .label_style((FONT, z.tick))
        .axis_desc_style((FONT, z.label))
        .y_label_formatter(&|v| tick_text(*v))
        .draw()
        .map_err(draw_err)?;
    let steps = 64;
    chart
        .draw_series((0..steps).map(|k| {
            let t0 = f64::from(k) / f64::from(steps);
            let t1 = f64::from(k + 1) / f64::from(steps);
            let [r, g, b, _] =
                colormap::unpack(colormap::colour_of(map, ((t0 + t1) / 2.0) as f32, 0.0, 1.0));
            Rectangle::new(
                [(0.0, lo + t0 * (hi - lo)), (1.0, lo + t1 * (hi - lo))],
                RGBColor(r, g, b).filled(),
            )
        }))
        .map_err(draw_err)?;
    Ok(())
}
