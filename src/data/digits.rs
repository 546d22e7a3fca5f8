//! The bundled UCI handwritten digits (assets/digits.csv, 1797 images of 8×8 pixels, grey
//! levels 0..16 scaled to 0..1), read by the same CSV loader as users' files.

use super::csv_file::{LabelColumn, parse_csv};
use super::dataset::Dataset;

/// The digits CSV, compiled into the binary so that `cargo run` works from any directory.
const DIGITS_CSV: &str = include_str!("../../assets/digits.csv");

/// Grey levels of the digits run 0..=16.
const GREY_LEVELS: f32 = 16.0;

impl Dataset {
    /// The bundled handwritten digits (1797 × 64, 10 classes).
    pub fn digits() -> Self {
        // The asset is part of the binary and checked by a test, so a parse failure here is a
        // build defect, not user input.
        let mut data = parse_csv(
            "assets/digits.csv",
            DIGITS_CSV,
            Some(&LabelColumn::Name("label".into())),
        )
        .unwrap_or_else(|e| unreachable!("bundled digits.csv is malformed: {e}"));
        for x in &mut data.features {
            *x /= GREY_LEVELS;
        }
        data.image_shape = Some((8, 8));
        data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_digits_match_their_readme() {
        let d = Dataset::digits();
        assert_eq!(d.name, "digits.csv");
        assert_eq!(d.len(), 1797);
        assert_eq!(d.dim, 64);
        assert_eq!(d.num_classes(), 10);
        assert_eq!(
            d.class_names,
            ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]
        );
        let counts: Vec<usize> = d.indices_by_class().iter().map(Vec::len).collect();
        assert_eq!(counts, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
        assert!(d.features.iter().all(|&x| (0.0..=1.0).contains(&x)));
        assert_eq!(d.features.iter().copied().fold(0.0, f32::max), 1.0);
    }
}
