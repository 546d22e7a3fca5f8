//! The batch pipeline of `shaders/batch.wgsl` on any wgpu device: eframe's own (through the
//! paint callback, `ui::gpu_heatmap`) or a headless one (tests, benchmarks, `pairscope doctor`).
//!
//! For one batch it computes S, the mining decision of every pair, the weights `G = ∂L/∂S` and
//! per-pair losses of the selected loss where [`GpuPlan::for_spec`] finds a GPU path, and
//! colour-maps the shown [`View`]. Other losses take their codes, weights and per-pair losses
//! from the CPU engine ([`BatchWork::Engine`]) and the GPU only computes S and colours.

use bytemuck::{Pod, Zeroable};
use wgpu::util::DeviceExt as _;

use super::GpuError;
use crate::losses::{Loss, LossSpec, Miner, MiningRule, WeightingRule};

/// Mirrors `Params` in `shaders/batch.wgsl`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct Params {
    pub m: u32,
    pub d: u32,
    pub mining: u32,
    pub weighting: u32,
    pub view: u32,
    pub from_miner: u32,
    pub _pad: [u32; 2],
    pub mp: [f32; 4],
    pub wp: [f32; 4],
}
const _: () = assert!(size_of::<Params>() == 64);

/// Bytes of one `RowStats` in the shader.
const ROW_STATS_BYTES: usize = 64;
const CELL_WG: u32 = 16;

const MINING_ALL: u32 = 0;
const MINING_RELATIVE: u32 = 1;
const MINING_ABSOLUTE: u32 = 2;
const MINING_BATCH_HARD: u32 = 3;
const MINING_TOP_ONE: u32 = 4;
const MINING_ENGINE: u32 = 255;

const W_CONTRASTIVE: u32 = 0;
const W_TRIPLET: u32 = 1;
const W_LIFTED: u32 = 2;
const W_MS: u32 = 3;
const W_BINOMIAL: u32 = 4;
const W_UNIFORM: u32 = 5;
const W_VIOLATION: u32 = 6;
const W_SOFTMAX: u32 = 7;

/// What the heatmap shows (the shader's `params.view`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum View {
    Similarity = 0,
    Mining = 1,
    Weights = 2,
    PairLoss = 3,
}

impl View {
    pub const ALL: [Self; 4] = [
        Self::Similarity,
        Self::Mining,
        Self::Weights,
        Self::PairLoss,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Similarity => "similarity",
            Self::Mining => "mined pairs",
            Self::Weights => "weights",
            Self::PairLoss => "per-pair loss",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::Similarity => "Similarity S_ij = cos(x_i, x_j)",
            Self::Mining => "Mined pairs",
            Self::Weights => "Pair weights w_ij = |∂L/∂S_ij|",
            Self::PairLoss => "Per-pair loss",
        }
    }

    /// One line for the side panel.
    pub fn explanation(self) -> &'static str {
        match self {
            Self::Similarity => {
                "Cosine similarity of every pair of the batch (red: similar, blue: opposite). \
                 Dots mark the pairs the mining rule kept (green: positive, vermilion: \
                 negative) when few enough cells are visible."
            }
            Self::Mining => {
                "Which pairs the mining rule keeps: positives (same class) and negatives \
                 (different class), kept in strong colours, dropped in pale ones."
            }
            Self::Weights => {
                "How hard the loss pulls (positive pairs) or pushes (negative pairs) each pair: \
                 the magnitude of the loss's derivative with respect to S_ij, exactly the weight \
                 that trains the model."
            }
            Self::PairLoss => {
                "The loss term each kept pair contributes before reduction (losses with a \
                 per-pair term: contrastive, binomial deviance, composed uniform / violation / \
                 binomial)."
            }
        }
    }
}

/// The smallest f32 `>= x`: for an f32 `s`, `s < x ⇔ s < f32_at_or_above(x)`.
fn f32_at_or_above(x: f64) -> f32 {
    let f = x as f32;
    if f64::from(f) < x { f.next_up() } else { f }
}

/// The largest f32 `<= x`: for an f32 `s`, `s > x ⇔ s > f32_at_or_below(x)`.
fn f32_at_or_below(x: f64) -> f32 {
    let f = x as f32;
    if f64::from(f) > x { f.next_down() } else { f }
}

