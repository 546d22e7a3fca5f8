// The live batch on the GPU: similarity, mining, weights, per-pair loss and colour maps.
//
// One training batch of m unit embeddings (d dims) and labels goes through these passes, each
// a dispatch recorded by gpu::batch::BatchBuffers::encode_batch (row passes: one workgroup of
// 64 per anchor row; cell passes: 16×16 cells per workgroup):
//
//   similarity   cells  S = X Xᵀ, a 4×4 block of cells per invocation from registers (k summed
//                       in order, as the CPU reference gpu::colormap::similarity)
//   row_mine     rows   per anchor: hardest positive (lowest S, first index on ties), hardest
//                       negative (highest S, first index)
//   row_weigh    rows   mining decision of every pair → codes; per-row counts of kept pairs,
//                       hinge violations, and online log-sum-exp (max, Σ e^{z−max}) per side
//   batch_reduce 1 wg   batch totals over rows (contrastive / triplet "average of non-zero")
//   pairs        cells  weight G_ij = ∂L/∂S_ij (signed) and per-pair loss of the selected loss
//   row_max      rows   max |G| and max per-pair loss per row
//   batch_max    1 wg   the colour-bar ranges
//   colour       cells  the shown view → RGBA8 colours (drawn by batch_draw.wgsl)
//
// When the selected loss has no GPU path (mining = MINING_ENGINE), the CPU engine's codes,
// weights and per-pair losses are uploaded instead and only similarity, row_max, batch_max and
// colour run. Semantics of every rule: src/losses (the reference these passes are tested
// against, tests/shaders.rs).
//
// Bindings (group 0)
//   0 params      uniform             Params (mirrored by gpu::batch::Params)
//   1 embeddings  storage, read       array<f32>, m·d, row-major unit rows
//   2 labels      storage, read       array<u32>, m
//   3 sim         storage, read_write array<f32>, m·m
//   4 codes       storage, read_write array<u32>, m·m, MiningCode (0 self, 1 pos kept,
//                                     2 neg kept, 3 pos dropped, 4 neg dropped)
//   5 weights     storage, read_write array<f32>, m·m, G = ∂L/∂S (signed)
//   6 pair_loss   storage, read_write array<f32>, m·m
//   7 stats       storage, read_write array<RowStats>, m + 1 (entry m: the batch)
//   8 colours     storage, read_write array<u32>, m·m, RGBA8 packed (r in the low byte)

struct Params {
    m: u32,
    d: u32,
    mining: u32,
    weighting: u32,
    // 0 similarity, 1 mining codes, 2 |weights|, 3 per-pair loss
    view: u32,
    // 1: a miner decided the kept pairs; 0: all pairs go in and "kept" means non-zero weight
    from_miner: u32,
    _pad0: u32,
    _pad1: u32,
    // mining parameters (RELATIVE: x = ε; ABSOLUTE: x = keep positives below, y = keep
    // negatives above)
    mp: vec4<f32>,
    // weighting parameters, per rule (see `pairs`)
    wp: vec4<f32>,
};

struct RowStats {
    min_pos: f32,
    max_neg: f32,
    arg_pos: u32,
    arg_neg: u32,
    n_pos: u32,
    n_neg: u32,
    viol_pos: u32,
    viol_neg: u32,
    mx_p: f32,
    sum_p: f32,
    mx_n: f32,
    sum_n: f32,
    live: u32,
    _pad: u32,
    max_w: f32,
    max_loss: f32,
};

const MINING_ALL: u32 = 0u;
const MINING_RELATIVE: u32 = 1u;
const MINING_ABSOLUTE: u32 = 2u;
const MINING_BATCH_HARD: u32 = 3u;
const MINING_TOP_ONE: u32 = 4u;
const MINING_ENGINE: u32 = 255u;

