//! The classic losses with PML 2.9.0 semantics on cosine similarity (golden README table), plus
//! the binomial deviance; the formulas of each are in docs/losses.md §3.
//!
//! Every function writes `G = ∂L/∂S` into `w` (zeroed, `m * m`) and returns the loss value and,
//! where the loss has one, the unreduced per-pair term. Value and weights come from the same
//! primitives of [`super::numeric`].

use super::mining::Mined;
use super::mining_code::MiningCode;
use super::numeric::{log_add_exp, lse_softmax, sigmoid, softplus};
use super::par;
use super::spec::{
    BinomialParams, CircleParams, ContrastiveParams, HistogramParams, LiftedParams,
    MultiSimilarityParams, TripletMarginParams,
};

/// Short names of the two codes the losses look at (every other code is not a kept pair).
const POS: MiningCode = MiningCode::PositiveKept;
/// See [`POS`].
const NEG: MiningCode = MiningCode::NegativeKept;

/// Read-only inputs shared by the loss functions.
pub(crate) struct Ctx<'a> {
    pub(crate) sim: &'a [f64],
    pub(crate) labels: &'a [i64],
    pub(crate) m: usize,
    pub(crate) mined: &'a Mined,
    /// Set by a loss that knows exactly which cells it gave a non-zero weight: their flat
    /// indices, ascending. The engine then lists the kept pairs from it instead of scanning `w`.
    pub(crate) nonzero: std::sync::OnceLock<Vec<usize>>,
}

/// Loss value and optional per-pair terms (`m * m`).
pub(crate) type Value = (f64, Option<Vec<f64>>);

impl Ctx<'_> {
    #[inline]
    fn srow(&self, i: usize) -> &[f64] {
        &self.sim[i * self.m..(i + 1) * self.m]
    }

    #[inline]
    fn mrow(&self, i: usize) -> &[MiningCode] {
        &self.mined.mask[i * self.m..(i + 1) * self.m]
    }

    /// Indices and `f(S)` of the row's kept pairs of `kind`, into reusable buffers.
    fn gather(
        &self,
        i: usize,
        kind: MiningCode,
        idx: &mut Vec<usize>,
        z: &mut Vec<f64>,
        f: impl Fn(f64) -> f64,
    ) {
        idx.clear();
        z.clear();
        for (j, (&c, &s)) in self.mrow(i).iter().zip(self.srow(i)).enumerate() {
            if c == kind {
                idx.push(j);
                z.push(f(s));
            }
        }
    }

    /// Visit every triplet the loss uses: the miner's triplets, or `P_a × N_a` of the mask.
    fn for_each_triplet(&self, mut f: impl FnMut(usize, usize, usize)) {
        if let Some(ts) = &self.mined.triplets {
            for &[a, p, n] in ts {
                f(a, p, n);
            }
            return;
        }
        let (mut pos, mut neg) = (Vec::new(), Vec::new());
        for a in 0..self.m {
            pos.clear();
            neg.clear();
            for (j, &c) in self.mrow(a).iter().enumerate() {
                match c {
                    POS => pos.push(j),
                    NEG => neg.push(j),
                    _ => {}
                }
            }
            for &p in &pos {
                for &n in &neg {
                    f(a, p, n);
                }
            }
        }
    }
}