/// How the shader mines and weighs the pairs of one loss specification.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GpuPlan {
    mining: u32,
    weighting: u32,
    from_miner: bool,
    mp: [f32; 4],
    wp: [f32; 4],
    /// Whether the loss has an unreduced per-pair term (the per-pair loss view).
    pub has_pair_loss: bool,
}

impl GpuPlan {
    /// The GPU path of `spec`, or `None` when its mining or weighting is not per-pair
    /// expressible in the shader (triplet miners other than batch-hard, distance-weighted and
    /// top-k > 1 mining, lifted structure, N-pairs, circle, histogram): the CPU engine then fills
    /// the same buffers.
    pub fn for_spec(spec: &LossSpec) -> Option<Self> {
        let above = f32_at_or_above;
        let below = f32_at_or_below;
        let f = |x: f64| x as f32;
        if let Loss::Composed { mining, weighting } = &spec.loss {
            let (mining, mp) = match mining {
                MiningRule::All => (MINING_ALL, [0.0; 4]),
                MiningRule::Absolute {
                    pos_below,
                    neg_above,
                } => (
                    MINING_ABSOLUTE,
                    [above(*pos_below), below(*neg_above), 0.0, 0.0],
                ),
                MiningRule::Relative { epsilon } => {
                    (MINING_RELATIVE, [above(*epsilon), 0.0, 0.0, 0.0])
                }
                MiningRule::TopK { k_pos: 1, k_neg: 1 } => (MINING_TOP_ONE, [0.0; 4]),
                _ => return None,
            };
            let (weighting, wp, has_pair_loss) = match weighting {
                WeightingRule::Uniform => (W_UNIFORM, [0.0; 4], true),
                WeightingRule::Violation {
                    pos_margin,
                    neg_margin,
                } => (
                    W_VIOLATION,
                    [f(*pos_margin), f(*neg_margin), 0.0, 0.0],
                    true,
                ),
                WeightingRule::Binomial { alpha, beta, base } => {
                    (W_BINOMIAL, [f(*alpha), f(*beta), f(*base), 0.0], true)
                }
                WeightingRule::Ms { alpha, beta, base } => {
                    (W_MS, [f(*alpha), f(*beta), f(*base), 0.0], false)
                }
                WeightingRule::Relative { beta } => (W_SOFTMAX, [f(*beta), 0.0, 0.0, 0.0], false),
                WeightingRule::Circle { .. } => return None,
            };
            return Some(Self {
                mining,
                weighting,
                from_miner: true,
                mp,
                wp,
                has_pair_loss,
            });
        }
        let (mining, mp, from_miner) = match &spec.miner {
            None => (MINING_ALL, [0.0; 4], false),
            Some(Miner::MultiSimilarity(p)) => {
                (MINING_RELATIVE, [above(p.epsilon), 0.0, 0.0, 0.0], true)
            }
            Some(Miner::PairMargin(p)) => (
                MINING_ABSOLUTE,
                [above(p.pos_margin), below(p.neg_margin), 0.0, 0.0],
                true,
            ),
            Some(Miner::BatchHard(_)) => (MINING_BATCH_HARD, [0.0; 4], true),
            Some(_) => return None,
        };
        let (weighting, wp, has_pair_loss) = match &spec.loss {
            Loss::Contrastive(p) => (
                W_CONTRASTIVE,
                [above(p.pos_margin), below(p.neg_margin), 0.0, 0.0],
                true,
            ),
            Loss::TripletMargin(p) if mining == MINING_BATCH_HARD && !p.swap => (
                W_TRIPLET,
                [f(p.margin), f32::from(u8::from(p.smooth_loss)), 0.0, 0.0],
                false,
            ),
            Loss::GeneralizedLiftedStructure(p) => (
                W_LIFTED,
                [f(p.pos_margin), f(p.neg_margin), 0.0, 0.0],
                false,
            ),
            Loss::MultiSimilarity(p) => (W_MS, [f(p.alpha), f(p.beta), f(p.base), 0.0], false),
            Loss::BinomialDeviance(p) => {
                (W_BINOMIAL, [f(p.alpha), f(p.beta), f(p.base), 0.0], true)
            }
            _ => return None,
        };
        Some(Self {
            mining,
            weighting,
            from_miner,
            mp,
            wp,
            has_pair_loss,
        })
    }
}

