//! The embedding view's side of the app: feeding the live layout ([`LiveTsne`]) with the
//! worker's embeddings, taking its frames into the run's view, and recording one layout every
//! `tsne_every` steps for the timeline.

use std::sync::Arc;

use super::shared::{Notice, TSNE_HISTORY};
use super::state::AppState;
use crate::embedding::{LiveTsne, Projection, TsneRequest};
use crate::training::worker::HeldOutEmbedding;

/// Iterations a layout has moved since it took in the embeddings of a t-SNE step before it is
/// recorded for the timeline (≈ 1 s live), or fewer if it stops first.
pub const RECORD_AFTER: usize = 100;

impl AppState {
    pub(super) fn spawn_live(&mut self) -> Option<LiveTsne> {
        let notify = Arc::clone(&self.notify);
        match LiveTsne::spawn(Box::new(move || notify())) {
            Ok(live) => Some(live),
            Err(e) => {
                self.notices.push(Notice::error(format!(
                    "the embedding view's thread could not start: {e}"
                )));
                None
            }
        }
    }

    /// New embeddings for the view; `record` also marks the layout of this step for the
    /// timeline.
    pub(super) fn feed_live(&mut self, held_out: &Arc<HeldOutEmbedding>, record: bool) {
        let Some(live) = &self.live else {
            return;
        };
        // One layout pending at a time: at full speed t-SNE steps come faster than a layout
        // takes them in; a newer one keeps the pending one's start, so the timeline still records
        // one about every RECORD_AFTER iterations (each labelled with the step it shows).
        if record {
            let seen = self.view.tsne_record_at.and_then(|(_, seen)| seen);
            self.view.tsne_record_at = Some((held_out.step, seen));
        }
        self.view.live_fed = Some(Arc::clone(held_out));
        live.feed(
            TsneRequest {
                step: held_out.step,
                points: held_out.embeddings.clone(),
                d: held_out.d,
                labels: held_out.labels.clone(),
                rows: held_out.rows.clone(),
                settings: self.settings.tsne,
            },
            self.settings.projection,
        );
    }

    /// Takes the newest frame into the view, and records it when the timeline is due one.
    pub(super) fn poll_live(&mut self) {
        let Some(frame) = self.live.as_ref().and_then(LiveTsne::frame) else {
            // Cleared (a new run): the view shows only this run's layouts.
            self.view.live = None;
            self.view.tsne = None;
            return;
        };
        // The iteration at which the layout had first taken in embeddings to record.
        if let Some((step, seen @ None)) = &mut self.view.tsne_record_at
            && frame.layout.step >= *step
        {
            *seen = Some(frame.iteration);
        }
        let due = matches!(self.view.tsne_record_at, Some((_, Some(at)))
            if frame.iteration >= at + RECORD_AFTER || !frame.moving);
        if due {
            self.view.tsne_record_at = None;
            if self.view.tsne_history.len() >= TSNE_HISTORY {
                self.view.tsne_history.remove(0);
            }
            self.view.tsne_history.push(Arc::clone(&frame.layout));
        }
        self.view.tsne = Some(Arc::clone(&frame.layout));
        self.view.live = Some(frame);
    }

    /// Stop the view's optimisation now (Cancel).
    pub(super) fn stop_live(&mut self) {
        if let Some(live) = &self.live {
            live.stop();
        }
        self.view.tsne_record_at = None;
    }

    /// A cold start of the layout from the newest embeddings (re-exaggerated).
    pub(super) fn restart_live(&mut self) {
        if let Some(live) = &self.live {
            live.restart();
        }
    }

    /// Switch between t-SNE and PCA, at once on the embeddings the view last took.
    pub(super) fn set_projection(&mut self, projection: Projection) {
        self.settings.projection = projection;
        if let Some(held_out) = self.view.live_fed.clone() {
            self.feed_live(&held_out, false);
        }
    }
}
