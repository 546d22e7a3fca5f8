//! Synthetic data for teaching: Gaussian blobs, concentric rings, interleaved spirals, "hard
//! negatives" (pairs of overlapping classes) and the hidden-subspace set that shows why metric
//! learning generalises to unseen classes. Every generator is deterministic for its seed.

use linfa_linalg::qr::QR as _;
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

use super::dataset::Dataset;
use super::error::DataError;

/// Which generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Generator {
    #[default]
    Blobs,
    Rings,
    Spirals,
    HardNegatives,
    HiddenSubspace,
}

impl Generator {
    pub const ALL: [Self; 5] = [
        Self::Blobs,
        Self::Rings,
        Self::Spirals,
        Self::HardNegatives,
        Self::HiddenSubspace,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Blobs => "Gaussian blobs",
            Self::Rings => "concentric rings",
            Self::Spirals => "interleaved spirals",
            Self::HardNegatives => "hard negatives",
            Self::HiddenSubspace => "hidden subspace",
        }
    }
}

/// A generator and its parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyntheticSpec {
    pub generator: Generator,
    /// k classes.
    pub classes: usize,
    /// Dimension d (2 and 3 are drawn raw).
    pub dim: usize,
    pub per_class: usize,
    /// Within-class noise (standard deviation).
    pub noise: f64,
    pub seed: u64,
    /// Hidden subspace: dimensions that carry the class.
    pub informative: usize,
    /// Hidden subspace: standard deviation of the shared nuisance dimensions.
    pub nuisance: f64,
}

impl Default for SyntheticSpec {
    fn default() -> Self {
        Self {
            generator: Generator::Blobs,
            classes: 6,
            dim: 2,
            per_class: 60,
            noise: 0.3,
            seed: 0,
            informative: 4,
            nuisance: 6.0,
        }
    }
}

impl SyntheticSpec {
    /// The hidden-subspace preset: 20 classes × 60 samples, d = 32, 4 informative
    /// dimensions (centres N(0, 1), within-class noise 0.25), nuisance σ = 6, random rotation.
    pub fn hidden_subspace() -> Self {
        Self {
            generator: Generator::HiddenSubspace,
            classes: 20,
            dim: 32,
            per_class: 60,
            noise: 0.25,
            seed: 0,
            informative: 4,
            nuisance: 6.0,
        }
    }

    /// A sensible preset of each generator.
    pub fn preset(generator: Generator) -> Self {
        match generator {
            Generator::HiddenSubspace => Self::hidden_subspace(),
            Generator::Rings => Self {
                generator,
                classes: 3,
                noise: 0.08,
                ..Self::default()
            },
            Generator::Spirals => Self {
                generator,
                classes: 3,
                noise: 0.05,
                per_class: 100,
                ..Self::default()
            },
            Generator::HardNegatives => Self {
                generator,
                classes: 6,
                noise: 0.35,
                ..Self::default()
            },
            Generator::Blobs => Self::default(),
        }
    }

    /// Checks the settings before anything is generated; the error names the generator.
    pub fn validate(&self) -> Result<(), DataError> {
        let check = |ok: bool, msg: &str| {
            if ok {
                Ok(())
            } else {
                Err(DataError::File {
                    source_name: format!("synthetic {}", self.generator.label()),
                    problem: msg.to_owned(),
                })
            }
        };
        use super::limits::*;
        let problem = SYNTH_CLASSES
            .problem(self.classes)
            .or_else(|| SYNTH_PER_CLASS.problem(self.per_class))
            .or_else(|| SYNTH_SAMPLES.problem(self.classes * self.per_class))
            .or_else(|| SYNTH_DIM.problem(self.dim))
            .or_else(|| SYNTH_NOISE.problem(self.noise))
            .or_else(|| {
                (self.generator == Generator::HiddenSubspace)
                    .then(|| SYNTH_NUISANCE.problem(self.nuisance))
                    .flatten()
            });
        if let Some(problem) = problem {
            return check(false, &problem);
        }
        if self.generator == Generator::HiddenSubspace {
            check(
                self.informative >= 1 && self.informative < self.dim,
                "informative must be in 1..dim",
            )?;
        }
        Ok(())
    }