const W_CONTRASTIVE: u32 = 0u;
const W_TRIPLET: u32 = 1u;
const W_LIFTED: u32 = 2u;
const W_MS: u32 = 3u;
const W_BINOMIAL: u32 = 4u;
const W_UNIFORM: u32 = 5u;
const W_VIOLATION: u32 = 6u;
const W_SOFTMAX: u32 = 7u;

// Mining codes: the discriminants of the Rust `losses::MiningCode` (a unit test in
// src/gpu/colormap.rs reads these lines and checks them against it).
const CODE_SELF: u32 = 0u;
const CODE_POS_KEPT: u32 = 1u;
const CODE_NEG_KEPT: u32 = 2u;
const CODE_POS_DROPPED: u32 = 3u;
const CODE_NEG_DROPPED: u32 = 4u;

const NONE: u32 = 0xffffffffu;
// Stands for −∞ in the online log-sum-exp: exp(NEG_BIG − NEG_BIG) = 1 times a zero sum stays 0.
const NEG_BIG: f32 = -3.0e38;
const WG: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> embeddings: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<u32>;
@group(0) @binding(3) var<storage, read_write> sim: array<f32>;
@group(0) @binding(4) var<storage, read_write> codes: array<u32>;
@group(0) @binding(5) var<storage, read_write> weights: array<f32>;
@group(0) @binding(6) var<storage, read_write> pair_loss: array<f32>;
@group(0) @binding(7) var<storage, read_write> stats: array<RowStats>;
@group(0) @binding(8) var<storage, read_write> colours: array<u32>;

// ---------------------------------------------------------------- similarity

// Each invocation computes a 4×4 block of S from registers (16 products per pair of loaded
// values, no workgroup barriers), summing k in order like the CPU reference.
@compute @workgroup_size(16, 16, 1)
fn similarity(@builtin(global_invocation_id) gid: vec3<u32>) {
    let m = params.m;
    let d = params.d;
    let i0 = gid.y * 4u;
    let j0 = gid.x * 4u;
    if (i0 >= m || j0 >= m) {
        return;
    }
    // Rows past the end read row m − 1 (valid memory) and are not written.
    var ri: array<u32, 4>;
    var rj: array<u32, 4>;
    for (var r = 0u; r < 4u; r = r + 1u) {
        ri[r] = min(i0 + r, m - 1u) * d;
        rj[r] = min(j0 + r, m - 1u) * d;
    }
    var acc: array<vec4<f32>, 4>;
    for (var k = 0u; k < d; k = k + 1u) {
        let b = vec4<f32>(
            embeddings[rj[0] + k],
            embeddings[rj[1] + k],
            embeddings[rj[2] + k],
            embeddings[rj[3] + k],
        );
        acc[0] = acc[0] + embeddings[ri[0] + k] * b;
        acc[1] = acc[1] + embeddings[ri[1] + k] * b;
        acc[2] = acc[2] + embeddings[ri[2] + k] * b;
        acc[3] = acc[3] + embeddings[ri[3] + k] * b;
    }
    for (var r = 0u; r < 4u; r = r + 1u) {
        let i = i0 + r;
        if (i >= m) {
            break;
        }
        for (var c = 0u; c < 4u; c = c + 1u) {
            let j = j0 + c;
            if (j < m) {
                sim[i * m + j] = acc[r][c];
            }
        }
    }
}

// ---------------------------------------------------------------- row reductions

var<workgroup> red_f0: array<f32, 64>;
var<workgroup> red_f1: array<f32, 64>;
var<workgroup> red_f2: array<f32, 64>;
var<workgroup> red_f3: array<f32, 64>;
var<workgroup> red_u0: array<u32, 64>;
var<workgroup> red_u1: array<u32, 64>;
var<workgroup> red_u2: array<u32, 64>;
var<workgroup> red_u3: array<u32, 64>;

// (value, index) is better than (bv, bi): lower value, or equal value and lower index.
fn lower_first(v: f32, i: u32, bv: f32, bi: u32) -> bool {
    return i != NONE && (bi == NONE || v < bv || (v == bv && i < bi));
}

