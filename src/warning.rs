//! Warnings: what a user should know that is no error, such as a variable left out of an
//! opened file because its type has no `xr` equivalent (Python's `warnings`).
//!
//! A warning is printed on stderr as `xr: warning: ...`, unless the code that raised it
//! runs inside [`catch_warnings`], which collects the warnings of its thread instead
//! (`warnings.catch_warnings(record=True)`).

use std::cell::RefCell;

thread_local! {
    /// The warnings collected by the innermost `catch_warnings` on this thread.
    static CAUGHT: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
}

/// Runs `f` and returns its result with the warnings raised on this thread while it ran,
/// which are then not printed.
///
/// ```no_run
/// let (ds, warnings) = xr::warning::catch_warnings(|| xr::Dataset::open("in.nc").open());
/// for w in &warnings {
///     println!("{w}");
/// }
/// # let _ = ds;
/// ```
pub fn catch_warnings<T>(f: impl FnOnce() -> T) -> (T, Vec<String>) {
    /// Puts the outer collector back, also when `f` panics.
    struct Restore(Option<Vec<String>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let outer = self.0.take();
            CAUGHT.with(|c| *c.borrow_mut() = outer);
        }
    }
    let outer = CAUGHT.with(|c| c.borrow_mut().replace(Vec::new()));
    let restore = Restore(outer);
    let value = f();
    let caught = CAUGHT.with(|c| c.borrow_mut().take()).unwrap_or_default();
    drop(restore);
    (value, caught)
}

/// Raises a warning: collected by an enclosing [`catch_warnings`], printed otherwise.
#[cfg_attr(not(any(feature = "netcdf", feature = "zarr")), allow(dead_code))]
pub(crate) fn warn(message: impl Into<String>) {
    let message = message.into();
    let unheard = CAUGHT.with(|c| match c.borrow_mut().as_mut() {
        Some(caught) => {
            caught.push(message);
            None
        }
        None => Some(message),
    });
    if let Some(message) = unheard {
        eprintln!("xr: warning: {message}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_are_collected_by_the_innermost_catch() {
        let (((), inner), outer) = catch_warnings(|| {
            warn("one");
            let caught = catch_warnings(|| warn("two"));
            warn("three");
            caught
        });
        assert_eq!(inner, vec!["two".to_string()]);
        assert_eq!(outer, vec!["one".to_string(), "three".to_string()]);
    }
}
