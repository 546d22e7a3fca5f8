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
    Train(Box<pairscope::headless::TrainArgs>),
    /// The course: `--list [--json]` lists the lessons in order; `ID --check [--out DIR]` runs a
    /// lesson headless (seeded, CPU backend), prints {"lesson", "claim", "held", "evidence"} as
    /// JSON and, with --out, writes its figures; `ID` alone prints its texts. Exit status: 0 the
    /// claim held, 1 it did not (or the run failed), 2 an unknown id or bad flags.
    Lesson(pairscope::headless::LessonArgs),
    /// Lay out a CSV's points in 2-D with the window's engine (t-SNE or PCA): writes
    /// `x,y,label` rows in the input's order to --out and prints
    /// {"n", "method", "iterations", "seconds", "kl_divergence"} as one JSON line. Exit
    /// status: 0 written, 2 bad flags, file or values.
    Embed(pairscope::headless::EmbedArgs),
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
    // usvg (reading a figure's SVG for its PDF) warns about each zero-size shape plotters
    // writes (a marker of radius 0, an empty polyline): invisible, and no news to a user.
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn,usvg=error"))
        .init();
    let cli = Cli::try_parse().unwrap_or_else(|e| bad_flags(&e));
    quiet_vulkan_device_select(cli.command.is_some());
    match cli.command {
        Some(Cmd::Loss { input }) => pairscope::cli::loss(&input),
        Some(Cmd::Doctor { json }) => pairscope::cli::doctor(json),
        Some(Cmd::Train(args)) => pairscope::headless::train(&args),
        Some(Cmd::Lesson(args)) => pairscope::headless::lesson(&args),
        Some(Cmd::Embed(args)) => pairscope::headless::embed(&args),
        None => run_app(),
    }
}

/// clap's refusal of the command line (status 2). `pairscope lesson` and `pairscope embed`
/// promise one line on stderr for bad flags, so their refusal is clap's first line (plus the
/// missing flags clap lists below it); the other commands print clap's
/// whole message (with usage), and help and version go to stdout with status 0.
fn bad_flags(e: &clap::Error) -> ! {
    use clap::error::ErrorKind;
    // `pairscope lesson` and `pairscope embed` promise one line.
    let command = std::env::args()
        .nth(1)
        .filter(|a| a == "lesson" || a == "embed");
    let Some(command) = command else { e.exit() };
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        e.exit();
    }
    let text = e.to_string();
    let mut lines = text.lines();
    let mut first = lines
        .next()
        .unwrap_or("bad flags")
        .trim_start_matches("error: ")
        .trim()
        .to_owned();
    // A missing flag is named on the indented lines below "…were not provided:"; without
    // them the one line would not say what is missing.
    if first.ends_with(':') {
        let listed: Vec<&str> = lines
            .take_while(|l| l.starts_with(' '))
            .map(str::trim)
            .collect();
        first = format!("{first} {}", listed.join(", "));
    }
    eprintln!("pairscope {command}: {first}");
    std::process::exit(2);
}

/// Mesa's implicit Vulkan layer `VK_LAYER_MESA_device_select` connects to Wayland and X11 on
/// every `vkCreateInstance` that enables their surface extensions (wgpu enables all it finds)
/// to find the display's GPU; without `XDG_RUNTIME_DIR`, libwayland-client prints
/// "error: XDG_RUNTIME_DIR is invalid or not set in the environment." each time. Headless
/// commands have no display to match, so they turn the layer off (its documented switch,
/// `NODEVICE_SELECT=1`); the window does only where Wayland cannot be reached anyway. A value
/// the user set is kept.
fn quiet_vulkan_device_select(headless: bool) {
    let no_runtime_dir = std::env::var_os("XDG_RUNTIME_DIR").is_none_or(|d| d.is_empty());
    if std::env::var_os("NODEVICE_SELECT").is_none() && (headless || no_runtime_dir) {
        // SAFETY: called first thing in `main`, before any thread exists (env_logger and clap
        // start none), so nothing reads the environment concurrently.
        #[allow(unsafe_code)]
        unsafe {
            std::env::set_var("NODEVICE_SELECT", "1");
        }
    }
}

/// Why the window cannot open on this machine, checked before winit tries (whose error names
/// a source line, not what to do).
fn missing_display() -> Option<&'static str> {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    let unix_desktop = cfg!(all(
        unix,
        not(target_os = "macos"),
        not(target_os = "android")
    ));
    (unix_desktop && !set("DISPLAY") && !set("WAYLAND_DISPLAY") && !set("WAYLAND_SOCKET"))
        .then_some(
            "pairscope: no display found (DISPLAY and WAYLAND_DISPLAY are not set); \
         `pairscope train` and `pairscope doctor` run without one",
        )
}

fn run_app() -> ExitCode {
    if let Some(message) = missing_display() {
        eprintln!("{message}");
        return ExitCode::FAILURE;
    }
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
