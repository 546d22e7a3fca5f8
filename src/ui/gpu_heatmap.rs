//! Drawing the batch heatmap inside egui on eframe's own wgpu device: `prepare` runs the passes
//! of `shaders/batch.wgsl` when the batch (or only the view) changed and copies the hovered
//! cell and the colour-bar ranges into a small read-back buffer; `paint` draws one quad with
//! `shaders/heatmap_draw.wgsl` that reads the colours straight from the storage buffer.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use bytemuck::{Pod, Zeroable};
use egui_wgpu::wgpu;
use parking_lot::Mutex;

use crate::gpu::batch::{BatchBuffers, BatchPipelines, read_only_storage_entry, uniform_entry};
use crate::gpu::{BatchWork, CellProbe, GpuPlan, View};

/// Mirrors `DrawParams` in `shaders/heatmap_draw.wgsl`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
struct DrawParams {
    m: u32,
    srgb_target: u32,
    _pad: [u32; 2],
    lo: [f32; 2],
    hi: [f32; 2],
}
const _: () = assert!(size_of::<DrawParams>() == 32);

/// Where a batch's mining decisions and weights come from, owned.
#[derive(Debug, Clone)]
pub enum OwnedWork {
    Gpu(GpuPlan),
    Engine {
        codes: Vec<u32>,
        weights: Vec<f32>,
        pair_loss: Option<Vec<f32>>,
    },
}

/// One batch as the pipeline needs it; `id` changes whenever the batch does.
#[derive(Debug, Clone)]
pub struct HeatmapData {
    pub id: u64,
    pub m: usize,
    pub d: usize,
    pub emb: Vec<f32>,
    pub labels: Vec<u32>,
    pub work: OwnedWork,
}

impl HeatmapData {
    fn work(&self) -> BatchWork<'_> {
        match &self.work {
            OwnedWork::Gpu(plan) => BatchWork::Gpu(*plan),
            OwnedWork::Engine {
                codes,
                weights,
                pair_loss,
            } => BatchWork::Engine {
                codes,
                weights,
                pair_loss: pair_loss.as_deref(),
            },
        }
    }
}

/// What the GPU reported back to the UI thread.
#[derive(Debug, Clone, Copy, Default)]
pub struct GpuFeedback {
    /// `(batch id, cell index, values)` of the last probed cell.
    pub probe: Option<(u64, usize, CellProbe)>,
    /// `(batch id, largest |G|, largest per-pair loss)`.
    pub ranges: Option<(u64, f32, f32)>,
}

const READBACK_BYTES: u64 = CellProbe::BYTES + 8;

/// Read-back state of a panel: copy encoded → mapping → ready.
const RB_IDLE: u8 = 0;
const RB_ENCODED: u8 = 1;
const RB_MAPPING: u8 = 2;
const RB_READY: u8 = 3;
const RB_FAILED: u8 = 4;

struct PanelGpu {
    buffers: BatchBuffers,
    draw_params: wgpu::Buffer,
    draw_bind_group: wgpu::BindGroup,
    batch: Option<u64>,
    view: Option<View>,
    readback: wgpu::Buffer,
    rb_state: Arc<AtomicU8>,
    /// `(batch id, cell)` the read-back in flight belongs to.
    rb_target: (u64, usize),
}

/// Why the heatmap pipeline cannot run on eframe's device (the UI then colour-maps on the CPU).
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// The device lacks what the pipeline needs (compute shaders, storage buffers).
    #[error("{0}")]
    Unsupported(String),
    /// Building the pipelines raised a wgpu validation error.
    #[error("{0}")]
    Validation(String),
}

/// Lives in egui_wgpu's `callback_resources`.
pub struct HeatmapRenderer {
    pipelines: BatchPipelines,
    draw_pipeline: wgpu::RenderPipeline,
    draw_layout: wgpu::BindGroupLayout,
    srgb_target: bool,
    panels: HashMap<u64, PanelGpu>,
}

