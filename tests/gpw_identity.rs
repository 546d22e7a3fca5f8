//! The GPW identity: training on the surrogate Σ G_ij·S_ij (G = ∂L/∂S from the loss engine,
//! held constant) gives the same gradient as burn autodiff of the closed-form loss.

use burn::tensor::{Device, Tensor, TensorData};
use pairscope::losses::{self, Loss, LossSpec, Miner, MultiSimilarityParams};
use pairscope::training::model::{cosine_similarity, l2_normalize};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// PML's multi-similarity loss written with burn tensor ops, the mined pairs as constant masks.
fn ms_closed_form(
    s: Tensor<2>,
    pos: Tensor<2>,
    neg: Tensor<2>,
    p: MultiSimilarityParams,
) -> Tensor<1> {
    let (alpha, beta, base) = (p.alpha as f32, p.beta as f32, p.base as f32);
    let pos_term = (s.clone().sub_scalar(base).mul_scalar(-alpha).exp() * pos)
        .sum_dim(1)
        .add_scalar(1.0)
        .log()
        .div_scalar(alpha);
    let neg_term = (s.sub_scalar(base).mul_scalar(beta).exp() * neg)
        .sum_dim(1)
        .add_scalar(1.0)
        .log()
        .div_scalar(beta);
    (pos_term + neg_term).mean()
}

#[test]
fn surrogate_gradient_equals_autodiff_of_the_ms_loss() {
    let (m, d) = (40, 16);
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let raw: Vec<f32> = (0..m * d).map(|_| rng.gen_range(-1.0..1.0)).collect();
    let labels: Vec<i64> = (0..m).map(|i| (i / 8) as i64).collect();
    let device = Device::flex().autodiff();
    let constant = device.clone().without_autodiff();
    let leaf =
        || Tensor::<2>::from_data(TensorData::new(raw.clone(), [m, d]), &device).require_grad();
    let params = MultiSimilarityParams::default();
    let spec = LossSpec::with_miner(Loss::MultiSimilarity(params), Miner::default());

    // Engine on the current S.
    let x = leaf();
    let s = cosine_similarity(l2_normalize(x.clone()));
    let s_host: Vec<f64> = s
        .clone()
        .try_into_vec_as::<f32>()
        .expect("read")
        .iter()
        .map(|&v| f64::from(v))
        .collect();
    let out = losses::evaluate(&spec, &s_host, &labels).expect("engine");
    assert!(!out.positive_pairs.is_empty() && !out.negative_pairs.is_empty());

    // (a) the surrogate used for training.
    let g: Vec<f32> = out.weights.iter().map(|&w| w as f32).collect();
    let g = Tensor::<2>::from_data(TensorData::new(g, [m, m]), &constant);
    let grads = (s * g).sum().backward();
    let surrogate_grad = x
        .grad(&grads)
        .expect("gradient")
        .try_into_vec_as::<f32>()
        .expect("read");

    // (b) autodiff of the closed form with the same mined pairs.
    let mask = |pairs: &[[usize; 2]]| {
        let mut v = vec![0.0_f32; m * m];
        for &[i, j] in pairs {
            v[i * m + j] = 1.0;
        }
        Tensor::<2>::from_data(TensorData::new(v, [m, m]), &constant)
    };
    let x = leaf();
    let s = cosine_similarity(l2_normalize(x.clone()));
    let loss = ms_closed_form(
        s,
        mask(&out.positive_pairs),
        mask(&out.negative_pairs),
        params,
    );
    let value = loss.clone().into_scalar::<f32>();
    let grads = loss.backward();
    let autodiff_grad = x
        .grad(&grads)
        .expect("gradient")
        .try_into_vec_as::<f32>()
        .expect("read");

    assert!(
        (f64::from(value) - out.loss).abs() <= 1e-5 * out.loss.abs().max(1.0),
        "loss {value} vs engine {}",
        out.loss
    );
    let scale = autodiff_grad.iter().fold(0.0_f32, |a, v| a.max(v.abs()));
    assert!(scale > 0.0);
    for (k, (a, b)) in surrogate_grad.iter().zip(&autodiff_grad).enumerate() {
        assert!(
            (a - b).abs() <= 1e-4 * scale,
            "∂/∂x[{k}]: surrogate {a} vs autodiff {b}"
        );
    }
}