fn higher_first(v: f32, i: u32, bv: f32, bi: u32) -> bool {
    return i != NONE && (bi == NONE || v > bv || (v == bv && i < bi));
}

@compute @workgroup_size(64, 1, 1)
fn row_mine(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let m = params.m;
    let i = wid.x;
    let t = lid.x;
    var min_pos = 0.0;
    var arg_pos = NONE;
    var max_neg = 0.0;
    var arg_neg = NONE;
    if (i < m) {
        let yi = labels[i];
        for (var j = t; j < m; j = j + WG) {
            if (j == i) {
                continue;
            }
            let s = sim[i * m + j];
            if (labels[j] == yi) {
                if (lower_first(s, j, min_pos, arg_pos)) {
                    min_pos = s;
                    arg_pos = j;
                }
            } else if (higher_first(s, j, max_neg, arg_neg)) {
                max_neg = s;
                arg_neg = j;
            }
        }
    }
    red_f0[t] = min_pos;
    red_u0[t] = arg_pos;
    red_f1[t] = max_neg;
    red_u1[t] = arg_neg;
    workgroupBarrier();
    for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
        if (t < stride) {
            let o = t + stride;
            if (lower_first(red_f0[o], red_u0[o], red_f0[t], red_u0[t])) {
                red_f0[t] = red_f0[o];
                red_u0[t] = red_u0[o];
            }
            if (higher_first(red_f1[o], red_u1[o], red_f1[t], red_u1[t])) {
                red_f1[t] = red_f1[o];
                red_u1[t] = red_u1[o];
            }
        }
        workgroupBarrier();
    }
    if (t == 0u && i < m) {
        var r: RowStats;
        r.min_pos = red_f0[0];
        r.arg_pos = red_u0[0];
        r.max_neg = red_f1[0];
        r.arg_neg = red_u1[0];
        r.mx_p = NEG_BIG;
        r.mx_n = NEG_BIG;
        stats[i] = r;
    }
}

// Whether the mining rule keeps pair (i, j) (i ≠ j) of the given side.
fn kept(i: u32, j: u32, s: f32, positive: bool) -> bool {
    let r = stats[i];
    let both = r.arg_pos != NONE && r.arg_neg != NONE;
    switch params.mining {
        case MINING_RELATIVE: {
            // s − ε < max S⁻ and s + ε > min S⁺, as differences (exact when the two are close).
            if (!both) {
                return false;
            }
            if (positive) {
                return s - r.max_neg < params.mp.x;
            }
            return r.min_pos - s < params.mp.x;
        }
        case MINING_ABSOLUTE: {
            if (positive) {
                return s < params.mp.x;
            }
            return s > params.mp.y;
        }
        case MINING_BATCH_HARD: {
            if (!both) {
                return false;
            }
            if (positive) {
                return j == r.arg_pos;
            }
            return j == r.arg_neg;
        }
        case MINING_TOP_ONE: {
            if (positive) {
                return j == r.arg_pos;
            }
            return j == r.arg_neg;
        }
        default: {
            return true;
        }
    }
}

// The log-sum-exp argument of a kept pair for the softmax-type weightings.
fn lse_arg(s: f32, positive: bool) -> f32 {
    let p = params.wp;
    switch params.weighting {
        case W_LIFTED: {
            return select(s - p.y, p.x - s, positive);
        }
        case W_MS: {
            return select(p.y * (s - p.z), -p.x * (s - p.z), positive);
        }
        default: {
            // W_SOFTMAX: temperature β = p.x
            return select(p.x * s, -p.x * s, positive);
        }
    }
}

fn uses_lse() -> bool {
    let w = params.weighting;
    return w == W_LIFTED || w == W_MS || w == W_SOFTMAX;
}

// Online log-sum-exp: merge (m2, s2) into (m1, s1).
fn lse_merge(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
    let mx = max(a.x, b.x);
    return vec2<f32>(mx, a.y * exp(a.x - mx) + b.y * exp(b.x - mx));
}

