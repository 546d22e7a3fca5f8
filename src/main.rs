//! Thin entry point: logging, command line, window.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "pairscope",
    version,
    about = "See what a pair-based metric-learning loss does, batch by batch."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Evaluate one loss on a batch given as a golden-format JSON case and print
    /// {"loss", "weights" (dL/dS), "positive_pairs", "negative_pairs"} as JSON.
    Loss {
        /// The case file (fields: loss, miner, params.loss, params.miner, embeddings, labels).
        #[arg(long)]
        input: PathBuf,
    },
    /// Train without a window and write metrics.json, config.toml and every figure (PNG and
    /// SVG) to --out. Flags override the --config file. Exit status: 0 success, 2 bad flags,
    /// files or values, 3 the run diverged (metrics.json up to the last good step).
    Train(pairscope::headless::TrainArgs),
    /// Print what to check when something looks wrong: the wgpu adapter, the burn backend
    /// training would use, and a self-test of the GPU batch pipeline against the CPU loss
    /// engine on a seeded batch (m = 1024) with both timings. Exit status: 0 parity holds,
    /// 1 it does not, 2 no wgpu adapter.
    Doctor {
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let cli = Cli::parse();
    match cli.command {
        Some(Cmd::Loss { input }) => pairscope::cli::loss(&input),
        Some(Cmd::Doctor { json }) => pairscope::cli::doctor(json),
        Some(Cmd::Train(args)) => pairscope::headless::train(&args),
        None => run_app(),
    }
}

fn run_app() -> ExitCode {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("pairscope")
            .with_inner_size([1440.0, 900.0])
            .with_min_inner_size([900.0, 600.0]),
        renderer: eframe::Renderer::Wgpu,
        ..Default::default()
    };
    let result = eframe::run_native(
        "pairscope",
        options,
        Box::new(|cc| Ok(Box::new(pairscope::ui::PairscopeApp::new(cc)))),
    );
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pairscope: the window could not open: {e}");
            ExitCode::FAILURE
        }
    }
}
