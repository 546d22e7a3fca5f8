//! Data sets, class splits and P×K batch sampling. No egui, no burn.
//!
//! A [`Dataset`] is a dense `n × dim` feature matrix (f32, row-major) with one class index per
//! row. The bundled default is the UCI handwritten digits set ([`Dataset::digits`]); users'
//! CSV files and image folders and the synthetic generators load through [`DataSource`].

mod csv_file;
mod dataset;
mod digits;
mod error;
mod images;
pub mod limits;
mod sampler;
mod source;
mod split;
pub mod synthetic;

pub use csv_file::{LabelColumn, load_csv, parse_csv};
pub use dataset::Dataset;
pub use error::DataError;
pub use images::{LoadNotes, load_image_folder, load_image_folder_with_progress};
pub use source::DataSource;
pub use synthetic::{Generator, SyntheticSpec};

pub use sampler::{BatchIndices, PkSampler};
pub use split::{Split, SplitKind};
