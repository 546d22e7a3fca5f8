//! Which burn backend trains, and why.

use std::fmt;
use std::sync::OnceLock;

use burn::tensor::{Device, DeviceKind};

use super::config::BackendChoice;
use crate::gpu::{AdapterSummary, probe_adapter};

/// The kind of device that trains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    /// burn's `flex` CPU backend.
    Flex,
    /// burn-wgpu on a wgpu adapter.
    Wgpu,
}

/// Which backend trains and why, without the device: what the worker's events carry, the top
/// bar shows and `pairscope doctor` prints. Displays as its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendInfo {
    pub kind: BackendKind,
    /// `"cpu (burn flex)"` or `"wgpu (<adapter>)"`.
    pub name: String,
    /// Why this backend was chosen.
    pub reason: String,
}

impl BackendInfo {
    /// The CPU backend, chosen for `reason`.
    pub fn cpu(reason: impl Into<String>) -> Self {
        Self {
            kind: BackendKind::Flex,
            name: "cpu (burn flex)".into(),
            reason: reason.into(),
        }
    }

    pub fn is_wgpu(&self) -> bool {
        self.kind == BackendKind::Wgpu
    }
}

impl fmt::Display for BackendInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// The device that trains, with what the UI says about it.
#[derive(Debug, Clone)]
pub struct Backend {
    pub device: Device,
    pub info: BackendInfo,
}

impl Backend {
    /// burn's `flex` CPU backend, chosen for `reason`.
    pub fn cpu(reason: impl Into<String>) -> Self {
        Self {
            device: Device::flex(),
            info: BackendInfo::cpu(reason),
        }
    }

    pub fn is_wgpu(&self) -> bool {
        self.info.is_wgpu()
    }
}

/// burn-wgpu's runtime can be initialised once per process; keep the result (the error as
/// burn's message: it is shown once, in the reason for the CPU fallback).
fn wgpu_device() -> &'static Result<Device, String> {
    static DEVICE: OnceLock<Result<Device, String>> = OnceLock::new();
    DEVICE.get_or_init(|| {
        Device::wgpu_options()
            .device_kind(DeviceKind::DefaultDevice)
            .init()
            .map_err(|e| e.to_string())
    })
}

fn adapter() -> &'static Option<AdapterSummary> {
    static ADAPTER: OnceLock<Option<AdapterSummary>> = OnceLock::new();
    ADAPTER.get_or_init(probe_adapter)
}

/// Picks the training backend. `Auto` trains on burn-wgpu only on a hardware adapter: on a
/// software one (lavapipe, llvmpipe, WARP) the CPU backend is far faster (≈660 steps/s for the
/// default run in `cargo bench --bench training`, against 7 steps/s for burn-wgpu on lavapipe).
pub fn select(choice: BackendChoice) -> Backend {
    if choice == BackendChoice::Cpu {
        return Backend::cpu("chosen in the settings");
    }
    let Some(adapter) = adapter().clone() else {
        return Backend::cpu("no wgpu adapter found");
    };
    if choice == BackendChoice::Auto && adapter.software {
        return Backend::cpu(format!(
            "the only wgpu adapter, {}, is a software rasteriser: the CPU backend trains faster",
            adapter.name
        ));
    }
    match wgpu_device() {
        Ok(device) => Backend {
            device: device.clone(),
            info: BackendInfo {
                kind: BackendKind::Wgpu,
                name: format!("wgpu ({})", adapter.name),
                reason: if choice == BackendChoice::Wgpu {
                    "chosen in the settings".into()
                } else {
                    format!("hardware adapter {} ({})", adapter.name, adapter.backend)
                },
            },
        },
        Err(e) => Backend::cpu(format!("burn-wgpu failed to start ({e})")),
    }
}
