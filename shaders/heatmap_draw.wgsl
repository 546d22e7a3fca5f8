// Draws an m×m heatmap whose colours `batch.wgsl` computed, as one quad filling the viewport
// that egui_wgpu sets to the panel's rectangle. Each fragment looks up its cell inside the
// zoomed window [lo, hi] (unit coordinates of the whole matrix).
//
// Bindings (group 0)
//   0 params   uniform        DrawParams (mirrored by ui::gpu_heatmap::DrawParams)
//   1 colours  storage, read  array<u32>, m·m, RGBA8 packed, sRGB-encoded

struct DrawParams {
    m: u32,
    // 1 when the render target is an *Srgb format (the hardware encodes, so we decode first).
    srgb_target: u32,
    _pad: vec2<u32>,
    // visible window: x/y of the top-left (lo) and bottom-right (hi) corners, in [0, 1]
    lo: vec2<f32>,
    hi: vec2<f32>,
};

@group(0) @binding(0) var<uniform> params: DrawParams;
@group(0) @binding(1) var<storage, read> colours: array<u32>;

struct VsOut {
    @builtin(position) position: vec4<f32>,
    @location(0) uv: vec2<f32>,
};

@vertex
fn vs_main(@builtin(vertex_index) index: u32) -> VsOut {
    var corners = array<vec2<f32>, 6>(
        vec2<f32>(0.0, 0.0), vec2<f32>(1.0, 0.0), vec2<f32>(0.0, 1.0),
        vec2<f32>(0.0, 1.0), vec2<f32>(1.0, 0.0), vec2<f32>(1.0, 1.0),
    );
    let c = corners[index];
    var out: VsOut;
    out.position = vec4<f32>(c.x * 2.0 - 1.0, 1.0 - c.y * 2.0, 0.0, 1.0);
    out.uv = c;
    return out;
}

fn srgb_to_linear(c: vec3<f32>) -> vec3<f32> {
    let low = c / 12.92;
    let high = pow((c + 0.055) / 1.055, vec3<f32>(2.4));
    return select(high, low, c <= vec3<f32>(0.04045));
}

@fragment
fn fs_main(in: VsOut) -> @location(0) vec4<f32> {
    let m = params.m;
    let uv = params.lo + in.uv * (params.hi - params.lo);
    let j = min(u32(uv.x * f32(m)), m - 1u);
    let i = min(u32(uv.y * f32(m)), m - 1u);
    let c = unpack4x8unorm(colours[i * m + j]);
    if (params.srgb_target == 1u) {
        return vec4<f32>(srgb_to_linear(c.rgb), 1.0);
    }
    return vec4<f32>(c.rgb, 1.0);
}
