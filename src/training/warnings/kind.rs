//! What a warning is: its kind (the names metrics.json writes, the lesson that shows it) and
//! its message.

use serde::Serialize;

/// The pathologies a run is watched for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    /// The miner kept no pair in most of the recent batches.
    NoPairsMined,
    /// The batch's embeddings have (nearly) merged into one point.
    Collapse,
    /// Pairs are kept, but their total weight has become negligible.
    VanishingWeights,
    /// A held-out metric fell clearly below its best while the training loss kept falling.
    Overfitting,
    /// A loss, weight or embedding stopped being finite.
    Divergence,
}

impl WarningKind {
    pub const ALL: [Self; 5] = [
        Self::NoPairsMined,
        Self::Collapse,
        Self::VanishingWeights,
        Self::Overfitting,
        Self::Divergence,
    ];

    /// The name in metrics.json.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoPairsMined => "no_pairs_mined",
            Self::Collapse => "collapse",
            Self::VanishingWeights => "vanishing_weights",
            Self::Overfitting => "overfitting",
            Self::Divergence => "divergence",
        }
    }

    /// The id of the lesson that shows this pathology (`app::lessons`, `pairscope lesson`).
    pub fn lesson(self) -> &'static str {
        match self {
            Self::NoPairsMined | Self::VanishingWeights => "miner-runs-dry",
            Self::Collapse => "collapse",
            Self::Overfitting => "zero-shot-overfit",
            Self::Divergence => "divergence",
        }
    }

    /// Its place in the monitor's table of episodes.
    pub(super) fn index(self) -> usize {
        self as usize
    }
}

/// One warning: metrics.json writes `{"step", "kind", "message"}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Warning {
    /// The step at which the pathology was seen.
    pub step: u64,
    pub kind: WarningKind,
    /// What was seen, why it happens, what to try, and the lesson (one paragraph).
    pub message: String,
    /// The lesson that shows it (also named at the end of `message`).
    #[serde(skip)]
    pub lesson: &'static str,
}

impl Warning {
    /// A warning whose message is "Step N: seen. Why: …. Try: …. Lesson: id.".
    pub(super) fn new(step: u64, kind: WarningKind, seen: &str, why: &str, try_: &str) -> Self {
        let lesson = kind.lesson();
        Self {
            step,
            kind,
            message: format!("Step {step}: {seen}. Why: {why}. Try: {try_}. Lesson: {lesson}."),
            lesson,
        }
    }
}
