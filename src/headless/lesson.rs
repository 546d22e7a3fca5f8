//! `pairscope lesson`: the course on the command line. `--list [--json]` lists the lessons in
//! course order; `ID --check [--out DIR]` runs a lesson headless (its configuration, seeded, on
//! the CPU backend, its number of steps), prints one JSON object
//! `{"lesson", "claim", "held", "evidence"}` and, with `--out`, writes the lesson's figures;
//! `ID` alone prints the lesson's texts.
//!
//! Exit status: 0 the claim held (or a list or text was printed); 1 it did not hold, or its run
//! failed (one line on stderr); 2 an unknown id or bad flags (one line on stderr).

use std::path::PathBuf;
use std::process::ExitCode;

use crate::lessons::{self, Lesson, LessonError};

/// Flags of `pairscope lesson`.
#[derive(Debug, Clone, clap::Args)]
pub struct LessonArgs {
    /// The lesson's id (`--list` shows them).
    #[arg(value_name = "ID")]
    pub id: Option<String>,
    /// List the lessons in course order.
    #[arg(long)]
    pub list: bool,
    /// With --list: print [{"id": …, "title": …}, …] as JSON.
    #[arg(long)]
    pub json: bool,
    /// Run the lesson headless and check its claim; prints
    /// {"lesson", "claim", "held", "evidence"} as JSON.
    #[arg(long)]
    pub check: bool,
    /// With --check: also write the lesson's figures (PNG and SVG) to this folder.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Runs `pairscope lesson`; returns its exit status.
pub fn lesson(args: &LessonArgs) -> ExitCode {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = std::panic::catch_unwind(|| run(args)).unwrap_or_else(|p| {
        Err((
            1,
            format!(
                "internal error: {}",
                crate::training::worker::panic_message(&*p)
            ),
        ))
    });
    std::panic::set_hook(previous);
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err((code, message)) => {
            eprintln!("pairscope lesson: {message}");
            ExitCode::from(code)
        }
    }
}

/// The exit status, or a status and the line for stderr.
fn run(args: &LessonArgs) -> Result<u8, (u8, String)> {
    match (&args.id, args.list, args.check) {
        (None, true, false) if args.out.is_none() => {
            list(args.json);
            Ok(0)
        }
        (Some(_), true, _) => bad("give either --list or a lesson id, not both"),
        (None, _, _) => bad("give --list, or a lesson id with --check (`pairscope lesson --list`)"),
        (Some(_), false, _) if args.json => bad("--json goes with --list"),
        (Some(id), false, false) if args.out.is_none() => {
            let lesson = lessons::find(id).ok_or_else(|| unknown(id))?;
            print!("{}", text(&lesson));
            Ok(0)
        }
        (Some(_), false, false) => bad("--out goes with --check"),
        (Some(id), false, true) => check(id, args.out.as_ref()),
    }
}

fn bad(message: &str) -> Result<u8, (u8, String)> {
    Err((2, message.to_owned()))
}

fn unknown(id: &str) -> (u8, String) {
    (2, LessonError::Unknown(id.to_owned()).to_string())
}

fn list(json: bool) {
    let course = lessons::lessons();
    if json {
        let rows: Vec<serde_json::Value> = course
            .iter()
            .map(|l| serde_json::json!({"id": l.id, "title": l.title}))
            .collect();
        println!("{}", serde_json::Value::Array(rows));
    } else {
        for (k, l) in course.iter().enumerate() {
            println!("{:>2}. {:<24} {}", k + 1, l.id, l.title);
        }
    }
}

/// The lesson's texts, as the window's lesson panel shows them.
fn text(l: &Lesson) -> String {
    format!(
        "{}\n\nGoal: {}\n\nWhat to do: {}\n\nWhat to look for: {}\n\nQuestion: {}\n\n\
         pairscope checks: {} (`pairscope lesson {} --check`)\n",
        l.title, l.goal, l.todo, l.look_for, l.question, l.claim, l.id
    )
}

/// Width of the figures `--out` writes (`pairscope train`'s default).
const FIGURE_WIDTH: u32 = 1600;

fn check(id: &str, out: Option<&PathBuf>) -> Result<u8, (u8, String)> {
    let verdict = lessons::check(id).map_err(|e| match e {
        LessonError::Unknown(_) => unknown(id),
        e => (1, format!("{id}: the check could not run: {e}")),
    })?;
    println!("{}", verdict.to_json());
    if let Some(dir) = out {
        let files = lessons::write_figures(&verdict, dir, FIGURE_WIDTH)
            .map_err(|e| (1, format!("{id}: figures: {e}")))?;
        eprintln!(
            "pairscope lesson: wrote {} figure files to {}",
            files.len(),
            dir.display()
        );
    }
    Ok(if verdict.held { 0 } else { 1 })
}
