//! The heatmap compute pipeline (`shaders/heatmap.wgsl`) on any wgpu device: eframe's own
//! (through the paint callback) or a headless one (tests, benchmarks, `pairscope doctor`).

use bytemuck::{Pod, Zeroable};
use wgpu::util::DeviceExt as _;

use super::GpuError;
use super::colormap::ColorMap;

/// Mirrors `Params` in `shaders/heatmap.wgsl`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct Params {
    pub m: u32,
    pub d: u32,
    pub mode: u32,
    pub _pad: u32,
    pub lo: f32,
    pub hi: f32,
    pub _pad2: [f32; 2],
}
const _: () = assert!(size_of::<Params>() == 32);

const WORKGROUP: u32 = 16;

/// What the heatmap shows.
#[derive(Debug, Clone, Copy)]
pub enum HeatmapInput<'a> {
    /// `[m, d]` unit rows: the shader computes `S = X Xᵀ` and colours it.
    Embeddings { emb: &'a [f32], d: usize },
    /// `[m, m]` values computed on the CPU (weights, mining codes): the shader colours them.
    Values(&'a [f32]),
}

impl HeatmapInput<'_> {
    fn d(&self) -> usize {
        match self {
            Self::Embeddings { d, .. } => *d,
            Self::Values(_) => 1,
        }
    }
}

/// Shader module, bind group layout and the two compute pipelines.
pub struct HeatmapPipelines {
    layout: wgpu::BindGroupLayout,
    similarity: wgpu::ComputePipeline,
    colormap: wgpu::ComputePipeline,
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

impl HeatmapPipelines {
    pub fn new(device: &wgpu::Device) -> Self {
        let module = device.create_shader_module(wgpu::include_wgsl!("../../shaders/heatmap.wgsl"));
        let compute = wgpu::ShaderStages::COMPUTE;
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("heatmap/bind-group-layout"),
            entries: &[
                uniform_entry(0, compute),
                storage_entry(1, true, compute),
                storage_entry(2, false, compute),
                storage_entry(3, false, compute),
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("heatmap/pipeline-layout"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipeline = |entry: &str, label: &str| {
            device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(label),
                layout: Some(&pipeline_layout),
                module: &module,
                entry_point: Some(entry),
                compilation_options: wgpu::PipelineCompilationOptions::default(),
                cache: None,
            })
        };
        Self {
            similarity: pipeline("similarity", "heatmap/similarity"),
            colormap: pipeline("colormap", "heatmap/colormap"),
            layout,
        }
    }
}

/// GPU buffers of one heatmap, sized for an `m × m` matrix and `[m, d]` embeddings.
pub struct HeatmapBuffers {
    m: usize,
    d: usize,
    params: wgpu::Buffer,
    embeddings: wgpu::Buffer,
    values: wgpu::Buffer,
    colours: wgpu::Buffer,
    bind_group: wgpu::BindGroup,
}

impl HeatmapBuffers {
    pub fn new(device: &wgpu::Device, pipelines: &HeatmapPipelines, m: usize, d: usize) -> Self {
        let storage = |label: &str, bytes: usize, extra: wgpu::BufferUsages| {
            device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: (bytes.max(4)) as u64,
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST | extra,
                mapped_at_creation: false,
            })
        };
        let params = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("heatmap/params"),
            contents: bytemuck::bytes_of(&Params::zeroed()),
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
        });
        let embeddings = storage("heatmap/embeddings", m * d * 4, wgpu::BufferUsages::empty());
        let values = storage("heatmap/values", m * m * 4, wgpu::BufferUsages::COPY_SRC);
        let colours = storage("heatmap/colours", m * m * 4, wgpu::BufferUsages::COPY_SRC);
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("heatmap/bind-group"),
            layout: &pipelines.layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: params.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: embeddings.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: values.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 3,
                    resource: colours.as_entire_binding(),
                },
            ],
        });
        Self {
            m,
            d,
            params,
            embeddings,
            values,
            colours,
            bind_group,
        }
    }

    /// Whether these buffers hold an `m × m` heatmap of `d`-dimensional embeddings.
    pub fn fits(&self, m: usize, d: usize) -> bool {
        self.m == m && self.d >= d
    }

    pub fn m(&self) -> usize {
        self.m
    }

    pub fn colours(&self) -> &wgpu::Buffer {
        &self.colours
    }

    pub fn values(&self) -> &wgpu::Buffer {
        &self.values
    }

    /// Uploads `input` and records the compute pass into `encoder`.
    pub fn encode(
        &self,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        pipelines: &HeatmapPipelines,
        input: HeatmapInput<'_>,
        map: ColorMap,
        (lo, hi): (f32, f32),
    ) {
        let m = self.m as u32;
        let params = Params {
            m,
            d: input.d() as u32,
            mode: map as u32,
            _pad: 0,
            lo,
            hi,
            _pad2: [0.0; 2],
        };
        queue.write_buffer(&self.params, 0, bytemuck::bytes_of(&params));
        let pipeline = match input {
            HeatmapInput::Embeddings { emb, .. } => {
                queue.write_buffer(&self.embeddings, 0, bytemuck::cast_slice(emb));
                &pipelines.similarity
            }
            HeatmapInput::Values(values) => {
                queue.write_buffer(&self.values, 0, bytemuck::cast_slice(values));
                &pipelines.colormap
            }
        };
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("heatmap/compute-pass"),
            timestamp_writes: None,
        });
        pass.set_pipeline(pipeline);
        pass.set_bind_group(0, &self.bind_group, &[]);
        let groups = m.div_ceil(WORKGROUP);
        pass.dispatch_workgroups(groups, groups, 1);
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