@compute @workgroup_size(64, 1, 1)
fn row_weigh(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let m = params.m;
    let i = wid.x;
    let t = lid.x;
    var n_pos = 0u;
    var n_neg = 0u;
    var viol_pos = 0u;
    var viol_neg = 0u;
    var lp = vec2<f32>(NEG_BIG, 0.0);
    var ln = vec2<f32>(NEG_BIG, 0.0);
    let lse = uses_lse();
    if (i < m) {
        let yi = labels[i];
        for (var j = t; j < m; j = j + WG) {
            let k = i * m + j;
            if (j == i) {
                codes[k] = CODE_SELF;
                continue;
            }
            let s = sim[k];
            let positive = labels[j] == yi;
            let keep = kept(i, j, s, positive);
            if (positive) {
                codes[k] = select(CODE_POS_DROPPED, CODE_POS_KEPT, keep);
            } else {
                codes[k] = select(CODE_NEG_DROPPED, CODE_NEG_KEPT, keep);
            }
            if (!keep) {
                continue;
            }
            if (positive) {
                n_pos = n_pos + 1u;
                if (s < params.wp.x) {
                    viol_pos = viol_pos + 1u;
                }
                if (lse) {
                    lp = lse_merge(lp, vec2<f32>(lse_arg(s, true), 1.0));
                }
            } else {
                n_neg = n_neg + 1u;
                if (s > params.wp.y) {
                    viol_neg = viol_neg + 1u;
                }
                if (lse) {
                    ln = lse_merge(ln, vec2<f32>(lse_arg(s, false), 1.0));
                }
            }
        }
    }
    red_u0[t] = n_pos;
    red_u1[t] = n_neg;
    red_u2[t] = viol_pos;
    red_u3[t] = viol_neg;
    red_f0[t] = lp.x;
    red_f1[t] = lp.y;
    red_f2[t] = ln.x;
    red_f3[t] = ln.y;
    workgroupBarrier();
    for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
        if (t < stride) {
            let o = t + stride;
            red_u0[t] = red_u0[t] + red_u0[o];
            red_u1[t] = red_u1[t] + red_u1[o];
            red_u2[t] = red_u2[t] + red_u2[o];
            red_u3[t] = red_u3[t] + red_u3[o];
            let p = lse_merge(vec2<f32>(red_f0[t], red_f1[t]), vec2<f32>(red_f0[o], red_f1[o]));
            let n = lse_merge(vec2<f32>(red_f2[t], red_f3[t]), vec2<f32>(red_f2[o], red_f3[o]));
            red_f0[t] = p.x;
            red_f1[t] = p.y;
            red_f2[t] = n.x;
            red_f3[t] = n.y;
        }
        workgroupBarrier();
    }
    if (t == 0u && i < m) {
        var r = stats[i];
        r.n_pos = red_u0[0];
        r.n_neg = red_u1[0];
        r.viol_pos = red_u2[0];
        r.viol_neg = red_u3[0];
        r.mx_p = red_f0[0];
        r.sum_p = red_f1[0];
        r.mx_n = red_f2[0];
        r.sum_n = red_f3[0];
        r.live = 0u;
        if (params.weighting == W_TRIPLET && r.n_pos > 0u && r.n_neg > 0u) {
            let v = sim[i * m + r.arg_neg] - sim[i * m + r.arg_pos] + params.wp.x;
            r.live = select(u32(v > 0.0), 1u, params.wp.y > 0.5);
        }
        stats[i] = r;
    }
}

