//! The progress bar of an execution: drawn on stderr once a run has taken more than a
//! second, only when stderr is a terminal, and only with the `progress` feature.

#[cfg(feature = "progress")]
mod bar {
    use std::io::IsTerminal;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};

    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

    /// Drawn only after this long, so that quick computations stay silent.
    const DELAY: Duration = Duration::from_secs(1);

    pub(crate) struct Progress {
        bar: Option<ProgressBar>,
        start: Instant,
        shown: AtomicBool,
    }

    impl Progress {
        pub(crate) fn new(enabled: bool, total: usize) -> Self {
            let bar = (enabled && std::io::stderr().is_terminal()).then(|| {
                let bar = ProgressBar::with_draw_target(
                    Some(u64::try_from(total).unwrap_or(u64::MAX)),
                    ProgressDrawTarget::hidden(),
                );
                if let Ok(style) = ProgressStyle::with_template(
                    "[{elapsed_precise}] {wide_bar} {pos}/{len} tasks ({eta} left)",
                ) {
                    bar.set_style(style);
                }
                bar
            });
            Progress {
                bar,
                start: Instant::now(),
                shown: AtomicBool::new(false),
            }
        }

        /// Counts one finished task.
        pub(crate) fn inc(&self) {
            if let Some(bar) = &self.bar {
                bar.inc(1);
                if !self.shown.load(Ordering::Relaxed) && self.start.elapsed() > DELAY {
                    self.shown.store(true, Ordering::Relaxed);
                    bar.set_draw_target(ProgressDrawTarget::stderr());
                }
            }
        }

        pub(crate) fn finish(&self) {
            if let Some(bar) = &self.bar {
                if self.shown.load(Ordering::Relaxed) {
                    bar.finish_and_clear();
                }
            }
        }
    }
}

#[cfg(not(feature = "progress"))]
mod bar {
    pub(crate) struct Progress;

    impl Progress {
        pub(crate) fn new(_enabled: bool, _total: usize) -> Self {
            Progress
        }

        pub(crate) fn inc(&self) {}

        pub(crate) fn finish(&self) {}
    }
}

pub(crate) use bar::Progress;
