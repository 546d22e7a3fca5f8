//! Drawing heatmaps inside egui on eframe's own wgpu device: `prepare` runs the compute pass
//! of `shaders/heatmap.wgsl` when the panel's data changed, `paint` draws one quad with
//! `shaders/heatmap_draw.wgsl` that reads the colours straight from the storage buffer.

use std::collections::HashMap;
use std::sync::Arc;

use bytemuck::{Pod, Zeroable};
use egui_wgpu::wgpu;

use crate::gpu::ColorMap;
use crate::gpu::compute::{
    HeatmapBuffers, HeatmapInput, HeatmapPipelines, read_only_storage_entry, uniform_entry,
};

/// Mirrors `DrawParams` in `shaders/heatmap_draw.wgsl`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
struct DrawParams {
    m: u32,
    srgb_target: u32,
    _pad: [u32; 2],
}
const _: () = assert!(size_of::<DrawParams>() == 16);

/// Owned data of one heatmap: what the compute shader turns into colours.
#[derive(Debug, Clone)]
pub enum HeatmapSource {
    /// `[m, d]` unit embeddings; the shader computes S.
    Embeddings { emb: Vec<f32>, d: usize },
    /// `[m, m]` values computed by the loss engine.
    Values(Vec<f32>),
}

/// One heatmap to draw: `version` changes whenever the data does.
#[derive(Debug, Clone)]
pub struct HeatmapData {
    pub version: u64,
    pub m: usize,
    pub source: HeatmapSource,
    pub map: ColorMap,
    pub range: (f32, f32),
}

impl HeatmapData {
    fn input(&self) -> HeatmapInput<'_> {
        match &self.source {
            HeatmapSource::Embeddings { emb, d } => HeatmapInput::Embeddings { emb, d: *d },
            HeatmapSource::Values(v) => HeatmapInput::Values(v),
        }
    }

    fn d(&self) -> usize {
        match &self.source {
            HeatmapSource::Embeddings { d, .. } => *d,
            HeatmapSource::Values(_) => 1,
        }
    }
}

struct PanelGpu {
    buffers: HeatmapBuffers,
    draw_params: wgpu::Buffer,
    draw_bind_group: wgpu::BindGroup,
    version: Option<u64>,
}

/// Lives in egui_wgpu's `callback_resources`.
pub struct HeatmapRenderer {
    pipelines: HeatmapPipelines,
    draw_pipeline: wgpu::RenderPipeline,
    draw_layout: wgpu::BindGroupLayout,
    srgb_target: bool,
    panels: HashMap<u64, PanelGpu>,
}

impl HeatmapRenderer {
    /// Builds the pipelines on eframe's device and stores them in the renderer's resources.
    pub fn install(render_state: &egui_wgpu::RenderState) {
        let renderer = Self::new(&render_state.device, render_state.target_format);
        render_state
            .renderer
            .write()
            .callback_resources
            .insert(renderer);
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
            pipelines: HeatmapPipelines::new(device),
            draw_pipeline,
            draw_layout,
            srgb_target: target_format.is_srgb(),
            panels: HashMap::new(),
        }
    }

    /// (Re)allocates the panel's buffers when the batch shape changed.
    fn ensure_panel(&mut self, device: &wgpu::Device, id: u64, m: usize, d: usize) {
        let fits = self.panels.get(&id).is_some_and(|p| p.buffers.fits(m, d));
        if !fits {
            let buffers = HeatmapBuffers::new(device, &self.pipelines, m, d);
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
            self.panels.insert(
                id,
                PanelGpu {
                    buffers,
                    draw_params,
                    draw_bind_group,
                    version: None,
                },
            );
        }
    }
}

/// The paint callback of one heatmap panel.
pub struct HeatmapCallback {
    pub panel: u64,
    pub data: Arc<HeatmapData>,
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
        let srgb_target = u32::from(renderer.srgb_target);
        renderer.ensure_panel(device, self.panel, data.m, data.d());
        let HeatmapRenderer {
            pipelines, panels, ..
        } = renderer;
        if let Some(panel) = panels.get_mut(&self.panel)
            && panel.version != Some(data.version)
        {
            let params = DrawParams {
                m: data.m as u32,
                srgb_target,
                _pad: [0; 2],
            };
            queue.write_buffer(&panel.draw_params, 0, bytemuck::bytes_of(&params));
            panel.buffers.encode(
                queue,
                egui_encoder,
                pipelines,
                data.input(),
                data.map,
                data.range,
            );
            panel.version = Some(data.version);
        }
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