@compute @workgroup_size(64, 1, 1)
fn batch_reduce(@builtin(local_invocation_id) lid: vec3<u32>) {
    let m = params.m;
    let t = lid.x;
    var vp = 0u;
    var vn = 0u;
    var act = 0u;
    for (var i = t; i < m; i = i + WG) {
        vp = vp + stats[i].viol_pos;
        vn = vn + stats[i].viol_neg;
        act = act + stats[i].live;
    }
    red_u0[t] = vp;
    red_u1[t] = vn;
    red_u2[t] = act;
    workgroupBarrier();
    for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
        if (t < stride) {
            red_u0[t] = red_u0[t] + red_u0[t + stride];
            red_u1[t] = red_u1[t] + red_u1[t + stride];
            red_u2[t] = red_u2[t] + red_u2[t + stride];
        }
        workgroupBarrier();
    }
    if (t == 0u) {
        var b: RowStats;
        b.viol_pos = red_u0[0];
        b.viol_neg = red_u1[0];
        b.live = red_u2[0];
        stats[m] = b;
    }
}

// ---------------------------------------------------------------- per pair

fn softplus(z: f32) -> f32 {
    return max(z, 0.0) + log(1.0 + exp(-abs(z)));
}

fn sigmoid(z: f32) -> f32 {
    if (z >= 0.0) {
        return 1.0 / (1.0 + exp(-z));
    }
    let e = exp(z);
    return e / (1.0 + e);
}

// log Σ e^z of a side from its (max, Σ e^{z−max}); 0 for an empty side (PML's convention).
fn side_lse(n: u32, mx: f32, sum: f32) -> f32 {
    if (n == 0u) {
        return 0.0;
    }
    return mx + log(sum);
}

// Weight (signed G) and per-pair loss of kept pair (i, j).
fn pair_terms(i: u32, j: u32, s: f32, positive: bool) -> vec2<f32> {
    let m = params.m;
    let inv_m = 1.0 / f32(m);
    let p = params.wp;
    let r = stats[i];
    let b = stats[m];
    switch params.weighting {
        case W_CONTRASTIVE: {
            // AvgNonZero per side over the batch: relu(pos_margin − S), relu(S − neg_margin).
            if (positive) {
                if (s < p.x) {
                    return vec2<f32>(-1.0 / f32(b.viol_pos), p.x - s);
                }
                return vec2<f32>(0.0, 0.0);
            }
            if (s > p.y) {
                return vec2<f32>(1.0 / f32(b.viol_neg), s - p.y);
            }
            return vec2<f32>(0.0, 0.0);
        }
        case W_TRIPLET: {
            // One (a, p, n) per anchor; AvgNonZero over the batch's triplets.
            if (r.live == 0u) {
                return vec2<f32>(0.0, 0.0);
            }
            let v = sim[i * m + r.arg_neg] - sim[i * m + r.arg_pos] + p.x;
            var g = 1.0;
            if (p.y > 0.5) {
                g = sigmoid(v);
            }
            g = g / f32(b.live);
            return vec2<f32>(select(g, -g, positive), 0.0);
        }
        case W_LIFTED: {
            let l = side_lse(r.n_pos, r.mx_p, r.sum_p) + side_lse(r.n_neg, r.mx_n, r.sum_n);
            if (l <= 0.0) {
                return vec2<f32>(0.0, 0.0);
            }
            if (positive) {
                return vec2<f32>(-exp(p.x - s - side_lse(r.n_pos, r.mx_p, r.sum_p)) * inv_m, 0.0);
            }
            return vec2<f32>(exp(s - p.y - side_lse(r.n_neg, r.mx_n, r.sum_n)) * inv_m, 0.0);
        }
        case W_MS: {
            // log(1 + Σ e^z) with M = max(0, max z) subtracted; weight e^{z−M} / (e^{−M} + Σ).
            var mx = r.mx_n;
            var sum = r.sum_n;
            if (positive) {
                mx = r.mx_p;
                sum = r.sum_p;
            }
            let big = max(0.0, mx);
            let total = exp(-big) + sum * exp(mx - big);
            let q = exp(lse_arg(s, positive) - big) / total;
            return vec2<f32>(select(q, -q, positive) * inv_m, 0.0);
        }
        case W_BINOMIAL: {
            // (α, β, λ) = (p.x, p.y, p.z); per-anchor means over the kept pairs, then /m.
            if (positive) {
                let z = p.x * (p.z - s);
                let c = 1.0 / f32(r.n_pos);
                return vec2<f32>(-c * p.x * sigmoid(z) * inv_m, softplus(z));
            }
            let z = p.y * (s - p.z);
            let c = 1.0 / f32(r.n_neg);
            return vec2<f32>(c * p.y * sigmoid(z) * inv_m, softplus(z));
        }
        case W_UNIFORM: {
            return select(vec2<f32>(inv_m, s), vec2<f32>(-inv_m, 1.0 - s), positive);
        }
        case W_VIOLATION: {
            if (positive) {
                let v = max(p.x - s, 0.0);
                return vec2<f32>(-v * inv_m, 0.5 * v * v);
            }
            let v = max(s - p.y, 0.0);
            return vec2<f32>(v * inv_m, 0.5 * v * v);
        }
        default: {
            // W_SOFTMAX: softmax over the kept negatives of βS, soft-min over the positives.
            if (positive) {
                return vec2<f32>(-exp(-p.x * s - side_lse(r.n_pos, r.mx_p, r.sum_p)) * inv_m, 0.0);
            }
            return vec2<f32>(exp(p.x * s - side_lse(r.n_neg, r.mx_n, r.sum_n)) * inv_m, 0.0);
        }
    }
}