/// PML contrastive: `AvgNonZero_P relu(pos_margin − S) + AvgNonZero_N relu(S − neg_margin)`.
///
/// One pass over the rows (on all cores for a large batch) computes the per-pair terms, each
/// chunk's sums and counts, and the cells whose term is active; once the batch's counts are
/// known only those cells get a weight (a hinge leaves most of `w` at zero, and a second pass
/// over all of it cost a tenth of a batch at m = 1024).
pub(crate) fn contrastive(p: &ContrastiveParams, cx: &Ctx, w: &mut [f64]) -> Value {
    let m = cx.m;
    // Every cell's term is computed (0 off the pairs), so the buffer is built, not filled first:
    // a row's terms in one branch-free pass, then only its active cells are visited.
    let (per_pair, chunks) = par::built((m, m), |first, sink| {
        let mut acc = ContrastiveSums::default();
        let mut terms = vec![0.0; m];
        for i in first..first + sink.remaining() / m {
            let cells = i * m..(i + 1) * m;
            let codes = &cx.mined.mask[cells.clone()];
            for ((t, &c), &s) in terms.iter_mut().zip(codes).zip(&cx.sim[cells.clone()]) {
                *t = contrastive_term(p, c, s);
            }
            sink.extend_from_slice(&terms);
            acc.add_row(codes, &terms, cells.start);
        }
        acc
    });
    let (mut sum_p, mut sum_n, mut cnt_p, mut cnt_n) = (0.0, 0.0, 0usize, 0usize);
    for r in &chunks {
        (sum_p, sum_n) = (sum_p + r.sum_p, sum_n + r.sum_n);
        (cnt_p, cnt_n) = (cnt_p + r.cnt_p, cnt_n + r.cnt_n);
    }
    let gp = if cnt_p > 0 { 1.0 / cnt_p as f64 } else { 0.0 };
    let gn = if cnt_n > 0 { 1.0 / cnt_n as f64 } else { 0.0 };
    // An active cell's side has a count ≥ 1, so its weight is non-zero: exactly these cells.
    let active: Vec<usize> = chunks.into_iter().flat_map(|r| r.active).collect();
    for &k in &active {
        w[k] = if cx.mined.mask[k] == POS { -gp } else { gn };
    }
    // (Unset only if the engine set it first, which it never does.)
    let _ = cx.nonzero.set(active);
    (sum_p * gp + sum_n * gn, Some(per_pair))
}

/// A row chunk's active contrastive terms: sums and counts per side, and their cells.
#[derive(Default)]
struct ContrastiveSums {
    sum_p: f64,
    sum_n: f64,
    cnt_p: usize,
    cnt_n: usize,
    active: Vec<usize>,
}

/// A cell's contrastive term: `relu(pos_margin − S)` on a positive pair, `relu(S − neg_margin)`
/// on a negative one, 0 elsewhere (written as selects, so a row's terms vectorise).
#[inline(always)]
fn contrastive_term(p: &ContrastiveParams, c: MiningCode, s: f64) -> f64 {
    let (pos, neg) = ((p.pos_margin - s).max(0.0), (s - p.neg_margin).max(0.0));
    let t = if c == NEG { neg } else { 0.0 };
    if c == POS { pos } else { t }
}

impl ContrastiveSums {
    /// A row's terms (its cells from flat index `start`): the active ones (`t > 0`, on a pair by
    /// construction) summed per side in column order and their cells kept. Blocks of 16 cells
    /// without one are skipped with one vectorised test.
    fn add_row(&mut self, codes: &[MiningCode], terms: &[f64], start: usize) {
        const BLOCK: usize = 16;
        for (b, block) in terms.chunks(BLOCK).enumerate() {
            if !block.iter().fold(false, |any, &t| any | (t > 0.0)) {
                continue;
            }
            for (l, &t) in block.iter().enumerate() {
                let j = b * BLOCK + l;
                if t > 0.0 {
                    if codes[j] == POS {
                        (self.sum_p, self.cnt_p) = (self.sum_p + t, self.cnt_p + 1);
                    } else {
                        (self.sum_n, self.cnt_n) = (self.sum_n + t, self.cnt_n + 1);
                    }
                    self.active.push(start + j);
                }
            }
        }
    }
}

/// PML triplet margin: `AvgNonZero_T relu(S_an − S_ap + margin)` (softplus if `smooth_loss`).
pub(crate) fn triplet_margin(p: &TripletMarginParams, cx: &Ctx, w: &mut [f64]) -> Value {
    let m = cx.m;
    let (mut total, mut cnt) = (0.0, 0usize);
    cx.for_each_triplet(|a, pi, n| {
        let v = cx.sim[a * m + n] - cx.sim[a * m + pi] + p.margin;
        let (l, g) = if p.smooth_loss {
            (softplus(v), sigmoid(v))
        } else if v > 0.0 {
            (v, 1.0)
        } else {
            (0.0, 0.0)
        };
        if l > 0.0 {
            total += l;
            cnt += 1;
            w[a * m + pi] -= g;
            w[a * m + n] += g;
        }
    });
    if cnt == 0 {
        return (0.0, None);
    }
    let inv = 1.0 / cnt as f64;
    // Only kept cells can carry a weight. Scaling the others too would read every page of the
    // zeroed `w` and then write it: with a miner's few triplets that turns each untouched page
    // of a large batch into a copy-on-write fault of the zero page (a TLB flush on every core).
    par::rows(w, m, m, |first, chunk| {
        let cells = first * m..first * m + chunk.len();
        for (g, &c) in chunk.iter_mut().zip(&cx.mined.mask[cells]) {
            if c.is_kept() {
                *g *= inv;
            }
        }
    });
    (total * inv, None)
}

