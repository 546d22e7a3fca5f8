//! The colours the screen and the exported figures share, as plain RGB (no egui, no plotters):
//! `ui` converts them to `egui::Color32`, `figures` to plotters colours. One table, so an
//! exported t-SNE shows every class in the colour the window gave it (`ui::plots` tests this).
//! Heatmap colour maps and the mined-pair categories live in `gpu::colormap`, shared the same
//! way.

/// An sRGB colour.
pub type Rgb = (u8, u8, u8);

// Okabe & Ito's eight colours, distinguishable with the common colour-vision deficiencies.
pub const ORANGE: Rgb = (230, 159, 0);
pub const SKY_BLUE: Rgb = (86, 180, 233);
pub const BLUISH_GREEN: Rgb = (0, 158, 115);
pub const YELLOW: Rgb = (240, 228, 66);
pub const BLUE: Rgb = (0, 114, 178);
pub const VERMILION: Rgb = (213, 94, 0);
pub const REDDISH_PURPLE: Rgb = (204, 121, 167);
pub const BLACK: Rgb = (0, 0, 0);

// Two of Paul Tol's muted colours, for classes 8 and 9.
pub const WINE: Rgb = (136, 34, 85);
pub const GREY: Rgb = (153, 153, 153);

/// Curve colours in the order figures use them (Okabe–Ito, blue first).
pub const SERIES: [Rgb; 8] = [
    BLUE,
    VERMILION,
    BLUISH_GREEN,
    ORANGE,
    SKY_BLUE,
    REDDISH_PURPLE,
    YELLOW,
    BLACK,
];

/// Class `k` is drawn in `CLASSES[k % 10]`, on screen and in files.
pub const CLASSES: [Rgb; 10] = [
    ORANGE,
    SKY_BLUE,
    BLUISH_GREEN,
    YELLOW,
    BLUE,
    VERMILION,
    REDDISH_PURPLE,
    BLACK,
    WINE,
    GREY,
];

/// The colour of class `class` (classes beyond ten reuse the table).
pub fn class_colour(class: u32) -> Rgb {
    CLASSES[class as usize % CLASSES.len()]
}