    /// Generates the data set (rows grouped by class).
    pub fn generate(&self) -> Result<Dataset, DataError> {
        self.validate()?;
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let (k, d, n) = (self.classes, self.dim, self.per_class);
        let unit = Normal::new(0.0, 1.0).expect("valid normal");
        let mut x: Vec<f64> = Vec::with_capacity(k * n * d);
        let mut labels = Vec::with_capacity(k * n);
        let noise = self.noise;
        let gauss = |rng: &mut ChaCha8Rng| -> f64 { unit.sample(rng) };
        match self.generator {
            Generator::Blobs | Generator::HardNegatives => {
                // Blob centres spread over [-3, 3]^d; hard negatives put classes 2q and 2q + 1
                // at distance 0.6 from each other so that they overlap.
                let mut centres: Vec<Vec<f64>> = (0..k)
                    .map(|_| (0..d).map(|_| rng.gen_range(-3.0..3.0)).collect())
                    .collect();
                if self.generator == Generator::HardNegatives {
                    for q in (1..k).step_by(2) {
                        let dir: Vec<f64> = (0..d).map(|_| gauss(&mut rng)).collect();
                        let norm = dir.iter().map(|v| v * v).sum::<f64>().sqrt().max(1e-9);
                        centres[q] = centres[q - 1]
                            .iter()
                            .zip(&dir)
                            .map(|(c, v)| c + 0.6 * v / norm)
                            .collect();
                    }
                }
                for (c, centre) in centres.iter().enumerate() {
                    for _ in 0..n {
                        x.extend(centre.iter().map(|m| m + noise * gauss(&mut rng)));
                        labels.push(c as u32);
                    }
                }
            }
            Generator::Rings => {
                for c in 0..k {
                    let r = 1.0 + c as f64;
                    for _ in 0..n {
                        let a = rng.gen_range(0.0..std::f64::consts::TAU);
                        x.push(r * a.cos() + noise * gauss(&mut rng));
                        x.push(r * a.sin() + noise * gauss(&mut rng));
                        x.extend((2..d).map(|_| noise * gauss(&mut rng)));
                        labels.push(c as u32);
                    }
                }
            }
            Generator::Spirals => {
                for c in 0..k {
                    let phase = std::f64::consts::TAU * c as f64 / k as f64;
                    for _ in 0..n {
                        let t: f64 = rng.gen_range(0.05..1.0);
                        let a = phase + t * 3.0 * std::f64::consts::PI;
                        x.push(t * a.cos() + noise * gauss(&mut rng));
                        x.push(t * a.sin() + noise * gauss(&mut rng));
                        x.extend((2..d).map(|_| noise * gauss(&mut rng)));
                        labels.push(c as u32);
                    }
                }
            }
            Generator::HiddenSubspace => {
                let inf = self.informative;
                let centres: Vec<Vec<f64>> = (0..k)
                    .map(|_| (0..inf).map(|_| gauss(&mut rng)).collect())
                    .collect();
                for (c, centre) in centres.iter().enumerate() {
                    for _ in 0..n {
                        x.extend(centre.iter().map(|m| m + noise * gauss(&mut rng)));
                        x.extend((inf..d).map(|_| self.nuisance * gauss(&mut rng)));
                        labels.push(c as u32);
                    }
                }
                // A random rotation (Q of the QR of a Gaussian matrix) hides the subspace.
                let g = Array2::from_shape_fn((d, d), |_| gauss(&mut rng));
                let q = g
                    .qr()
                    .map_err(|e| DataError::File {
                        source_name: "synthetic hidden subspace".into(),
                        problem: format!("rotation failed: {e}"),
                    })?
                    .generate_q();
                let m = Array2::from_shape_vec((k * n, d), x).map_err(|e| DataError::File {
                    source_name: "synthetic hidden subspace".into(),
                    problem: e.to_string(),
                })?;
                x = m.dot(&q).into_iter().collect();
            }
        }
        Ok(Dataset {
            name: format!(
                "synthetic {} (k = {k}, d = {d}, {n} per class, seed {})",
                self.generator.label(),
                self.seed
            ),
            features: x.iter().map(|&v| v as f32).collect(),
            dim: d,
            labels,
            class_names: (0..k).map(|c| c.to_string()).collect(),
            image_shape: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_generator_is_deterministic_with_the_requested_shape() {
        for g in Generator::ALL {
            let spec = SyntheticSpec::preset(g);
            let a = spec.generate().expect("valid");
            let b = spec.generate().expect("valid");
            assert_eq!(a.features, b.features, "{g:?}");
            assert_eq!(a.len(), spec.classes * spec.per_class);
            assert_eq!(a.dim, spec.dim);
            assert_eq!(a.num_classes(), spec.classes);
            assert!(a.features.iter().all(|v| v.is_finite()));
            let c = SyntheticSpec { seed: 1, ..spec }.generate().expect("valid");
            assert_ne!(a.features, c.features, "{g:?}: the seed matters");
        }
    }
}
