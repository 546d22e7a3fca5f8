//! The pipeline on a wgpu device of its own (no window): tests, benchmarks, `pairscope doctor`.

use super::buffers::BatchBuffers;
use super::pipelines::{BatchPipelines, required_limits, try_pipelines, unsupported};
use super::plan::BatchWork;
use super::shader::View;
use crate::gpu::error::GpuError;

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
            // The callback runs inside the `poll` below, while `rx` is alive; the send can only
            // fail after `read` has already returned (poll failed), when nobody needs the result.
            // A full channel cannot happen: the buffer is mapped once, into a channel of one.
            if tx.send(r).is_err() {
                log::debug!("map_async result arrived after the read gave up");
            }
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