/// PML lifted structure: per ordered positive pair `(a, p)`,
/// `z = LSE_{(k,n) ∈ N, k ∈ {a,p}} (S_kn − neg_margin) + pos_margin − S_ap`, `l = relu(z)²/2`,
/// mean over `|P|`. Per-row negative LSEs are computed once, so the cost is `O(m²)`.
pub(crate) fn lifted_structure(p: &LiftedParams, cx: &Ctx, w: &mut [f64]) -> Value {
    let m = cx.m;
    let n_pos = cx.mined.mask.iter().filter(|&&c| c == POS).count();
    let n_neg = cx.mined.mask.iter().filter(|&&c| c == NEG).count();
    if n_pos == 0 || n_neg == 0 {
        return (0.0, None);
    }
    // Row LSE over negatives (−inf = no negative in that row).
    let mut row_lse = vec![f64::NEG_INFINITY; m];
    let (mut idx, mut z) = (Vec::new(), Vec::new());
    for (i, l) in row_lse.iter_mut().enumerate() {
        cx.gather(i, NEG, &mut idx, &mut z, |s| s - p.neg_margin);
        if !z.is_empty() {
            *l = lse_softmax(&mut z);
        }
    }
    let inv = 1.0 / n_pos as f64;
    let mut coef = vec![0.0; m];
    let mut total = 0.0;
    for a in 0..m {
        for (j, (&c, &s)) in cx.mrow(a).iter().zip(cx.srow(a)).enumerate() {
            if c != POS {
                continue;
            }
            let both = log_add_exp(row_lse[a], row_lse[j]);
            let zn = if both == f64::NEG_INFINITY { 0.0 } else { both };
            let zz = zn + p.pos_margin - s;
            if zz > 0.0 {
                total += 0.5 * zz * zz;
                let g = zz * inv;
                w[a * m + j] -= g;
                for r in [a, j] {
                    if row_lse[r] > f64::NEG_INFINITY {
                        coef[r] += g * (row_lse[r] - zn).exp();
                    }
                }
            }
        }
    }
    for (r, &cr) in coef.iter().enumerate() {
        if cr == 0.0 {
            continue;
        }
        for (j, (&c, &s)) in cx.mrow(r).iter().zip(cx.srow(r)).enumerate() {
            if c == NEG {
                w[r * m + j] += cr * (s - p.neg_margin - row_lse[r]).exp();
            }
        }
    }
    (total * inv, None)
}

/// PML generalized lifted structure: `l_i = relu(LSE_P(pos_margin − S) + LSE_N(S − neg_margin))`,
/// mean over all `m` anchors; an empty side's LSE is 0.
pub(crate) fn generalized_lifted(p: &LiftedParams, cx: &Ctx, w: &mut [f64]) -> Value {
    let m = cx.m;
    let inv_m = 1.0 / m as f64;
    let (mut ip, mut zp, mut ineg, mut zn) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut total = 0.0;
    for i in 0..m {
        cx.gather(i, POS, &mut ip, &mut zp, |s| p.pos_margin - s);
        cx.gather(i, NEG, &mut ineg, &mut zn, |s| s - p.neg_margin);
        let l = lse_softmax(&mut zp) + lse_softmax(&mut zn);
        if l > 0.0 {
            total += l;
            let wrow = &mut w[i * m..(i + 1) * m];
            for (&j, &q) in ip.iter().zip(&zp) {
                wrow[j] = -q * inv_m;
            }
            for (&j, &q) in ineg.iter().zip(&zn) {
                wrow[j] = q * inv_m;
            }
        }
    }
    (total * inv_m, None)
}