/// Where the mining decisions and weights of a batch come from.
#[derive(Debug, Clone, Copy)]
pub enum BatchWork<'a> {
    /// The shader computes them.
    Gpu(GpuPlan),
    /// The CPU engine computed them (`m × m` each): the shader only colours them.
    Engine {
        codes: &'a [u32],
        weights: &'a [f32],
        pair_loss: Option<&'a [f32]>,
    },
}

impl BatchWork<'_> {
    pub fn has_pair_loss(&self) -> bool {
        match self {
            Self::Gpu(plan) => plan.has_pair_loss,
            Self::Engine { pair_loss, .. } => pair_loss.is_some(),
        }
    }
}

/// The shader's entry points and their shared bind group layout.
pub struct BatchPipelines {
    layout: wgpu::BindGroupLayout,
    similarity: wgpu::ComputePipeline,
    row_mine: wgpu::ComputePipeline,
    row_weigh: wgpu::ComputePipeline,
    batch_reduce: wgpu::ComputePipeline,
    pairs: wgpu::ComputePipeline,
    row_max: wgpu::ComputePipeline,
    batch_max: wgpu::ComputePipeline,
    colour: wgpu::ComputePipeline,
}

fn storage_entry(
    binding: u32,
    read_only: bool,
    visibility: wgpu::ShaderStages,
) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Storage { read_only },
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    }
}

pub fn uniform_entry(binding: u32, visibility: wgpu::ShaderStages) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Uniform,
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    }
}

pub fn read_only_storage_entry(
    binding: u32,
    visibility: wgpu::ShaderStages,
) -> wgpu::BindGroupLayoutEntry {
    storage_entry(binding, true, visibility)
}

/// The device limits the pipeline needs (WebGPU defaults: 8 storage buffers per stage).
pub fn required_limits(adapter: &wgpu::Adapter) -> wgpu::Limits {
    wgpu::Limits::default().using_resolution(adapter.limits())
}

/// Why `device` cannot run the pipeline (no compute shaders, too few storage buffers), if so.
pub fn unsupported(device: &wgpu::Device, adapter: &wgpu::Adapter) -> Option<String> {
    let caps = adapter.get_downlevel_capabilities();
    if !caps.flags.contains(wgpu::DownlevelFlags::COMPUTE_SHADERS) {
        return Some("the adapter has no compute shaders".into());
    }
    let limits = device.limits();
    if limits.max_storage_buffers_per_shader_stage < 8 {
        return Some(format!(
            "the device allows {} storage buffers per shader stage, the pipeline needs 8",
            limits.max_storage_buffers_per_shader_stage
        ));
    }
    None
}

/// [`BatchPipelines::new`] with validation errors returned instead of raised on the device.
pub fn try_pipelines(device: &wgpu::Device) -> Result<BatchPipelines, GpuError> {
    let scope = device.push_error_scope(wgpu::ErrorFilter::Validation);
    let pipelines = BatchPipelines::new(device);
    match pollster::block_on(scope.pop()) {
        Some(e) => Err(GpuError::Device(e.to_string())),
        None => Ok(pipelines),
    }
}

impl BatchPipelines {
    pub fn new(device: &wgpu::Device) -> Self {
        let module = device.create_shader_module(wgpu::include_wgsl!("../../shaders/batch.wgsl"));
        let compute = wgpu::ShaderStages::COMPUTE;
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("batch/bind-group-layout"),
            entries: &[
                uniform_entry(0, compute),
                storage_entry(1, true, compute),
                storage_entry(2, true, compute),
                storage_entry(3, false, compute),
                storage_entry(4, false, compute),
                storage_entry(5, false, compute),
                storage_entry(6, false, compute),
                storage_entry(7, false, compute),
                storage_entry(8, false, compute),
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("batch/pipeline-layout"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipeline = |entry: &str| {
            device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(entry),
                layout: Some(&pipeline_layout),
                module: &module,
                entry_point: Some(entry),
                compilation_options: wgpu::PipelineCompilationOptions::default(),
                cache: None,
            })
        };
        Self {
            similarity: pipeline("similarity"),
            row_mine: pipeline("row_mine"),
            row_weigh: pipeline("row_weigh"),
            batch_reduce: pipeline("batch_reduce"),
            pairs: pipeline("pairs"),
            row_max: pipeline("row_max"),
            batch_max: pipeline("batch_max"),
            colour: pipeline("colour"),
            layout,
        }
    }
}

