//! Commands: waiting for the next one (as long as the pacing allows) and carrying it out.

use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use crossbeam_channel::{RecvTimeoutError, Sender, TryRecvError};

use super::protocol::{Command, Event};
use super::state::Loop;

/// How long an idle worker waits for a command before it looks at the stop flag again.
const IDLE_WAIT: Duration = Duration::from_millis(50);

impl Loop<'_> {
    /// The next command: waits while idle ([`IDLE_WAIT`] at most) or for the next time slot
    /// in slow motion, not at all while training. `Break` when the UI has gone.
    pub(super) fn next_command(&self) -> ControlFlow<(), Option<Command>> {
        let commands = &self.link.commands;
        let wait = match self.pacing.until_slot() {
            Some(slot) => Some(slot.min(IDLE_WAIT)),
            None if self.pacing.busy() => None,
            None => Some(IDLE_WAIT),
        };
        let received = match wait {
            Some(wait) => commands.recv_timeout(wait).map_err(|e| match e {
                RecvTimeoutError::Timeout => TryRecvError::Empty,
                RecvTimeoutError::Disconnected => TryRecvError::Disconnected,
            }),
            None => commands.try_recv(),
        };
        match received {
            Ok(command) => ControlFlow::Continue(Some(command)),
            Err(TryRecvError::Empty) => ControlFlow::Continue(None),
            Err(TryRecvError::Disconnected) => ControlFlow::Break(()),
        }
    }

    /// Carries out one command; `Break` on [`Command::Shutdown`].
    pub(super) fn handle(&mut self, command: Command) -> ControlFlow<()> {
        match command {
            Command::Shutdown => return ControlFlow::Break(()),
            Command::SimulateDeviceLost => self.faults.device_lost = true,
            Command::SimulatePanic => self.faults.panic = true,
            Command::Play => self.play(),
            Command::Pause => self.pause(),
            Command::Step => {
                if !self.pacing.running {
                    self.pacing.pending_steps += 1;
                }
            }
            Command::SetLoss(spec) => {
                if let Err(e) = self.trainer.set_loss(spec) {
                    self.link.emit(Event::Failed(e.to_string()));
                }
            }
            Command::SetLearningRate(lr) => {
                if let Err(e) = self.trainer.set_learning_rate(lr) {
                    self.link.emit(Event::Failed(e.to_string()));
                }
            }
            Command::Freeze(k) => self.trainer.freeze(k),
            Command::SetTsneOnTraining(on) => self.tsne_on_training = on,
            Command::SetSpeed(speed) => {
                self.pacing.speed = speed.filter(|v| v.is_finite() && *v > 0.0);
                self.pacing.next_at = Instant::now();
            }
            Command::Checkpoint { reply } => reply_to(&reply, self.trainer.checkpoint()),
            Command::Fork { losses, reply } => {
                let forks = losses.into_iter().map(|l| self.trainer.fork(l)).collect();
                reply_to(&reply, forks);
            }
        }
        ControlFlow::Continue(())
    }

    fn play(&mut self) {
        if !self.pacing.running {
            self.pacing.running = true;
            self.link.emit(Event::Resumed);
        }
    }

    fn pause(&mut self) {
        self.pacing.pending_steps = 0;
        if self.pacing.running {
            self.pacing.running = false;
            self.link.emit(Event::Paused {
                step: self.trainer.step_count(),
            });
        }
    }
}

/// Answers a request. Each request brings its own one-place channel, so the send fails only
/// when the requester stopped waiting (a Reset, a closed comparison): nobody is left to tell.
fn reply_to<T>(reply: &Sender<T>, value: T) {
    if reply.try_send(value).is_err() {
        log::debug!("a reply was not delivered: its requester has gone");
    }
}