/// PML N-pairs: one `(a_k, p_k)` per label (first kept positive pair in row-major order), ordered
/// by label value; cross-entropy over the anchors × positives block, mean over `k`.
pub(crate) fn n_pairs(cx: &Ctx, w: &mut [f64]) -> Value {
    let m = cx.m;
    let mut tuples: Vec<(i64, usize, usize)> = Vec::new();
    for a in 0..m {
        let ya = cx.labels[a];
        if tuples.iter().any(|t| t.0 == ya) {
            continue;
        }
        if let Some(p) = cx.mrow(a).iter().position(|&c| c == POS) {
            tuples.push((ya, a, p));
        }
    }
    tuples.sort_by_key(|t| t.0);
    let n = tuples.len();
    if n == 0 {
        return (0.0, None);
    }
    let inv = 1.0 / n as f64;
    let mut z = vec![0.0; n];
    let mut total = 0.0;
    for (k, &(_, a, pk)) in tuples.iter().enumerate() {
        for (zl, &(_, _, pl)) in z.iter_mut().zip(&tuples) {
            *zl = cx.sim[a * m + pl];
        }
        total += lse_softmax(&mut z) - cx.sim[a * m + pk];
        for (l, (&q, &(_, _, pl))) in z.iter().zip(&tuples).enumerate() {
            let delta = if l == k { 1.0 } else { 0.0 };
            w[a * m + pl] += (q - delta) * inv;
        }
    }
    (total * inv, None)
}

/// PML multi-similarity:
/// `l_i = (1/α) log(1 + Σ_P e^{−α(S−λ)}) + (1/β) log(1 + Σ_N e^{β(S−λ)})`, mean over all `m`.
pub(crate) fn multi_similarity(p: &MultiSimilarityParams, cx: &Ctx, w: &mut [f64]) -> Value {
    ms_core(p.alpha, p.beta, p.base, cx, w)
}

/// Shared MS kernel (also used by the composer). Anchors are independent: their rows run on
/// all cores for a large batch, and the row values are summed in row order afterwards (the
/// order of a single loop, so the value does not depend on the cores).
pub(crate) fn ms_core(alpha: f64, beta: f64, base: f64, cx: &Ctx, w: &mut [f64]) -> Value {
    let m = cx.m;
    let inv_m = 1.0 / m as f64;
    // An `exp` per kept cell: worth both cores from m ≈ 150 (at m = 256: 1.1–1.3 ms split,
    // 1.25–1.6 ms on one core).
    let rows = par::rows_costing(w, (m, m), 4, |first, chunk| {
        chunk
            .chunks_exact_mut(m)
            .enumerate()
            .map(|(r, wrow)| {
                let i = first + r;
                ms_row((alpha, beta, base), cx.srow(i), cx.mrow(i), inv_m, wrow)
            })
            .collect::<Vec<_>>()
    });
    let total = rows.iter().flatten().fold(0.0, |t, &v| t + v);
    (total * inv_m, None)
}

/// One anchor of the MS loss, in place in its weight row (no gathered copies): the value
/// `(1/α) log(1 + Σ_P e^{z}) + (1/β) log(1 + Σ_N e^{z})` and `G` on the kept cells. The same
/// operations in the same order as `numeric::log1p_sum_exp_softmax` on the gathered `z` (max with 0,
/// the exponentials summed over j ascending, then divided), so the same bits.
fn ms_row(
    (alpha, beta, base): (f64, f64, f64),
    srow: &[f64],
    mrow: &[MiningCode],
    inv_m: f64,
    wrow: &mut [f64],
) -> f64 {
    let zp = |s: f64| -alpha * (s - base);
    let zn = |s: f64| beta * (s - base);
    let (mut mp, mut mn, mut any_p, mut any_n) = (0.0_f64, 0.0_f64, false, false);
    for (&c, &s) in mrow.iter().zip(srow) {
        match c {
            POS => (mp, any_p) = (mp.max(zp(s)), true),
            NEG => (mn, any_n) = (mn.max(zn(s)), true),
            _ => {}
        }
    }
    let (mut sp, mut sn) = ((-mp).exp(), (-mn).exp());
    for ((&c, &s), g) in mrow.iter().zip(srow).zip(wrow.iter_mut()) {
        match c {
            POS => {
                *g = (zp(s) - mp).exp();
                sp += *g;
            }
            NEG => {
                *g = (zn(s) - mn).exp();
                sn += *g;
            }
            _ => {}
        }
    }
    for (&c, g) in mrow.iter().zip(wrow.iter_mut()) {
        match c {
            POS => *g = -(*g / sp) * inv_m,
            NEG => *g = (*g / sn) * inv_m,
            _ => {}
        }
    }
    let vp = if any_p { mp + sp.ln() } else { 0.0 };
    let vn = if any_n { mn + sn.ln() } else { 0.0 };
    vp / alpha + vn / beta
}