/// GPU buffers of one batch (`m` rows of `d` dims).
pub struct BatchBuffers {
    m: usize,
    d: usize,
    params: wgpu::Buffer,
    embeddings: wgpu::Buffer,
    labels: wgpu::Buffer,
    sim: wgpu::Buffer,
    codes: wgpu::Buffer,
    weights: wgpu::Buffer,
    pair_loss: wgpu::Buffer,
    stats: wgpu::Buffer,
    colours: wgpu::Buffer,
    bind_group: wgpu::BindGroup,
    current: Params,
}

/// The values of one cell, read back from the GPU buffers (hover read-out).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellProbe {
    pub similarity: f32,
    pub code: u32,
    pub weight: f32,
    pub pair_loss: f32,
}

impl CellProbe {
    pub const BYTES: u64 = 16;

    pub fn from_bytes(bytes: &[u8]) -> Self {
        let w: &[u32] = bytemuck::cast_slice(&bytes[..16]);
        Self {
            similarity: f32::from_bits(w[0]),
            code: w[1],
            weight: f32::from_bits(w[2]),
            pair_loss: f32::from_bits(w[3]),
        }
    }
}

impl BatchBuffers {
    pub fn new(device: &wgpu::Device, pipelines: &BatchPipelines, m: usize, d: usize) -> Self {
        let storage = |label: &str, bytes: usize| {
            device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: bytes.max(4) as u64,
                usage: wgpu::BufferUsages::STORAGE
                    | wgpu::BufferUsages::COPY_DST
                    | wgpu::BufferUsages::COPY_SRC,
                mapped_at_creation: false,
            })
        };
        let params = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("batch/params"),
            contents: bytemuck::bytes_of(&Params::zeroed()),
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
        });
        let cells = m * m * 4;
        let embeddings = storage("batch/embeddings", m * d * 4);
        let labels = storage("batch/labels", m * 4);
        let sim = storage("batch/sim", cells);
        let codes = storage("batch/codes", cells);
        let weights = storage("batch/weights", cells);
        let pair_loss = storage("batch/pair-loss", cells);
        let stats = storage("batch/stats", (m + 1) * ROW_STATS_BYTES);
        let colours = storage("batch/colours", cells);
        let buffers = [
            &params,
            &embeddings,
            &labels,
            &sim,
            &codes,
            &weights,
            &pair_loss,
            &stats,
            &colours,
        ];
        let entries: Vec<wgpu::BindGroupEntry> = buffers
            .iter()
            .enumerate()
            .map(|(binding, buffer)| wgpu::BindGroupEntry {
                binding: binding as u32,
                resource: buffer.as_entire_binding(),
            })
            .collect();
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("batch/bind-group"),
            layout: &pipelines.layout,
            entries: &entries,
        });
        Self {
            m,
            d,
            params,
            embeddings,
            labels,
            sim,
            codes,
            weights,
            pair_loss,
            stats,
            colours,
            bind_group,
            current: Params::zeroed(),
        }
    }

    /// Whether these buffers hold a batch of `m` rows of `d` dims.
    pub fn fits(&self, m: usize, d: usize) -> bool {
        self.m == m && self.d == d
    }

    pub fn m(&self) -> usize {
        self.m
    }

    pub fn colours(&self) -> &wgpu::Buffer {
        &self.colours
    }

    /// Uploads a batch and records every pass, ending with the colours of `view`.
    ///
    /// # Shapes
    /// `emb`: `[m, d]` unit rows; `labels`: `[m]`.
    #[allow(clippy::too_many_arguments)]
    pub fn encode_batch(
        &mut self,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        pipelines: &BatchPipelines,
        emb: &[f32],
        labels: &[u32],
        work: BatchWork<'_>,
        view: View,
    ) {
        let (m, d) = (self.m, self.d);
        debug_assert_eq!(emb.len(), m * d);
        debug_assert_eq!(labels.len(), m);
        queue.write_buffer(&self.embeddings, 0, bytemuck::cast_slice(emb));
        queue.write_buffer(&self.labels, 0, bytemuck::cast_slice(labels));
        let mut params = Params {
            m: m as u32,
            d: d as u32,
            view: view as u32,
            ..Params::zeroed()
        };
        match work {
            BatchWork::Gpu(plan) => {
                params.mining = plan.mining;
                params.weighting = plan.weighting;
                params.from_miner = u32::from(plan.from_miner);
                params.mp = plan.mp;
                params.wp = plan.wp;
            }
            BatchWork::Engine {
                codes,
                weights,
                pair_loss,
            } => {
                params.mining = MINING_ENGINE;
                queue.write_buffer(&self.codes, 0, bytemuck::cast_slice(codes));
                queue.write_buffer(&self.weights, 0, bytemuck::cast_slice(weights));
                match pair_loss {
                    Some(l) => queue.write_buffer(&self.pair_loss, 0, bytemuck::cast_slice(l)),
                    None => encoder.clear_buffer(&self.pair_loss, 0, None),
                }
            }
        }
        queue.write_buffer(&self.params, 0, bytemuck::bytes_of(&params));
        self.current = params;

        let cells = (m as u32).div_ceil(CELL_WG);
        let rows = m as u32;
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("batch/compute-pass"),
            timestamp_writes: None,
        });
        pass.set_bind_group(0, &self.bind_group, &[]);
        pass.set_pipeline(&pipelines.similarity);
        let blocks = (m as u32).div_ceil(4 * CELL_WG);
        pass.dispatch_workgroups(blocks, blocks, 1);
        if params.mining != MINING_ENGINE {
            pass.set_pipeline(&pipelines.row_mine);
            pass.dispatch_workgroups(rows, 1, 1);
            pass.set_pipeline(&pipelines.row_weigh);
            pass.dispatch_workgroups(rows, 1, 1);
            pass.set_pipeline(&pipelines.batch_reduce);
            pass.dispatch_workgroups(1, 1, 1);
            pass.set_pipeline(&pipelines.pairs);
            pass.dispatch_workgroups(cells, cells, 1);
        }
        pass.set_pipeline(&pipelines.row_max);
        pass.dispatch_workgroups(rows, 1, 1);
        pass.set_pipeline(&pipelines.batch_max);
        pass.dispatch_workgroups(1, 1, 1);
        pass.set_pipeline(&pipelines.colour);
        pass.dispatch_workgroups(cells, cells, 1);
    }

    /// Re-colours the current batch for another view.
    pub fn encode_view(
        &mut self,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        pipelines: &BatchPipelines,
        view: View,
    ) {
        self.current.view = view as u32;
        queue.write_buffer(&self.params, 0, bytemuck::bytes_of(&self.current));
        let cells = (self.m as u32).div_ceil(CELL_WG);
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("batch/colour-pass"),
            timestamp_writes: None,
        });
        pass.set_bind_group(0, &self.bind_group, &[]);
        pass.set_pipeline(&pipelines.colour);
        pass.dispatch_workgroups(cells, cells, 1);
    }

    /// Copies cell `k`'s S, code, weight and per-pair loss into `dst` (≥ 16 bytes, `COPY_DST`).
    pub fn encode_probe(&self, encoder: &mut wgpu::CommandEncoder, k: usize, dst: &wgpu::Buffer) {
        let at = (k * 4) as u64;
        for (slot, src) in [&self.sim, &self.codes, &self.weights, &self.pair_loss]
            .into_iter()
            .enumerate()
        {
            encoder.copy_buffer_to_buffer(src, at, dst, slot as u64 * 4, 4);
        }
    }

    /// Copies the batch's colour-bar maxima (largest |G|, largest per-pair loss) into `dst`
    /// at `offset` (8 bytes).
    pub fn encode_ranges(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        dst: &wgpu::Buffer,
        offset: u64,
    ) {
        let at = (self.m * ROW_STATS_BYTES + 56) as u64;
        encoder.copy_buffer_to_buffer(&self.stats, at, dst, offset, 8);
    }
}

