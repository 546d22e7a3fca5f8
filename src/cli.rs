//! Command-line doors to the engine. Errors are one line on stderr with exit status 2.

use std::path::Path;
use std::process::ExitCode;

use crate::losses::{output_json, parse_case};

/// `pairscope loss --input CASE.json`: one JSON object with the loss, `dL/dS` and the mined
/// pairs of a golden-format case.
pub fn loss(input: &Path) -> ExitCode {
    match loss_json(input) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("pairscope loss: {message}");
            ExitCode::from(2)
        }
    }
}

/// The JSON text `pairscope loss` prints, or the one-line error.
pub fn loss_json(input: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(input).map_err(|e| format!("{}: {e}", input.display()))?;
    let case = parse_case(&text).map_err(|e| format!("{}: {e}", input.display()))?;
    let out = case
        .evaluate()
        .map_err(|e| format!("{}: {e}", input.display()))?;
    serde_json::to_string(&output_json(&out)).map_err(|e| e.to_string())
}