/// Circle loss kernel: per anchor with both sides, `softplus(z_i)` with PML's detached α
/// factors; returns per-anchor terms (`0` for anchors lacking a side) and the unscaled weights.
pub(crate) fn circle_rows(p: &CircleParams, cx: &Ctx, w: &mut [f64]) -> Vec<f64> {
    let m = cx.m;
    let (op, on, dp, dn) = (1.0 + p.m, -p.m, 1.0 - p.m, p.m);
    let (mut ip, mut zp, mut ineg, mut zn) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut ap: Vec<f64> = Vec::new();
    let mut an: Vec<f64> = Vec::new();
    let mut rows = vec![0.0; m];
    for (i, row_loss) in rows.iter_mut().enumerate() {
        cx.gather(i, POS, &mut ip, &mut ap, |s| (op - s).max(0.0));
        cx.gather(i, NEG, &mut ineg, &mut an, |s| (s - on).max(0.0));
        if ip.is_empty() || ineg.is_empty() {
            continue;
        }
        let srow = cx.srow(i);
        zp.clear();
        zp.extend(
            ip.iter()
                .zip(&ap)
                .map(|(&j, &a)| -p.gamma * a * (srow[j] - dp)),
        );
        zn.clear();
        zn.extend(
            ineg.iter()
                .zip(&an)
                .map(|(&j, &a)| p.gamma * a * (srow[j] - dn)),
        );
        let z = lse_softmax(&mut zp) + lse_softmax(&mut zn);
        *row_loss = softplus(z);
        let sg = sigmoid(z);
        let wrow = &mut w[i * m..(i + 1) * m];
        for ((&j, &q), &a) in ip.iter().zip(&zp).zip(&ap) {
            wrow[j] = -sg * q * p.gamma * a;
        }
        for ((&j, &q), &a) in ineg.iter().zip(&zn).zip(&an) {
            wrow[j] = sg * q * p.gamma * a;
        }
    }
    rows
}

/// PML circle loss, `AvgNonZero` over anchors. Weights are what PML back-propagates (detached α),
/// **not** the finite-difference gradient of the value.
pub(crate) fn circle(p: &CircleParams, cx: &Ctx, w: &mut [f64]) -> Value {
    let rows = circle_rows(p, cx, w);
    let cnt = rows.iter().filter(|&&l| l > 0.0).count();
    if cnt == 0 {
        w.iter_mut().for_each(|g| *g = 0.0);
        return (0.0, None);
    }
    let inv = 1.0 / cnt as f64;
    w.iter_mut().for_each(|g| *g *= inv);
    (rows.iter().sum::<f64>() * inv, None)
}

