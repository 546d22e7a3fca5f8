//! What a lesson is ([`Lesson`]), what checking its claim returns ([`Verdict`]) and why a check
//! could not run ([`LessonError`]). A leaf file: the course and the checks both name it.

use std::collections::BTreeMap;

use thiserror::Error;

use crate::figures::{FigureId, RunData};
use crate::losses::{LossError, LossSpec};
use crate::training::{TrainConfig, TrainError};

/// One lesson of the course: what the learner reads in the window, the run the window loads,
/// and the claim `pairscope lesson ID --check` verifies on that run.
#[derive(Debug, Clone)]
pub struct Lesson {
    /// A stable name (`pairscope lesson ID`; warnings link to lessons by it).
    pub id: &'static str,
    pub title: &'static str,
    /// What the learner should understand afterwards.
    pub goal: &'static str,
    /// What to do in the window ("Step three times, open stage 4…").
    pub todo: &'static str,
    /// What to look for while doing it.
    pub look_for: &'static str,
    /// A question for the learner.
    pub question: &'static str,
    /// The claim the check verifies, as one sentence with its numbers.
    pub claim: &'static str,
    /// The run the window loads (the check runs it seeded on the CPU backend).
    pub config: TrainConfig,
    /// Start the compare mode against this loss once the run is ready.
    pub compare_with: Option<LossSpec>,
    /// The number of training steps the check runs.
    pub steps: u64,
    /// The figures `--check --out DIR` writes (when the run has their data).
    pub figures: &'static [FigureId],
    /// Runs the lesson headless and evaluates its claim.
    pub check: fn(&Lesson) -> Result<Verdict, LessonError>,
}

/// The numbers a check measured, by name (printed as a JSON object, keys sorted).
pub type Evidence = BTreeMap<String, f64>;

/// The outcome of a lesson's check.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub lesson: &'static str,
    pub claim: &'static str,
    pub held: bool,
    pub evidence: Evidence,
    /// What the lesson's figures are drawn from (`--out`).
    pub run: Option<RunData>,
}

impl Verdict {
    /// `{"lesson", "claim", "held", "evidence"}`, as `pairscope lesson ID --check` prints it.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "lesson": self.lesson,
            "claim": self.claim,
            "held": self.held,
            "evidence": self.evidence,
        })
    }
}

/// Why a lesson's check could not run (a claim that does not hold is a [`Verdict`], not this).
#[derive(Debug, Error)]
pub enum LessonError {
    #[error("no lesson is called {0:?} (`pairscope lesson --list` lists them)")]
    Unknown(String),
    #[error("the lesson's run does not fit its check: {0}")]
    Mismatch(&'static str),
    #[error("training: {0}")]
    Train(#[from] TrainError),
    #[error("loss engine: {0}")]
    Loss(#[from] LossError),
    #[error("data: {0}")]
    Data(#[from] crate::data::DataError),
    #[error("figure: {0}")]
    Figure(#[from] crate::figures::FigureError),
    #[error("{path}: {source}")]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}
