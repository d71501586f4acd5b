//! Panics caught where a dependency panics on bad input, kept off stderr.
//!
//! The `netcdf` crate unwraps some library results (listing variables and attributes of a
//! corrupt file). [`catch_quietly`] turns such a panic into an `Err` for the caller to
//! report as an error naming the file; the process-wide hook installed here stays silent
//! for panics on a thread inside `catch_quietly` and hands every other panic to the hook
//! that was there before, so a user's hook and the default message keep working.

use std::any::Any;
use std::cell::Cell;
use std::panic::{catch_unwind, UnwindSafe};
use std::sync::Once;

thread_local! {
    /// How many `catch_quietly` calls this thread is inside.
    static QUIET: Cell<usize> = const { Cell::new(0) };
}

// Used by the NetCDF driver only.
#[cfg_attr(not(feature = "netcdf"), allow(dead_code))]
static HOOK: Once = Once::new();

/// True inside [`catch_quietly`] on this thread: a hook that would report a panic (or
/// abort an MPI job on it) must leave this one to the caller.
pub(crate) fn is_quiet() -> bool {
    QUIET.with(Cell::get) > 0
}

/// The message a panic was raised with.
pub(crate) fn message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-string payload".to_string()
    }
}

/// Runs `f`; if it panics, returns the panic's message as `Err`, with nothing printed.
#[cfg_attr(not(feature = "netcdf"), allow(dead_code))]
pub(crate) fn catch_quietly<T>(f: impl FnOnce() -> T + UnwindSafe) -> Result<T, String> {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !is_quiet() {
                previous(info);
            }
        }));
    });
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            QUIET.with(|q| q.set(q.get() - 1));
        }
    }
    QUIET.with(|q| q.set(q.get() + 1));
    let _leave = Leave;
    catch_unwind(f).map_err(|payload| message(payload.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caught_panic_is_an_err_and_the_count_unwinds() {
        assert_eq!(
            catch_quietly(|| panic!("inside {}", 1)),
            Err::<(), _>("inside 1".into())
        );
        assert!(!is_quiet());
        assert_eq!(
            catch_quietly(|| catch_quietly(|| 3))
                .ok()
                .and_then(Result::ok),
            Some(3)
        );
        assert!(!is_quiet());
    }
}
