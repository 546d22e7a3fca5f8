//! [`Dataset`]: a dense `n × dim` feature matrix (f32, row-major) with one class index per
//! row.

/// A labelled feature matrix.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub name: String,
    /// `[n, dim]` row-major.
    pub features: Vec<f32>,
    pub dim: usize,
    /// Class index per row, in `0..class_names.len()`.
    pub labels: Vec<u32>,
    pub class_names: Vec<String>,
    /// `(width, height)` when every row is a grey image, row-major.
    pub image_shape: Option<(usize, usize)>,
}

impl Dataset {
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    pub fn num_classes(&self) -> usize {
        self.class_names.len()
    }

    /// Row `i` of the feature matrix.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.features[i * self.dim..(i + 1) * self.dim]
    }

    /// Gathers rows into a new `[idx.len(), dim]` matrix.
    /// Row `i` as 8-bit grey levels (values clamped to 0..=1), for drawing image rows.
    pub fn grey_pixels(&self, i: usize) -> Vec<u8> {
        self.row(i)
            .iter()
            .map(|v| (v.clamp(0.0, 1.0) * 255.0) as u8)
            .collect()
    }

    pub fn gather(&self, idx: &[usize]) -> Vec<f32> {
        let mut out = Vec::with_capacity(idx.len() * self.dim);
        for &i in idx {
            out.extend_from_slice(self.row(i));
        }
        out
    }

    pub fn gather_labels(&self, idx: &[usize]) -> Vec<u32> {
        idx.iter().map(|&i| self.labels[i]).collect()
    }

    /// Row indices of each class.
    pub fn indices_by_class(&self) -> Vec<Vec<usize>> {
        let mut by_class = vec![Vec::new(); self.num_classes()];
        for (i, &y) in self.labels.iter().enumerate() {
            by_class[y as usize].push(i);
        }
        by_class
    }
}
