//! Hot loops compiled twice, for the CPU the crate is built for and for AVX2, and run as
//! the CPU allows: the one place that turns on wider vectors for the kernels that read
//! every value of every chunk (the CF decode, the weighted and grouped chunk steps, the
//! push). The loops stay plain Rust; only their compilation differs. No fused
//! multiply-add is enabled, so both versions give the same bits.

/// `f()`, compiled with AVX2 when the CPU has it. `f` is a closure marked
/// `#[inline(always)]` (`wide(#[inline(always)] || kernel(..))`), and what it calls is
/// `#[inline(always)]` too: only code inlined into the AVX2 frame is compiled for AVX2.
#[inline(always)]
pub(crate) fn wide<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        #[allow(unsafe_code)]
        // SAFETY: `in_avx2` needs nothing but a CPU with AVX2, checked just above.
        return unsafe { in_avx2(f) };
    }
    f()
}

/// `f()` compiled for AVX2 (inlined here, its only call site).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn in_avx2<R>(f: impl FnOnce() -> R) -> R {
    f()
}
