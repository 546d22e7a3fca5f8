//! How `pairscope train` fails: an exit status and one line for stderr.

/// A run's failure: its exit status and one line.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    /// 2: bad flags, files or values; 3: the run diverged.
    pub code: u8,
    pub message: String,
}

pub(super) fn bad(message: impl Into<String>) -> Failure {
    Failure {
        code: 2,
        message: message.into(),
    }
}
