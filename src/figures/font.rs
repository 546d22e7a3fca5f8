//! The one bundled font, DejaVu Sans (`assets/fonts/`, Bitstream Vera licence), matplotlib's
//! default face: the figures' text, with the symbols Ubuntu Light lacks (the combining
//! circumflex of `P̂_i`, `N̂_i`).

/// DejaVuSans.ttf, compiled into the binary (no system fonts needed).
pub const DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