@compute @workgroup_size(16, 16, 1)
fn pairs(@builtin(global_invocation_id) gid: vec3<u32>) {
    let m = params.m;
    let i = gid.y;
    let j = gid.x;
    if (i >= m || j >= m) {
        return;
    }
    let k = i * m + j;
    let code = codes[k];
    var terms = vec2<f32>(0.0, 0.0);
    if (code == CODE_POS_KEPT || code == CODE_NEG_KEPT) {
        terms = pair_terms(i, j, sim[k], code == CODE_POS_KEPT);
    }
    weights[k] = terms.x;
    pair_loss[k] = terms.y;
    // Without a miner every pair goes in: the shown "kept" pairs are those with a weight.
    if (params.from_miner == 0u && terms.x == 0.0) {
        if (code == CODE_POS_KEPT) {
            codes[k] = CODE_POS_DROPPED;
        } else if (code == CODE_NEG_KEPT) {
            codes[k] = CODE_NEG_DROPPED;
        }
    }
}

@compute @workgroup_size(64, 1, 1)
fn row_max(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let m = params.m;
    let i = wid.x;
    let t = lid.x;
    var mw = 0.0;
    var ml = 0.0;
    if (i < m) {
        for (var j = t; j < m; j = j + WG) {
            mw = max(mw, abs(weights[i * m + j]));
            ml = max(ml, pair_loss[i * m + j]);
        }
    }
    red_f0[t] = mw;
    red_f1[t] = ml;
    workgroupBarrier();
    for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
        if (t < stride) {
            red_f0[t] = max(red_f0[t], red_f0[t + stride]);
            red_f1[t] = max(red_f1[t], red_f1[t + stride]);
        }
        workgroupBarrier();
    }
    if (t == 0u && i < m) {
        stats[i].max_w = red_f0[0];
        stats[i].max_loss = red_f1[0];
    }
}

@compute @workgroup_size(64, 1, 1)
fn batch_max(@builtin(local_invocation_id) lid: vec3<u32>) {
    let m = params.m;
    let t = lid.x;
    var mw = 0.0;
    var ml = 0.0;
    for (var i = t; i < m; i = i + WG) {
        mw = max(mw, stats[i].max_w);
        ml = max(ml, stats[i].max_loss);
    }
    red_f0[t] = mw;
    red_f1[t] = ml;
    workgroupBarrier();
    for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
        if (t < stride) {
            red_f0[t] = max(red_f0[t], red_f0[t + stride]);
            red_f1[t] = max(red_f1[t], red_f1[t + stride]);
        }
        workgroupBarrier();
    }
    if (t == 0u) {
        stats[m].max_w = red_f0[0];
        stats[m].max_loss = red_f1[0];
    }
}

