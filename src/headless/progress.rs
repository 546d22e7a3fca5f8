//! Progress of the training phase on stderr.

/// Progress on a terminal (indicatif), plain lines otherwise.
pub(super) struct Progress {
    bar: Option<indicatif::ProgressBar>,
    total: u64,
    last_line: u64,
}

impl Progress {
    pub(super) fn new(total: u64) -> Self {
        use std::io::IsTerminal as _;
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(total);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{elapsed_precise} [{bar:40}] {pos}/{len} steps {msg}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        Self {
            bar,
            total,
            last_line: 0,
        }
    }

    pub(super) fn step(&mut self, step: u64, loss: f64) {
        match &self.bar {
            Some(bar) => {
                bar.set_position(step);
                if step.is_multiple_of(10) || step == self.total {
                    bar.set_message(format!("loss {loss:.4}"));
                }
            }
            None => {
                let tenth = (self.total / 10).max(1);
                if step / tenth > self.last_line || step == self.total {
                    self.last_line = step / tenth;
                    eprintln!("step {step}/{} loss {loss:.4}", self.total);
                }
            }
        }
    }

    pub(super) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish();
        }
    }
}
