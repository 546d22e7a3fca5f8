//! An image folder in the usual ImageFolder layout: one sub-folder per class, images inside,
//! read with the image crate, resized to a square side, grey or RGB (channel-major planes).

use std::path::{Path, PathBuf};

use super::dataset::Dataset;
use super::error::DataError;
use super::limits::{DATASET_VALUES, IMAGE_COUNT, IMAGE_PIXELS, IMAGE_SIDE};

/// What loading found besides the data (e.g. resized images of mixed sizes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadNotes(pub Vec<String>);

/// Loads `dir`: classes are the sub-folders (sorted by name), images are resized to
/// `side × side`, grey (one plane) or RGB (three planes), scaled to 0..1.
pub fn load_image_folder(
    dir: &Path,
    side: usize,
    rgb: bool,
) -> Result<(Dataset, LoadNotes), DataError> {
    load_image_folder_with_progress(dir, side, rgb, &|_| {})
}

/// [`load_image_folder`], calling `progress` with the fraction of images decoded so far.
pub fn load_image_folder_with_progress(
    dir: &Path,
    side: usize,
    rgb: bool,
    progress: &dyn Fn(f32),
) -> Result<(Dataset, LoadNotes), DataError> {
    let name = dir.display().to_string();
    if let Some(problem) = IMAGE_SIDE.problem(side) {
        return Err(file_error(&name, problem));
    }
    let classes = list_classes(dir, &name)?;
    let total: usize = classes.iter().map(|(_, files)| files.len()).sum();
    let channels = if rgb { 3 } else { 1 };
    // Counted before any image is decoded or the feature matrix allocated.
    let problem = IMAGE_COUNT
        .problem(total)
        .or_else(|| DATASET_VALUES.problem(total * channels * side * side));
    if let Some(problem) = problem {
        return Err(file_error(&name, problem));
    }
    let mut features = Vec::with_capacity(total * channels * side * side);
    let mut labels = Vec::with_capacity(total);
    let mut sizes = std::collections::BTreeSet::new();
    for (c, (_, files)) in classes.iter().enumerate() {
        for path in files {
            let size = decode_into(path, side, rgb, &mut features)?;
            sizes.insert(size);
            labels.push(c as u32);
            progress(labels.len() as f32 / total as f32);
        }
    }
    let mut notes = LoadNotes::default();
    if sizes.len() > 1 {
        notes.0.push(format!(
            "images of {} different sizes were resized to {side}×{side}",
            sizes.len()
        ));
    }
    Ok((
        Dataset {
            name: dir
                .file_name()
                .map_or_else(|| name.clone(), |n| n.to_string_lossy().into_owned()),
            features,
            dim: channels * side * side,
            labels,
            class_names: classes.into_iter().map(|(class, _)| class).collect(),
            image_shape: (!rgb).then_some((side, side)),
        },
        notes,
    ))
}

fn file_error(name: &str, problem: String) -> DataError {
    DataError::File {
        source_name: name.to_owned(),
        problem,
    }
}

/// The class sub-folders (sorted by name) and their image files (sorted), checked before any
/// image is decoded: at least one class, at least two images per class.
fn list_classes(dir: &Path, name: &str) -> Result<Vec<(String, Vec<PathBuf>)>, DataError> {
    let mut classes: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| file_error(name, e.to_string()))?
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .collect();
    classes.sort_by_key(std::fs::DirEntry::file_name);
    if classes.is_empty() {
        return Err(file_error(
            name,
            "no class sub-folders (expected one folder per class)".into(),
        ));
    }
    classes
        .iter()
        .map(|entry| {
            let mut files: Vec<_> = std::fs::read_dir(entry.path())
                .map_err(|e| file_error(name, format!("{}: {e}", entry.path().display())))?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect();
            files.sort();
            let class = entry.file_name().to_string_lossy().into_owned();
            if files.len() < 2 {
                return Err(file_error(
                    name,
                    format!(
                        "class {class:?} has {} image(s): every class needs at least 2",
                        files.len()
                    ),
                ));
            }
            Ok((class, files))
        })
        .collect()
}

/// Decodes one image, resizes it and appends its pixels; returns its original size.
fn decode_into(
    path: &Path,
    side: usize,
    rgb: bool,
    features: &mut Vec<f32>,
) -> Result<(u32, u32), DataError> {
    let corrupt = |e: &dyn std::fmt::Display| DataError::File {
        source_name: path.display().to_string(),
        problem: format!("unreadable or corrupt image: {e}"),
    };
    // The header's size first: a huge image is refused before its pixels are allocated.
    let reader = || {
        image::ImageReader::open(path)
            .and_then(image::ImageReader::with_guessed_format)
            .map_err(|e| corrupt(&e))
    };
    let (w, h) = reader()?.into_dimensions().map_err(|e| corrupt(&e))?;
    if let Some(problem) = IMAGE_PIXELS.problem(u64::from(w) * u64::from(h)) {
        return Err(file_error(&path.display().to_string(), problem));
    }
    let img = reader()?.decode().map_err(|e| corrupt(&e))?;
    let size = (img.width(), img.height());
    let img = img.resize_exact(
        side as u32,
        side as u32,
        image::imageops::FilterType::Triangle,
    );
    if rgb {
        let px = img.to_rgb8();
        for ch in 0..3 {
            features.extend(px.pixels().map(|p| f32::from(p.0[ch]) / 255.0));
        }
    } else {
        features.extend(img.to_luma8().pixels().map(|p| f32::from(p.0[0]) / 255.0));
    }
    Ok(size)
}
