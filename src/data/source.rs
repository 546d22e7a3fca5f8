//! Where a run's data comes from (part of the run configuration).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::csv_file::{LabelColumn, load_csv};
use super::dataset::Dataset;
use super::error::DataError;
use super::images::{LoadNotes, load_image_folder_with_progress};
use super::synthetic::SyntheticSpec;

/// The data of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum DataSource {
    /// The bundled handwritten digits (8×8 images).
    #[default]
    Digits,
    /// A CSV file: one label column (by name or 0-based index; default `label` or the first)
    /// and numeric features.
    Csv {
        path: PathBuf,
        #[serde(default)]
        label_column: Option<String>,
    },
    /// One sub-folder of images per class, resized to `size × size`.
    ImageFolder {
        path: PathBuf,
        #[serde(default = "default_image_size")]
        size: usize,
        #[serde(default)]
        rgb: bool,
    },
    /// A synthetic generator.
    Synthetic(SyntheticSpec),
}

fn default_image_size() -> usize {
    16
}

impl DataSource {
    /// Reads or generates the data; validation happens before anything is returned.
    pub fn load(&self) -> Result<(Dataset, LoadNotes), DataError> {
        self.load_with_progress(&|_| {})
    }

    /// [`Self::load`], calling `progress` with the fraction done where the loader can tell
    /// (image folders, image by image).
    pub fn load_with_progress(
        &self,
        progress: &dyn Fn(f32),
    ) -> Result<(Dataset, LoadNotes), DataError> {
        match self {
            Self::Digits => Ok((Dataset::digits(), LoadNotes::default())),
            Self::Csv { path, label_column } => {
                let label = label_column.as_deref().map(LabelColumn::parse);
                Ok((load_csv(path, label.as_ref())?, LoadNotes::default()))
            }
            Self::ImageFolder { path, size, rgb } => {
                load_image_folder_with_progress(path, *size, *rgb, progress)
            }
            Self::Synthetic(spec) => Ok((spec.generate()?, LoadNotes::default())),
        }
    }

    /// Checks the source's own numbers against [`super::limits`] without reading anything (a
    /// configuration is refused before its run starts; the files are checked when loaded).
    pub fn validate(&self) -> Result<(), DataError> {
        match self {
            Self::Digits | Self::Csv { .. } => Ok(()),
            Self::ImageFolder { path, size, .. } => {
                match super::limits::IMAGE_SIDE.problem(*size) {
                    None => Ok(()),
                    Some(problem) => Err(DataError::File {
                        source_name: path.display().to_string(),
                        problem,
                    }),
                }
            }
            Self::Synthetic(spec) => spec.validate(),
        }
    }

    /// A CSV file or an image folder, by what `path` is.
    pub fn from_path(path: PathBuf, label_column: Option<String>, image_size: usize) -> Self {
        if path.is_dir() {
            Self::ImageFolder {
                path,
                size: image_size,
                rgb: false,
            }
        } else {
            Self::Csv { path, label_column }
        }
    }

    pub fn label(&self) -> String {
        match self {
            Self::Digits => "digits (bundled)".into(),
            Self::Csv { path, .. } => format!("CSV {}", path.display()),
            Self::ImageFolder { path, size, .. } => {
                format!("images {} ({size}×{size})", path.display())
            }
            Self::Synthetic(s) => format!("synthetic {}", s.generator.label()),
        }
    }
}
