//! The compute pipelines of `shaders/batch.wgsl` and the device checks that guard them.

use crate::gpu::error::GpuError;

/// The shader's entry points and their shared bind group layout.
pub struct BatchPipelines {
    pub(super) layout: wgpu::BindGroupLayout,
    pub(super) similarity: wgpu::ComputePipeline,
    pub(super) row_mine: wgpu::ComputePipeline,
    pub(super) row_weigh: wgpu::ComputePipeline,
    pub(super) batch_reduce: wgpu::ComputePipeline,
    pub(super) pairs: wgpu::ComputePipeline,
    pub(super) row_max: wgpu::ComputePipeline,
    pub(super) batch_max: wgpu::ComputePipeline,
    pub(super) colour: wgpu::ComputePipeline,
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
        let module =
            device.create_shader_module(wgpu::include_wgsl!("../../../shaders/batch.wgsl"));
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
