//! Checking a lesson by its id, and writing its figures through the figure catalogue (the same
//! files `pairscope train --out` writes for those figures).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::course::find;
use super::lesson::{LessonError, Verdict};
use crate::figures::{self, ExportFile, ExportRequest, Format};

/// Runs the check of the lesson named `id`.
pub fn check(id: &str) -> Result<Verdict, LessonError> {
    let lesson = find(id).ok_or_else(|| LessonError::Unknown(id.to_owned()))?;
    (lesson.check)(&lesson)
}

/// Writes the lesson's figures that its run has data for, as PNG and SVG of `width` pixels,
/// into `out` (created if missing). Returns the files written.
pub fn write_figures(
    verdict: &Verdict,
    out: &Path,
    width: u32,
) -> Result<Vec<PathBuf>, LessonError> {
    let lesson = find(verdict.lesson).ok_or_else(|| LessonError::Unknown(verdict.lesson.into()))?;
    let Some(run) = &verdict.run else {
        return Ok(Vec::new());
    };
    std::fs::create_dir_all(out).map_err(|source| LessonError::Io {
        path: out.to_owned(),
        source,
    })?;
    let run = Arc::new(run.clone());
    let mut written = Vec::new();
    for &figure in lesson.figures.iter().filter(|f| f.available(&run)) {
        for format in [Format::Png, Format::Svg] {
            let path = out.join(format!("{}.{}", figure.name(), format.extension()));
            written.push(figures::export(ExportRequest {
                figure,
                file: ExportFile::Figure {
                    format,
                    width,
                    caption: false,
                    preset: None,
                },
                run: Arc::clone(&run),
                path,
            })?);
        }
    }
    Ok(written)
}
