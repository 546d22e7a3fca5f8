// Batch heatmap: cosine similarity of a mini-batch and its colour map.
//
// Algorithm
//   `similarity`: one invocation per cell (i, j) of the m×m batch matrix. The rows of
//   `embeddings` are already L2-normalised, so S_ij = Σ_k x_ik x_jk (summed in k order, the
//   same order as the CPU path in src/gpu/colormap.rs). Writes S_ij to `values` and its colour
//   (diverging map over [lo, hi]) to `colours`.
//   `colormap`: colours an m×m `values` matrix that the CPU engine produced (weights, mining
//   codes), with the map chosen by `params.mode`.
//
// Bindings (group 0)
//   0 params      uniform            Params (mirrored by gpu::compute::Params)
//   1 embeddings  storage, read      array<f32>, m·d, row-major
//   2 values      storage, read_write array<f32>, m·m, row-major
//   3 colours     storage, read_write array<u32>, m·m, RGBA8 packed (r in the low byte)

struct Params {
    m: u32,
    d: u32,
    // 0 = diverging (similarity), 1 = sequential (viridis), 2 = categorical (mining codes)
    mode: u32,
    _pad: u32,
    lo: f32,
    hi: f32,
    _pad2: vec2<f32>,
};

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> embeddings: array<f32>;
@group(0) @binding(2) var<storage, read_write> values: array<f32>;
@group(0) @binding(3) var<storage, read_write> colours: array<u32>;

fn pack(c: vec3<f32>) -> u32 {
    let b = vec3<u32>(clamp(c, vec3<f32>(0.0), vec3<f32>(1.0)) * 255.0 + 0.5);
    return b.x | (b.y << 8u) | (b.z << 16u) | (255u << 24u);
}

fn unit(v: f32) -> f32 {
    let span = params.hi - params.lo;
    if (span <= 0.0) {
        return 0.0;
    }
    return clamp((v - params.lo) / span, 0.0, 1.0);
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

// Mining codes: 0 self, 1 positive kept, 2 negative kept, 3 positive dropped,
// 4 negative dropped (Okabe–Ito bluish green and vermilion, pale when dropped).
fn categorical(code: f32) -> vec3<f32> {
    var palette = array<vec3<f32>, 5>(
        vec3<f32>(64.0, 64.0, 64.0) / 255.0,
        vec3<f32>(0.0, 158.0, 115.0) / 255.0,
        vec3<f32>(213.0, 94.0, 0.0) / 255.0,
        vec3<f32>(204.0, 236.0, 227.0) / 255.0,
        vec3<f32>(246.0, 223.0, 204.0) / 255.0,
    );
    let k = min(u32(max(code, 0.0)), 4u);
    return palette[k];
}

fn colour_of(v: f32) -> u32 {
    switch params.mode {
        case 0u: { return pack(diverging(unit(v))); }
        case 1u: { return pack(viridis(unit(v))); }
        default: { return pack(categorical(v)); }
    }
}

@compute @workgroup_size(16, 16, 1)
fn similarity(@builtin(global_invocation_id) gid: vec3<u32>) {
    let m = params.m;
    let i = gid.y;
    let j = gid.x;
    if (i >= m || j >= m) {
        return;
    }
    let d = params.d;
    var s = 0.0;
    for (var k = 0u; k < d; k = k + 1u) {
        s = s + embeddings[i * d + k] * embeddings[j * d + k];
    }
    values[i * m + j] = s;
    colours[i * m + j] = colour_of(s);
}

@compute @workgroup_size(16, 16, 1)
fn colormap(@builtin(global_invocation_id) gid: vec3<u32>) {
    let m = params.m;
    let i = gid.y;
    let j = gid.x;
    if (i >= m || j >= m) {
        return;
    }
    colours[i * m + j] = colour_of(values[i * m + j]);
}