/// A wgpu device of its own, with no window: for tests, benchmarks and the doctor.
pub struct HeadlessGpu {
    pub adapter: AdapterSummary,
    device: wgpu::Device,
    queue: wgpu::Queue,
    pipelines: HeatmapPipelines,
}

/// Values and colours read back from the GPU.
#[derive(Debug, Clone)]
pub struct HeatmapReadback {
    pub values: Vec<f32>,
    pub colours: Vec<u32>,
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
            required_limits: wgpu::Limits::downlevel_defaults().using_resolution(adapter.limits()),
            ..Default::default()
        }))
        .map_err(|e| GpuError::Device(e.to_string()))?;
        let pipelines = HeatmapPipelines::new(&device);
        Ok(Self {
            adapter: summary,
            device,
            queue,
            pipelines,
        })
    }

    /// Runs the heatmap pipeline once on `m` rows and reads values and colours back.
    pub fn run(
        &self,
        input: HeatmapInput<'_>,
        m: usize,
        map: ColorMap,
        range: (f32, f32),
    ) -> Result<HeatmapReadback, GpuError> {
        let buffers = HeatmapBuffers::new(&self.device, &self.pipelines, m, input.d());
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("heatmap/headless-encoder"),
            });
        buffers.encode(
            &self.queue,
            &mut encoder,
            &self.pipelines,
            input,
            map,
            range,
        );
        let bytes = (m * m * 4).max(4) as u64;
        let staging = |label| {
            self.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: bytes,
                usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            })
        };
        let values_out = staging("heatmap/values-readback");
        let colours_out = staging("heatmap/colours-readback");
        encoder.copy_buffer_to_buffer(buffers.values(), 0, &values_out, 0, bytes);
        encoder.copy_buffer_to_buffer(buffers.colours(), 0, &colours_out, 0, bytes);
        self.queue.submit([encoder.finish()]);
        let values = self.read(&values_out, m * m)?;
        let colours = self.read(&colours_out, m * m)?;
        Ok(HeatmapReadback {
            values: bytemuck::cast_slice(&values).to_vec(),
            colours: bytemuck::cast_slice(&colours).to_vec(),
        })
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