/// Facts about a wgpu adapter, for the UI and `pairscope doctor`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AdapterSummary {
    pub name: String,
    pub backend: String,
    pub driver: String,
    pub driver_info: String,
    pub device_type: String,
    /// A CPU implementation (lavapipe, llvmpipe, WARP): fine for drawing, too slow to train.
    pub software: bool,
}

impl AdapterSummary {
    pub fn from_info(info: &wgpu::AdapterInfo) -> Self {
        Self {
            name: info.name.clone(),
            backend: format!("{:?}", info.backend),
            driver: info.driver.clone(),
            driver_info: info.driver_info.clone(),
            device_type: format!("{:?}", info.device_type),
            software: info.device_type == wgpu::DeviceType::Cpu,
        }
    }
}

/// Everything the pipeline computed for one batch, read back.
#[derive(Debug, Clone)]
pub struct BatchReadback {
    pub similarity: Vec<f32>,
    pub codes: Vec<u32>,
    pub weights: Vec<f32>,
    pub pair_loss: Vec<f32>,
    pub colours: Vec<u32>,
    /// Colour-bar maxima: largest |G| and largest per-pair loss.
    pub max_weight: f32,
    pub max_pair_loss: f32,
}

/// A wgpu device of its own, with no window: for tests, benchmarks and the doctor.
pub struct HeadlessGpu {
    pub adapter: AdapterSummary,
    device: wgpu::Device,
    queue: wgpu::Queue,
    pipelines: BatchPipelines,
}

