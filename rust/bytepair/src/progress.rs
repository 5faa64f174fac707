//! Progress bars that cost nothing when turned off.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Progress(Option<ProgressBar>);

impl Progress {
    /// A bar counting bytes toward `total` (a spinner when the total is unknown).
    pub fn bytes(enabled: bool, total: Option<u64>, message: &'static str) -> Self {
        Self::make(
            enabled,
            total,
            message,
            "{msg:>10} [{elapsed_precise}] {bar:30} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            "{msg:>10} [{elapsed_precise}] {bytes} {bytes_per_sec}",
        )
    }

    /// A bar counting items (merges) toward `total`.
    pub fn items(enabled: bool, total: u64, message: &'static str) -> Self {
        Self::make(
            enabled,
            Some(total),
            message,
            "{msg:>10} [{elapsed_precise}] {bar:30} {pos}/{len} {per_sec} eta {eta}",
            "",
        )
    }

    fn make(
        enabled: bool,
        total: Option<u64>,
        message: &'static str,
        with_total: &str,
        without_total: &str,
    ) -> Self {
        if !enabled {
            return Progress(None);
        }
        let bar = match total {
            Some(t) => ProgressBar::with_draw_target(Some(t), ProgressDrawTarget::stderr()),
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
        };
        let template = if total.is_some() {
            with_total
        } else {
            without_total
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
        bar.set_message(message);
        Progress(Some(bar))
    }

    #[inline]
    pub fn inc(&self, n: u64) {
        if let Some(b) = &self.0 {
            b.inc(n);
        }
    }

    pub fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish();
        }
    }
}