impl HeatmapRenderer {
    /// Builds the pipelines on eframe's device and stores them in the renderer's resources;
    /// `Err` (and nothing installed) when the device cannot run them.
    pub fn install(render_state: &egui_wgpu::RenderState) -> Result<(), InstallError> {
        let device = &render_state.device;
        if let Some(why) = crate::gpu::batch::unsupported(device, &render_state.adapter) {
            return Err(InstallError::Unsupported(why));
        }
        let scope = device.push_error_scope(wgpu::ErrorFilter::Validation);
        let renderer = Self::new(device, render_state.target_format);
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(InstallError::Validation(e.to_string()));
        }
        render_state
            .renderer
            .write()
            .callback_resources
            .insert(renderer);
        Ok(())
    }

    fn new(device: &wgpu::Device, target_format: wgpu::TextureFormat) -> Self {
        let module =
            device.create_shader_module(wgpu::include_wgsl!("../../shaders/heatmap_draw.wgsl"));
        let fragment = wgpu::ShaderStages::FRAGMENT;
        let draw_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("heatmap-draw/bind-group-layout"),
            entries: &[
                uniform_entry(0, fragment),
                read_only_storage_entry(1, fragment),
            ],
        });
        let layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("heatmap-draw/pipeline-layout"),
            bind_group_layouts: &[Some(&draw_layout)],
            immediate_size: 0,
        });
        let draw_pipeline = device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some("heatmap-draw/pipeline"),
            layout: Some(&layout),
            vertex: wgpu::VertexState {
                module: &module,
                entry_point: Some("vs_main"),
                buffers: &[],
                compilation_options: wgpu::PipelineCompilationOptions::default(),
            },
            fragment: Some(wgpu::FragmentState {
                module: &module,
                entry_point: Some("fs_main"),
                targets: &[Some(wgpu::ColorTargetState {
                    format: target_format,
                    blend: None,
                    write_mask: wgpu::ColorWrites::ALL,
                })],
                compilation_options: wgpu::PipelineCompilationOptions::default(),
            }),
            primitive: wgpu::PrimitiveState::default(),
            depth_stencil: None,
            multisample: wgpu::MultisampleState::default(),
            multiview_mask: None,
            cache: None,
        });
        Self {
            pipelines: BatchPipelines::new(device),
            draw_pipeline,
            draw_layout,
            srgb_target: target_format.is_srgb(),
            panels: HashMap::new(),
        }
    }

    /// (Re)allocates the panel's buffers when the batch shape changed.
    fn ensure_panel(&mut self, device: &wgpu::Device, id: u64, m: usize, d: usize) {
        let fits = self.panels.get(&id).is_some_and(|p| p.buffers.fits(m, d));
        if fits {
            return;
        }
        let buffers = BatchBuffers::new(device, &self.pipelines, m, d);
        let draw_params = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("heatmap-draw/params"),
            size: size_of::<DrawParams>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let draw_bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("heatmap-draw/bind-group"),
            layout: &self.draw_layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: draw_params.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: buffers.colours().as_entire_binding(),
                },
            ],
        });
        let readback = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("heatmap/readback"),
            size: READBACK_BYTES,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        // A buffer still mapping when it is replaced is dropped by wgpu; its callback reports
        // failure into the old state, which nothing reads any more.
        self.panels.insert(
            id,
            PanelGpu {
                buffers,
                draw_params,
                draw_bind_group,
                batch: None,
                view: None,
                readback,
                rb_state: Arc::new(AtomicU8::new(RB_IDLE)),
                rb_target: (u64::MAX, usize::MAX),
            },
        );
    }
}

/// The paint callback of one heatmap panel.
pub struct HeatmapCallback {
    pub panel: u64,
    pub data: Arc<HeatmapData>,
    pub view: View,
    /// Visible window `[lo_x, lo_y, hi_x, hi_y]` in unit coordinates of the matrix.
    pub window: [f32; 4],
    /// Cell index whose values the UI wants read back (hover), if any.
    pub probe: Option<usize>,
    pub feedback: Arc<Mutex<GpuFeedback>>,
}

