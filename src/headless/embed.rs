//! `pairscope embed`: the window's layout engine without a window. Lays out any CSV (one label
//! column, numeric features) with pairscope's t-SNE or PCA and writes `x,y,label` rows in the
//! input's order, atomically, then prints one JSON line
//! `{"n", "method", "iterations", "seconds", "kl_divergence"}` (seconds: the layout itself, the
//! data's loading excluded; PCA has no KL and reports 0 iterations and `null`).
//!
//! Exit status: 0 written; 2 bad flags, file or values (one line on stderr).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use crate::data::{LabelColumn, load_csv};
use crate::embedding::{pca, tsne};

/// The projection `pairscope embed` computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EmbedMethod {
    Tsne,
    Pca,
}

/// Flags of `pairscope embed`.
#[derive(Debug, Clone, clap::Args)]
pub struct EmbedArgs {
    /// The points: a CSV file with one label column and numeric features (header optional).
    #[arg(long, value_name = "FILE.csv")]
    pub data: PathBuf,
    /// The label column, by header name or 0-based index (default: the column named "label",
    /// else the first).
    #[arg(long, value_name = "NAME|INDEX")]
    pub label_column: Option<String>,
    #[arg(long, value_enum, default_value = "tsne")]
    pub method: EmbedMethod,
    /// t-SNE perplexity (at most (n − 1)/3 is used).
    #[arg(long, default_value_t = 30.0)]
    pub perplexity: f64,
    /// t-SNE iterations in all, the 250 of early exaggeration included.
    #[arg(long, default_value_t = 750)]
    pub iterations: usize,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Where to write the `x,y,label` rows.
    #[arg(long, value_name = "LAYOUT.csv")]
    pub out: PathBuf,
}

/// Runs `pairscope embed`; returns its exit status.
pub fn embed(args: &EmbedArgs) -> ExitCode {
    match run(args) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("pairscope embed: {}", message.replace('\n', " "));
            ExitCode::from(2)
        }
    }
}

fn run(args: &EmbedArgs) -> Result<String, String> {
    if !(args.perplexity.is_finite() && args.perplexity >= 1.0 && args.perplexity <= 10_000.0) {
        return Err(format!(
            "--perplexity must be in 1..=10000, got {}",
            args.perplexity
        ));
    }
    if args.method == EmbedMethod::Tsne && !(1..=100_000).contains(&args.iterations) {
        return Err(format!(
            "--iterations must be in 1..=100000, got {}",
            args.iterations
        ));
    }
    let label = args.label_column.as_deref().map(LabelColumn::parse);
    let data = load_csv(&args.data, label.as_ref()).map_err(|e| e.to_string())?;
    let (n, d) = (data.len(), data.dim);
    let started = Instant::now();
    let (xy, iterations, kl) = match args.method {
        EmbedMethod::Pca => (pca::pca2(&data.features, d).0, 0, None),
        EmbedMethod::Tsne => {
            let params = tsne::TsneParams {
                perplexity: args.perplexity,
                iterations: args.iterations,
                seed: args.seed,
                ..tsne::TsneParams::default()
            };
            let layout = tsne::layout(&data.features, d, &params, &mut |_| true)
                .map_err(|e| e.to_string())?;
            (layout.xy, layout.iterations, Some(layout.kl_divergence))
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    let mut csv = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| e.to_string();
    csv.write_record(["x", "y", "label"]).map_err(io)?;
    for (p, &y) in xy.iter().zip(&data.labels) {
        let label = &data.class_names[y as usize];
        csv.write_record([p[0].to_string(), p[1].to_string(), label.clone()])
            .map_err(io)?;
    }
    let bytes = csv.into_inner().map_err(|e| e.to_string())?;
    crate::io::write_atomic(&args.out, &bytes)
        .map_err(|e| format!("cannot write {}: {e}", args.out.display()))?;
    let method = match args.method {
        EmbedMethod::Tsne => "tsne",
        EmbedMethod::Pca => "pca",
    };
    let line = Summary {
        n,
        method,
        iterations,
        seconds,
        kl_divergence: kl,
    };
    serde_json::to_string(&line).map_err(|e| e.to_string())
}

/// The printed line, fields in this order.
#[derive(serde::Serialize)]
struct Summary {
    n: usize,
    method: &'static str,
    iterations: usize,
    seconds: f64,
    kl_divergence: Option<f64>,
}