fn instance() -> wgpu::Instance {
    wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env())
}

/// The adapter wgpu would pick, if any (no device is created).
pub fn probe_adapter() -> Option<AdapterSummary> {
    let adapter = pollster::block_on(instance().request_adapter(&wgpu::RequestAdapterOptions {
        power_preference: wgpu::PowerPreference::HighPerformance,
        ..Default::default()
    }))
    .ok()?;
    Some(AdapterSummary::from_info(&adapter.get_info()))
}

impl HeadlessGpu {
    pub fn new() -> Result<Self, GpuError> {
        let adapter =
            pollster::block_on(instance().request_adapter(&wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                ..Default::default()
            }))
            .map_err(|e| GpuError::NoAdapter(e.to_string()))?;
        let summary = AdapterSummary::from_info(&adapter.get_info());
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("pairscope/headless"),
            required_limits: required_limits(&adapter),
            ..Default::default()
        }))
        .map_err(|e| GpuError::Device(e.to_string()))?;
        if let Some(why) = unsupported(&device, &adapter) {
            return Err(GpuError::Device(why));
        }
        let pipelines = try_pipelines(&device)?;
        Ok(Self {
            adapter: summary,
            device,
            queue,
            pipelines,
        })
    }

    /// Buffers for a batch of `m` rows of `d` dims on this device.
    pub fn buffers(&self, m: usize, d: usize) -> BatchBuffers {
        BatchBuffers::new(&self.device, &self.pipelines, m, d)
    }

    /// Uploads, runs every pass and waits for the GPU, without reading anything back (for
    /// timings).
    pub fn run_into(
        &self,
        buffers: &mut BatchBuffers,
        emb: &[f32],
        labels: &[u32],
        work: BatchWork<'_>,
        view: View,
    ) -> Result<(), GpuError> {
        let encoder = self.encode(buffers, emb, labels, work, view);
        self.queue.submit([encoder.finish()]);
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| GpuError::Device(e.to_string()))?;
        Ok(())
    }

    /// Runs the pipeline once on a batch and reads every buffer back.
    ///
    /// # Shapes
    /// `emb`: `[m, d]` unit rows; `labels`: `[m]`.
    pub fn run(
        &self,
        emb: &[f32],
        d: usize,
        labels: &[u32],
        work: BatchWork<'_>,
        view: View,
    ) -> Result<BatchReadback, GpuError> {
        let m = labels.len();
        if emb.len() != m * d {
            return Err(GpuError::Shape(format!(
                "{} embedding values for m = {m}, d = {d}",
                emb.len()
            )));
        }
        let mut buffers = self.buffers(m, d);
        let mut encoder = self.encode(&mut buffers, emb, labels, work, view);
        let bytes = (m * m * 4).max(4) as u64;
        let staging = |label, size| {
            self.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size,
                usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            })
        };
        let outs: Vec<wgpu::Buffer> = (0..5).map(|_| staging("batch/readback", bytes)).collect();
        for (src, dst) in [
            &buffers.sim,
            &buffers.codes,
            &buffers.weights,
            &buffers.pair_loss,
            &buffers.colours,
        ]
        .into_iter()
        .zip(&outs)
        {
            encoder.copy_buffer_to_buffer(src, 0, dst, 0, bytes);
        }
        let ranges = staging("batch/ranges-readback", 8);
        buffers.encode_ranges(&mut encoder, &ranges, 0);
        self.queue.submit([encoder.finish()]);
        let mut words = Vec::with_capacity(5);
        for out in &outs {
            words.push(self.read(out, m * m)?);
        }
        let r = self.read(&ranges, 2)?;
        let floats = |w: &[u32]| w.iter().map(|&b| f32::from_bits(b)).collect::<Vec<f32>>();
        Ok(BatchReadback {
            similarity: floats(&words[0]),
            codes: words[1].clone(),
            weights: floats(&words[2]),
            pair_loss: floats(&words[3]),
            colours: words[4].clone(),
            max_weight: f32::from_bits(r[0]),
            max_pair_loss: f32::from_bits(r[1]),
        })
    }

    /// A new encoder with every pass of one batch recorded.
    fn encode(
        &self,
        buffers: &mut BatchBuffers,
        emb: &[f32],
        labels: &[u32],
        work: BatchWork<'_>,
        view: View,
    ) -> wgpu::CommandEncoder {
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("batch/headless-encoder"),
            });
        buffers.encode_batch(
            &self.queue,
            &mut encoder,
            &self.pipelines,
            emb,
            labels,
            work,
            view,
        );
        encoder
    }

    fn read(&self, buffer: &wgpu::Buffer, words: usize) -> Result<Vec<u32>, GpuError> {
        let (tx, rx) = crossbeam_channel::bounded(1);
        buffer.map_async(wgpu::MapMode::Read, .., move |r| {
            let _ = tx.send(r);
        });
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| GpuError::Device(e.to_string()))?;
        rx.recv()
            .map_err(|e| GpuError::Device(e.to_string()))?
            .map_err(|e| GpuError::Device(e.to_string()))?;
        let view = buffer
            .get_mapped_range(..)
            .map_err(|e| GpuError::Device(format!("{e:?}")))?;
        let out: Vec<u32> = bytemuck::cast_slice(&view)[..words].to_vec();
        drop(view);
        buffer.unmap();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_keep_the_engine_comparisons_exact() {
        for x in [0.1, 0.2, 0.8, 0.5, -0.3, 1.0 / 3.0] {
            let above = f32_at_or_above(x);
            let below = f32_at_or_below(x);
            assert!(f64::from(above) >= x && f64::from(above.next_down()) < x);
            assert!(f64::from(below) <= x && f64::from(below.next_up()) > x);
        }
    }

    #[test]
    fn plans_cover_the_issue_losses() {
        let ms = LossSpec::with_miner(Loss::default(), Miner::default());
        assert!(GpuPlan::for_spec(&ms).is_some());
        let bh = LossSpec::with_miner(
            Loss::TripletMargin(Default::default()),
            Miner::BatchHard(Default::default()),
        );
        assert!(GpuPlan::for_spec(&bh).is_some());
        let all_triplets = LossSpec::new(Loss::TripletMargin(Default::default()));
        assert!(GpuPlan::for_spec(&all_triplets).is_none());
        let circle = LossSpec::new(Loss::Circle(Default::default()));
        assert!(GpuPlan::for_spec(&circle).is_none());
    }
}
