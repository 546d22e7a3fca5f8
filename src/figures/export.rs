//! One export as an owned request: which figure of which run, figure or data, and where. The
//! request is `Send + 'static` (the run's data is shared through an `Arc`), so the window hands
//! it to a background job instead of rendering on the UI thread; `pairscope train` makes the
//! same requests for its output folder.

use std::path::PathBuf;
use std::sync::Arc;

use super::catalogue::FigureId;
use super::figure::{FigureError, Format};
use super::page::{Page, Preset};
use super::render::render_page;
use super::run_data::RunData;

/// What to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFile {
    /// The figure, `width` pixels wide (SVG: user units), with the caption when asked. Without
    /// a preset it is as tall as its shape says and measures 96 pixels per inch; with one it
    /// has the preset's proportions, resolution and smallest text (`width` then overrides
    /// the preset's width: [`Page::preset`]) — a board keeps its own proportions, and spans a
    /// paper's two columns (`board_page`).
    Figure {
        format: Format,
        width: u32,
        caption: bool,
        preset: Option<Preset>,
    },
    /// The data behind the figure (its [`DataKind`](super::tables::DataKind): JSON or CSV).
    Data,
}

/// A figure (or its data) to write to `path`.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    pub figure: FigureId,
    pub file: ExportFile,
    pub run: Arc<RunData>,
    pub path: PathBuf,
}

/// Renders (or tabulates) and writes the file atomically; returns its path.
pub fn export(request: ExportRequest) -> Result<PathBuf, FigureError> {
    let ExportRequest {
        figure,
        file,
        run,
        path,
    } = request;
    let bytes = match file {
        ExportFile::Figure {
            format,
            width,
            caption,
            preset,
        } => {
            let page = match preset {
                Some(preset) => board_page(preset, width, figure),
                None => Page::pixels(width, figure.entry().shape.height(width)),
            };
            let (fig, meta) = figure.build(&run, caption)?;
            render_page(&fig, &meta, format, &page)?
        }
        ExportFile::Data => figure
            .entry()
            .data
            .bytes(&run)
            .ok_or(FigureError::NotReady(figure.name()))??,
    };
    super::render::write(&path, &bytes)?;
    Ok(path)
}

/// The page of `figure` under `preset`, `width` pixels wide: the preset's proportions — except
/// for a board, which keeps its own (2 : 3: six panels squeezed into a column's or a slide's
/// proportions have no room for their text) and, on a paper, spans both columns (twice the
/// width at the preset's resolution: 7 in for `paper`, a LaTeX `figure*`), so that the
/// paper's 7 pt text leaves its panels room.
fn board_page(preset: Preset, width: u32, figure: FigureId) -> Page {
    let shape = figure.entry().shape;
    if shape != super::catalogue::Shape::Board {
        return Page::preset(preset, Some(width));
    }
    let width = if preset == Preset::Paper {
        width.saturating_mul(2).min(8192)
    } else {
        width
    };
    let mut page = Page::preset(preset, Some(width));
    page.height = shape.height(page.width);
    page.height_in = page.width_in * f64::from(page.height) / f64::from(page.width);
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send + 'static>() {}

    #[test]
    fn a_request_can_travel_to_another_thread() {
        assert_send::<ExportRequest>();
    }
}
