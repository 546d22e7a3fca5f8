//! When a step fails: every step runs under `catch_unwind`; a panic on the GPU (a lost device
//! surfaces as one in burn-wgpu) continues on the CPU from the mirrored model, any other panic
//! pauses with the model intact, and a refused step says how to go on.

use std::panic::{AssertUnwindSafe, catch_unwind};

use super::protocol::Event;
use super::state::{Loop, WorkerError};
use crate::training::backend::Backend;
use crate::training::trainer::{BatchSnapshot, TrainError};

/// A step that panicked.
pub(super) struct Caught {
    /// The panic's message.
    why: String,
    /// It was the `SimulateDeviceLost` test hook (met like a GPU failure on any backend).
    device_lost: bool,
}

/// Turns a caught panic payload into its message.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// What the UI shows for a failed step; a divergence says how to go on.
pub(super) fn failure_text(e: &TrainError) -> String {
    match e {
        TrainError::Diverged { .. } => {
            format!("{e}. Training paused: lower the learning rate and train on, or Reset.")
        }
        e => e.to_string(),
    }
}

impl Loop<'_> {
    /// One [`crate::training::Trainer::step`] under `catch_unwind`, after the armed test
    /// hooks.
    pub(super) fn step_caught(&mut self) -> Result<Result<BatchSnapshot, TrainError>, Caught> {
        let device_lost = std::mem::take(&mut self.faults.device_lost);
        let panic = std::mem::take(&mut self.faults.panic);
        let trainer = &mut self.trainer;
        catch_unwind(AssertUnwindSafe(|| {
            if device_lost {
                panic!("device lost (simulated)");
            }
            if panic {
                panic!("a bug (simulated)");
            }
            trainer.step()
        }))
        .map_err(|payload| Caught {
            why: panic_message(&*payload),
            device_lost,
        })
    }

    /// After a panicking step: on the GPU, the CPU takes over; elsewhere training pauses (the
    /// trainer only replaces its model after a whole step: it is intact).
    pub(super) fn recover(&mut self, caught: Caught) -> Result<(), WorkerError> {
        if self.backend.is_wgpu() || caught.device_lost {
            return self.fall_back_to_cpu(caught.why);
        }
        let step = self.trainer.step_count();
        self.pause_failed(format!(
            "training step {} panicked: {}. Training paused with the model of step {step}; \
             Reset starts afresh.",
            step + 1,
            caught.why,
        ));
        Ok(())
    }

    /// Any GPU failure is met as a lost device: training goes on on the CPU from the mirror
    /// (the steps after it are trained again) and the UI hears [`Event::BackendChanged`].
    fn fall_back_to_cpu(&mut self, why: String) -> Result<(), WorkerError> {
        let reason = format!(
            "training on the GPU failed at step {}",
            self.trainer.step_count() + 1
        );
        let cpu = Backend::cpu(reason.clone());
        self.trainer = match self.trainer.resume_on(&cpu, &self.mirror) {
            Ok(trainer) => trainer,
            Err(source) => {
                return Err(WorkerError::Fallback {
                    reason,
                    why,
                    source,
                });
            }
        };
        self.backend = cpu.info;
        self.link.publish(None);
        self.link.emit(Event::BackendChanged {
            backend: self.backend.clone(),
            step: self.trainer.step_count(),
            why,
        });
        Ok(())
    }
}
