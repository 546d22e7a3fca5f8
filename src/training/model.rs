//! The embedding network: MLP `d_in → hidden → ReLU → d_out`, output L2-normalised by the
//! caller ([`l2_normalize`]).

use burn::module::{Module, Param};
use burn::nn::conv::Conv2d;
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Linear, PaddingConfig2d, Relu};
use burn::tensor::{Device, Tensor, TensorData};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[derive(Module, Debug)]
pub struct EmbeddingNet {
    l1: Linear,
    act: Relu,
    l2: Linear,
    /// The CNN's convolutional stem, if this is the CNN.
    conv: Option<ConvStem>,
}

/// Two 3×3 conv (same padding) + ReLU + 2×2 max-pool blocks, 1 → 16 → 32 channels.
#[derive(Module, Debug)]
pub struct ConvStem {
    c1: Conv2d,
    c2: Conv2d,
    pool: MaxPool2d,
    act: Relu,
    height: usize,
    width: usize,
}

/// A 3×3 convolution initialised like PyTorch's `nn.Conv2d` (uniform ±1/√fan_in), from our
/// seeded RNG.
fn conv3x3(c_in: usize, c_out: usize, rng: &mut ChaCha8Rng, device: &Device) -> Conv2d {
    let fan_in = c_in * 9;
    let bound = 1.0 / (fan_in as f32).sqrt();
    let weight: Vec<f32> = (0..c_out * fan_in)
        .map(|_| rng.gen_range(-bound..bound))
        .collect();
    let bias: Vec<f32> = (0..c_out).map(|_| rng.gen_range(-bound..bound)).collect();
    Conv2d {
        weight: Param::from_data(TensorData::new(weight, [c_out, c_in, 3, 3]), device),
        bias: Some(Param::from_data(TensorData::new(bias, [c_out]), device)),
        stride: [1, 1],
        kernel_size: [3, 3],
        dilation: [1, 1],
        groups: 1,
        padding: PaddingConfig2d::Same,
    }
}

/// A linear layer initialised like PyTorch's `nn.Linear` (weight and bias uniform in
/// `±1/√fan_in`), drawn from our own seeded RNG so that a seed gives the same weights on every
/// backend and in every thread (burn's own RNG is process-global).
fn linear(d_in: usize, d_out: usize, rng: &mut ChaCha8Rng, device: &Device) -> Linear {
    let bound = 1.0 / (d_in as f32).sqrt();
    let mut draw = |n: usize| {
        (0..n)
            .map(|_| rng.gen_range(-bound..bound))
            .collect::<Vec<f32>>()
    };
    let weight = draw(d_in * d_out);
    let bias = draw(d_out);
    Linear {
        weight: Param::from_data(TensorData::new(weight, [d_in, d_out]), device),
        bias: Some(Param::from_data(TensorData::new(bias, [d_out]), device)),
    }
}

impl EmbeddingNet {
    /// # Shapes
    /// input `[m, d_in]`, output `[m, d_out]`.
    pub fn new(d_in: usize, hidden: usize, d_out: usize, seed: u64, device: &Device) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        Self {
            l1: linear(d_in, hidden, &mut rng, device),
            act: Relu::new(),
            l2: linear(hidden, d_out, &mut rng, device),
            conv: None,
        }
    }

    /// The CNN for grey `height × width` images (rows of the data are the flattened images).
    pub fn cnn(
        (height, width): (usize, usize),
        hidden: usize,
        d_out: usize,
        seed: u64,
        device: &Device,
    ) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let c1 = conv3x3(1, 16, &mut rng, device);
        let c2 = conv3x3(16, 32, &mut rng, device);
        let flat = 32 * (height / 4).max(1) * (width / 4).max(1);
        Self {
            l1: linear(flat, hidden, &mut rng, device),
            act: Relu::new(),
            l2: linear(hidden, d_out, &mut rng, device),
            conv: Some(ConvStem {
                c1,
                c2,
                pool: MaxPool2dConfig::new([2, 2]).init(),
                act: Relu::new(),
                height,
                width,
            }),
        }
    }

    /// Raw (unnormalised) embeddings.
    ///
    /// # Shapes
    /// `x`: `[m, d_in]` → `[m, d_out]`.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let x = match &self.conv {
            Some(stem) => {
                let [m, _] = x.dims();
                let img: Tensor<4> = x.reshape([m, 1, stem.height, stem.width]);
                let y = stem.pool.forward(stem.act.forward(stem.c1.forward(img)));
                let y = stem.pool.forward(stem.act.forward(stem.c2.forward(y)));
                let [_, c, h, w] = y.dims();
                y.reshape([m, c * h * w])
            }
            None => x,
        };
        self.l2.forward(self.act.forward(self.l1.forward(x)))
    }

    /// Whether every parameter is finite (one count of non-finite values per parameter on the
    /// device, one read-back).
    pub fn params_finite(&self) -> bool {
        struct Counts(Vec<Tensor<1>>);
        impl burn::module::ModuleVisitor for Counts {
            fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
                self.0
                    .push(param.val().is_finite().bool_not().float().sum());
            }
        }
        let mut counts = Counts(Vec::new());
        self.visit(&mut counts);
        if counts.0.is_empty() {
            return true;
        }
        Tensor::cat(counts.0, 0)
            .try_into_vec_as::<f32>()
            .is_ok_and(|v| v.iter().all(|&n| n == 0.0))
    }

    /// `(d_in, hidden, d_out)`.
    pub fn dims(&self) -> (usize, usize, usize) {
        let [d_in, hidden] = self.l1.weight.val().dims();
        let [_, d_out] = self.l2.weight.val().dims();
        (d_in, hidden, d_out)
    }
}

/// Rows scaled to unit L2 norm; the epsilon sits inside the square root so that the gradient
/// stays finite for a zero row.
///
/// # Shapes
/// `[m, d]` → `[m, d]`.
pub fn l2_normalize(z: Tensor<2>) -> Tensor<2> {
    let norm = z.clone().square().sum_dim(1).add_scalar(1e-12).sqrt(); // [m, 1]
    z / norm
}

/// `S = X Xᵀ` for unit rows `x`.
///
/// # Shapes
/// `[m, d]` → `[m, m]`.
pub fn cosine_similarity(x: Tensor<2>) -> Tensor<2> {
    x.clone().matmul(x.transpose())
}