/// PML histogram loss on unordered pairs from the triplets (upper triangle only).
pub(crate) fn histogram(p: &HistogramParams, cx: &Ctx, w: &mut [f64]) -> Value {
    let m = cx.m;
    // Unordered pair roles, stored at (min, max); 0 = unused. (A pair's side follows from its
    // labels, so the two bits never meet.)
    const ROLE_POS: u8 = 1;
    const ROLE_NEG: u8 = 2;
    let mut roles = par::filled(m * m, 0u8);
    let mut mark = |a: usize, b: usize, role: u8| {
        let (i, j) = if a < b { (a, b) } else { (b, a) };
        roles[i * m + j] |= role;
    };
    if let Some(ts) = &cx.mined.triplets {
        for &[a, pp, n] in ts {
            mark(a, pp, ROLE_POS);
            mark(a, n, ROLE_NEG);
        }
    } else {
        for a in 0..m {
            let row = cx.mrow(a);
            if !(row.contains(&POS) && row.contains(&NEG)) {
                continue;
            }
            for (j, &c) in row.iter().enumerate() {
                match c {
                    POS => mark(a, j, ROLE_POS),
                    NEG => mark(a, j, ROLE_NEG),
                    _ => {}
                }
            }
        }
    }
    let nb = p.n_bins;
    let delta = 2.0 / nb as f64;
    let bin = |s: f64| -> (usize, f64) {
        let s = s.clamp(-1.0, 1.0);
        let r = (((s + 1.0) / delta).floor().max(0.0) as usize).min(nb - 1);
        (r, (s + 1.0 - r as f64 * delta) / delta)
    };
    let (mut hp, mut hn) = (vec![0.0; nb + 1], vec![0.0; nb + 1]);
    let (mut n_pos, mut n_neg) = (0usize, 0usize);
    for i in 0..m {
        for j in (i + 1)..m {
            let role = roles[i * m + j];
            if role == 0 {
                continue;
            }
            let (r, up) = bin(cx.sim[i * m + j]);
            let h = if role == ROLE_POS {
                n_pos += 1;
                &mut hp
            } else {
                n_neg += 1;
                &mut hn
            };
            h[r + 1] += up;
            h[r] += 1.0 - up;
        }
    }
    if n_pos == 0 || n_neg == 0 {
        return (0.0, None);
    }
    hp.iter_mut().for_each(|v| *v /= n_pos as f64);
    hn.iter_mut().for_each(|v| *v /= n_neg as f64);
    let mut cdf = 0.0;
    let mut loss = 0.0;
    for (&a, &b) in hp.iter().zip(&hn) {
        cdf += a;
        loss += b * cdf;
    }
    let (gp, gn) = (1.0 / (delta * n_pos as f64), 1.0 / (delta * n_neg as f64));
    for i in 0..m {
        for j in (i + 1)..m {
            let role = roles[i * m + j];
            if role == 0 {
                continue;
            }
            let (r, _) = bin(cx.sim[i * m + j]);
            w[i * m + j] = if role == ROLE_POS {
                -hn[r] * gp
            } else {
                hp[r + 1] * gn
            };
        }
    }
    (loss, None)
}

/// Binomial deviance kernel (MS-paper form), per-anchor means over the kept pairs, `/m`; an
/// empty side contributes 0. Also used by the composer.
pub(crate) fn binomial_core(alpha: f64, beta: f64, base: f64, cx: &Ctx, w: &mut [f64]) -> Value {
    let m = cx.m;
    let inv_m = 1.0 / m as f64;
    let mut per_pair = par::filled(m * m, 0.0);
    let mut total = 0.0;
    for i in 0..m {
        let mrow = cx.mrow(i);
        let srow = cx.srow(i);
        let np = mrow.iter().filter(|&&c| c == POS).count();
        let nn = mrow.iter().filter(|&&c| c == NEG).count();
        let cp = if np > 0 { 1.0 / np as f64 } else { 0.0 };
        let cn = if nn > 0 { 1.0 / nn as f64 } else { 0.0 };
        let wrow = &mut w[i * m..(i + 1) * m];
        let prow = &mut per_pair[i * m..(i + 1) * m];
        for (((&c, &s), g), t) in mrow.iter().zip(srow).zip(wrow).zip(prow) {
            match c {
                POS => {
                    let z = alpha * (base - s);
                    *t = softplus(z);
                    total += cp * *t;
                    *g = -cp * alpha * sigmoid(z) * inv_m;
                }
                NEG => {
                    let z = beta * (s - base);
                    *t = softplus(z);
                    total += cn * *t;
                    *g = cn * beta * sigmoid(z) * inv_m;
                }
                _ => {}
            }
        }
    }
    (total * inv_m, Some(per_pair))
}

/// Binomial deviance (docs/losses.md §3.5, MS-paper form).
pub(crate) fn binomial(p: &BinomialParams, cx: &Ctx, w: &mut [f64]) -> Value {
    binomial_core(p.alpha, p.beta, p.base, cx, w)
}