// ---------------------------------------------------------------- colour maps

fn pack(c: vec3<f32>) -> u32 {
    let b = vec3<u32>(clamp(c, vec3<f32>(0.0), vec3<f32>(1.0)) * 255.0 + 0.5);
    return b.x | (b.y << 8u) | (b.z << 16u) | (255u << 24u);
}

fn unit(v: f32, lo: f32, hi: f32) -> f32 {
    let span = hi - lo;
    if (span <= 0.0) {
        return 0.0;
    }
    return clamp((v - lo) / span, 0.0, 1.0);
}

// ColorBrewer RdBu, reversed (blue = low, red = high): colour-blind safe, 5 stops.
fn diverging(t: f32) -> vec3<f32> {
    var stops = array<vec3<f32>, 5>(
        vec3<f32>(33.0, 102.0, 172.0) / 255.0,
        vec3<f32>(103.0, 169.0, 207.0) / 255.0,
        vec3<f32>(247.0, 247.0, 247.0) / 255.0,
        vec3<f32>(239.0, 138.0, 98.0) / 255.0,
        vec3<f32>(178.0, 24.0, 43.0) / 255.0,
    );
    let x = t * 4.0;
    let k = min(u32(x), 3u);
    return mix(stops[k], stops[k + 1u], x - f32(k));
}

// Polynomial fit of matplotlib's viridis (perceptually uniform, colour-blind safe).
fn viridis(t: f32) -> vec3<f32> {
    let c0 = vec3<f32>(0.2777273272234177, 0.005407344544966578, 0.3340998053353061);
    let c1 = vec3<f32>(0.1050930431085774, 1.404613529898575, 1.384590162594685);
    let c2 = vec3<f32>(-0.3308618287255563, 0.214847559468213, 0.09509516302823659);
    let c3 = vec3<f32>(-4.634230498983486, -5.799100973351585, -19.33244095627987);
    let c4 = vec3<f32>(6.228269936347081, 14.17993336680509, 56.69055260068105);
    let c5 = vec3<f32>(4.776384997670288, -13.74514537774601, -65.35303263337234);
    let c6 = vec3<f32>(-5.435455855934631, 4.645852612178535, 26.3124352495832);
    return c0 + t * (c1 + t * (c2 + t * (c3 + t * (c4 + t * (c5 + t * c6)))));
}

// Mining codes (Okabe–Ito bluish green and vermilion, pale when dropped; grey: same sample).
fn categorical(code: u32) -> vec3<f32> {
    var palette = array<vec3<f32>, 5>(
        vec3<f32>(64.0, 64.0, 64.0) / 255.0,
        vec3<f32>(0.0, 158.0, 115.0) / 255.0,
        vec3<f32>(213.0, 94.0, 0.0) / 255.0,
        vec3<f32>(204.0, 236.0, 227.0) / 255.0,
        vec3<f32>(246.0, 223.0, 204.0) / 255.0,
    );
    return palette[min(code, 4u)];
}

@compute @workgroup_size(16, 16, 1)
fn colour(@builtin(global_invocation_id) gid: vec3<u32>) {
    let m = params.m;
    let i = gid.y;
    let j = gid.x;
    if (i >= m || j >= m) {
        return;
    }
    let k = i * m + j;
    let b = stats[m];
    switch params.view {
        case 0u: { colours[k] = pack(diverging(unit(sim[k], -1.0, 1.0))); }
        case 1u: { colours[k] = pack(categorical(codes[k])); }
        case 2u: { colours[k] = pack(viridis(unit(abs(weights[k]), 0.0, b.max_w))); }
        default: { colours[k] = pack(viridis(unit(pair_loss[k], 0.0, b.max_loss))); }
    }
}
