//! An image folder in the usual ImageFolder layout: one sub-folder per class, images inside,
//! read with the image crate, resized to a square side, grey or RGB (channel-major planes).

use std::path::Path;

use super::{DataError, Dataset};

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
    let name = dir.display().to_string();
    let file_err = |problem: String| DataError::File {
        source_name: name.clone(),
        problem,
    };
    if !(4..=256).contains(&side) {
        return Err(file_err(format!("image size {side} must be in 4..=256")));
    }
    let mut classes: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| file_err(e.to_string()))?
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .collect();
    classes.sort_by_key(|e| e.file_name());
    if classes.is_empty() {
        return Err(file_err(
            "no class sub-folders (expected one folder per class)".into(),
        ));
    }
    let channels = if rgb { 3 } else { 1 };
    let mut features = Vec::new();
    let mut labels = Vec::new();
    let mut class_names = Vec::new();
    let mut sizes = std::collections::BTreeSet::new();
    for (c, entry) in classes.iter().enumerate() {
        let mut files: Vec<_> = std::fs::read_dir(entry.path())
            .map_err(|e| file_err(format!("{}: {e}", entry.path().display())))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        if files.len() < 2 {
            return Err(file_err(format!(
                "class {:?} has {} image(s): every class needs at least 2",
                entry.file_name().to_string_lossy(),
                files.len()
            )));
        }
        for path in files {
            let img = image::open(&path).map_err(|e| DataError::File {
                source_name: path.display().to_string(),
                problem: format!("unreadable or corrupt image: {e}"),
            })?;
            sizes.insert((img.width(), img.height()));
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
            labels.push(c as u32);
        }
        class_names.push(entry.file_name().to_string_lossy().into_owned());
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
            class_names,
            image_shape: (!rgb).then_some((side, side)),
        },
        notes,
    ))
}
