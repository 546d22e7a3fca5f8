//! Frame-time read-out for the debug panel: the interval between frames and the time spent
//! building each frame's UI, as p50 / p99 over the last frames.

use std::collections::VecDeque;
use std::time::Instant;

const KEEP: usize = 600;

#[derive(Default)]
pub struct FrameStats {
    last_start: Option<Instant>,
    /// Milliseconds between the starts of consecutive frames.
    intervals: VecDeque<f64>,
    /// Milliseconds spent in the app's `ui` per frame.
    build: VecDeque<f64>,
    last_report: Option<Instant>,
}

fn push(q: &mut VecDeque<f64>, v: f64) {
    if q.len() == KEEP {
        q.pop_front();
    }
    q.push_back(v);
}

/// The `p`-quantile (0..=1) of `values`, nearest rank.
pub fn quantile(values: &VecDeque<f64>, p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v: Vec<f64> = values.iter().copied().collect();
    v.sort_by(f64::total_cmp);
    let rank = ((p * v.len() as f64).ceil() as usize).clamp(1, v.len());
    Some(v[rank - 1])
}

impl FrameStats {
    /// Records one frame whose `ui` call began at `started`.
    pub fn record(&mut self, started: Instant) {
        push(&mut self.build, started.elapsed().as_secs_f64() * 1e3);
        if let Some(prev) = self.last_start {
            push(
                &mut self.intervals,
                started.duration_since(prev).as_secs_f64() * 1e3,
            );
        }
        self.last_start = Some(started);
    }

    /// True once every `every` (the first call starts the clock).
    pub fn due_report(&mut self, every: std::time::Duration) -> bool {
        let now = Instant::now();
        match self.last_report {
            Some(t) if now.duration_since(t) < every => false,
            Some(_) => {
                self.last_report = Some(now);
                true
            }
            None => {
                self.last_report = Some(now);
                false
            }
        }
    }

    /// One line per measure, e.g. `frame interval: p50 16.7 ms, p99 21.0 ms (600 frames)`.
    pub fn lines(&self) -> [String; 2] {
        let line = |name: &str, q: &VecDeque<f64>| match (quantile(q, 0.5), quantile(q, 0.99)) {
            (Some(p50), Some(p99)) => {
                format!(
                    "{name}: p50 {p50:.1} ms, p99 {p99:.1} ms ({} frames)",
                    q.len()
                )
            }
            _ => format!("{name}: no frames yet"),
        };
        [
            line("frame interval", &self.intervals),
            line("UI build", &self.build),
        ]
    }

    pub fn show(&self, ui: &mut egui::Ui) {
        for line in self.lines() {
            ui.small(line);
        }
        ui.small(
            "Frames are rate-limited while training (about 60 fps on a hardware adapter, 10 on \
             a software one); the interval includes waiting for the GPU to present.",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_quantiles() {
        let q: VecDeque<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(quantile(&q, 0.5), Some(50.0));
        assert_eq!(quantile(&q, 0.99), Some(99.0));
        assert_eq!(quantile(&VecDeque::new(), 0.5), None);
    }
}
