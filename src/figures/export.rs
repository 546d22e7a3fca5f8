//! One export as an owned request: which figure of which run, figure or data, and where. The
//! request is `Send + 'static` (the run's data is shared through an `Arc`), so the window hands
//! it to a background job instead of rendering on the UI thread; `pairscope train` makes the
//! same requests for its output folder.

use std::path::PathBuf;
use std::sync::Arc;

use super::catalogue::FigureId;
use super::figure::{FigureError, Format};
use super::run_data::RunData;

/// What to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFile {
    /// The figure, `width` pixels wide (SVG: user units), with the caption when asked.
    Figure {
        format: Format,
        width: u32,
        caption: bool,
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
        } => figure.render(&run, format, width, caption)?,
        ExportFile::Data => figure
            .entry()
            .data
            .bytes(&run)
            .ok_or(FigureError::NotReady(figure.name()))??,
    };
    super::render::write(&path, &bytes)?;
    Ok(path)
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