impl HeatmapCallback {
    /// Advances the panel's read-back: finish a mapped read, start mapping a submitted copy, or
    /// record a new copy when the hovered cell or the batch changed.
    fn drive_readback(
        &self,
        device: &wgpu::Device,
        encoder: &mut wgpu::CommandEncoder,
        panel: &mut PanelGpu,
    ) {
        log::trace!(
            "heatmap read-back: state {} target {:?} probe {:?}",
            panel.rb_state.load(Ordering::Acquire),
            panel.rb_target,
            self.probe
        );
        match panel.rb_state.load(Ordering::Acquire) {
            RB_ENCODED => {
                let state = Arc::clone(&panel.rb_state);
                panel.rb_state.store(RB_MAPPING, Ordering::Release);
                panel.readback.map_async(wgpu::MapMode::Read, .., move |r| {
                    let next = if r.is_ok() { RB_READY } else { RB_FAILED };
                    state.store(next, Ordering::Release);
                });
            }
            RB_READY => {
                if let Ok(view) = panel.readback.get_mapped_range(..) {
                    let bytes: &[u8] = &view;
                    let probe = CellProbe::from_bytes(bytes);
                    let ranges: &[f32] = bytemuck::cast_slice(&bytes[16..24]);
                    let (batch, cell) = panel.rb_target;
                    let mut fb = self.feedback.lock();
                    fb.probe = Some((batch, cell, probe));
                    fb.ranges = Some((batch, ranges[0], ranges[1]));
                }
                panel.readback.unmap();
                panel.rb_state.store(RB_IDLE, Ordering::Release);
            }
            RB_FAILED => panel.rb_state.store(RB_IDLE, Ordering::Release),
            _ => {}
        }
        if panel.rb_state.load(Ordering::Acquire) == RB_IDLE {
            let target = (self.data.id, self.probe.unwrap_or(0));
            let stale = self
                .feedback
                .lock()
                .probe
                .is_none_or(|(b, c, _)| (b, c) != target);
            if stale && target != panel.rb_target {
                panel.buffers.encode_probe(
                    encoder,
                    target.1.min(self.data.m * self.data.m - 1),
                    &panel.readback,
                );
                panel
                    .buffers
                    .encode_ranges(encoder, &panel.readback, CellProbe::BYTES);
                panel.rb_target = target;
                panel.rb_state.store(RB_ENCODED, Ordering::Release);
            }
        }
        // A non-blocking poll, only to let the map callback above run. It fails only when the
        // device is lost, which eframe's device-lost callback reports (the heatmaps then move to
        // the CPU) and which makes the mapping report `RB_FAILED`: nothing to do here.
        if let Err(e) = device.poll(wgpu::PollType::Poll) {
            log::debug!("heatmap read-back poll failed: {e}");
        }
    }
}

impl egui_wgpu::CallbackTrait for HeatmapCallback {
    fn prepare(
        &self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        _screen_descriptor: &egui_wgpu::ScreenDescriptor,
        egui_encoder: &mut wgpu::CommandEncoder,
        resources: &mut egui_wgpu::CallbackResources,
    ) -> Vec<wgpu::CommandBuffer> {
        let Some(renderer) = resources.get_mut::<HeatmapRenderer>() else {
            return Vec::new();
        };
        let data = &self.data;
        if data.m == 0 {
            return Vec::new();
        }
        let srgb_target = u32::from(renderer.srgb_target);
        renderer.ensure_panel(device, self.panel, data.m, data.d);
        let HeatmapRenderer {
            pipelines, panels, ..
        } = renderer;
        let Some(panel) = panels.get_mut(&self.panel) else {
            return Vec::new();
        };
        let [lx, ly, hx, hy] = self.window;
        let params = DrawParams {
            m: data.m as u32,
            srgb_target,
            _pad: [0; 2],
            lo: [lx, ly],
            hi: [hx, hy],
        };
        queue.write_buffer(&panel.draw_params, 0, bytemuck::bytes_of(&params));
        if panel.batch != Some(data.id) {
            panel.buffers.encode_batch(
                queue,
                egui_encoder,
                pipelines,
                &data.emb,
                &data.labels,
                data.work(),
                self.view,
            );
            panel.batch = Some(data.id);
            panel.view = Some(self.view);
        } else if panel.view != Some(self.view) {
            panel
                .buffers
                .encode_view(queue, egui_encoder, pipelines, self.view);
            panel.view = Some(self.view);
        }
        self.drive_readback(device, egui_encoder, panel);
        Vec::new()
    }

    fn paint(
        &self,
        _info: egui::PaintCallbackInfo,
        render_pass: &mut wgpu::RenderPass<'static>,
        resources: &egui_wgpu::CallbackResources,
    ) {
        let Some(renderer) = resources.get::<HeatmapRenderer>() else {
            return;
        };
        let Some(panel) = renderer.panels.get(&self.panel) else {
            return;
        };
        render_pass.set_pipeline(&renderer.draw_pipeline);
        render_pass.set_bind_group(0, &panel.draw_bind_group, &[]);
        render_pass.draw(0..6, 0..1);
    }
}
