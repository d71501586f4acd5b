//! Warnings: what a file does that `xr` reads anyway, in a way the user should know
//! about (xarray's `SerializationWarning`s): a time unit left undecoded, a dimension
//! used twice by one variable.
//!
//! A warning goes to stderr as `xr: warning: ...`, unless the calling thread is inside
//! [`capture`], which collects them instead (for programs that report them their own
//! way, and for tests).

use std::cell::RefCell;

thread_local! {
    static CAPTURED: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
}

/// Emits one warning: collected when this thread is inside [`capture`], printed to
/// stderr otherwise.
pub(crate) fn warn(message: impl Into<String>) {
    let message = message.into();
    let unheard = CAPTURED.with(|c| match c.borrow_mut().as_mut() {
        Some(list) => {
            list.push(message.clone());
            false
        }
        None => true,
    });
    if unheard {
        eprintln!("xr: warning: {message}");
    }
}

/// Runs `f` and returns its result with the warnings it emitted on this thread, which
/// are then not printed. Nested captures each see only their own warnings. Warnings of
/// work that `f` hands to other threads (`open_mfdataset` opens files in parallel) are
/// printed, not captured.
///
/// ```no_run
/// # fn main() -> xr::Result<()> {
/// let (ds, warnings) = xr::io::warning::capture(|| xr::Dataset::open("in.nc").open());
/// for w in &warnings {
///     eprintln!("note: {w}");
/// }
/// let _ = ds?;
/// # Ok(())
/// # }
/// ```
pub fn capture<T>(f: impl FnOnce() -> T) -> (T, Vec<String>) {
    let outer = CAPTURED.with(|c| c.borrow_mut().replace(Vec::new()));
    let out = f();
    let caught = CAPTURED.with(|c| std::mem::replace(&mut *c.borrow_mut(), outer));
    (out, caught.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captured_warnings_are_returned_in_order_and_nested_captures_are_separate() {
        let (((), inner), outer) = capture(|| {
            warn("first");
            let inner = capture(|| warn("inner"));
            warn("second");
            inner
        });
        assert_eq!(inner, vec!["inner".to_string()]);
        assert_eq!(outer, vec!["first".to_string(), "second".to_string()]);
    }
}
