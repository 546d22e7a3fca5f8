//! One batch's buffers on the device and the passes that fill them.

use bytemuck::Zeroable as _;
use wgpu::util::DeviceExt as _;

use super::pipelines::BatchPipelines;
use super::plan::BatchWork;
use super::shader::{CELL_WG, MINING_ENGINE, Params, ROW_STATS_BYTES, View};

/// GPU buffers of one batch (`m` rows of `d` dims).
pub struct BatchBuffers {
    m: usize,
    d: usize,
    params: wgpu::Buffer,
    embeddings: wgpu::Buffer,
    labels: wgpu::Buffer,
    pub(super) sim: wgpu::Buffer,
    pub(super) codes: wgpu::Buffer,
    pub(super) weights: wgpu::Buffer,
    pub(super) pair_loss: wgpu::Buffer,
    stats: wgpu::Buffer,
    pub(super) colours: wgpu::Buffer,
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
