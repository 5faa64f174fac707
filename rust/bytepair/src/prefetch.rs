//! A hint to the CPU to start loading memory that will be read soon: the
//! encoder's token table, the counters' tables and the positional merge
//! loop's nodes are all megabytes read at random.

/// Start loading the cache line that holds `x`. Only a hint: it never
/// faults and changes no result; it compiles to nothing off x86-64.
#[inline(always)]
pub fn read<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint; it never faults, even on a bad address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
            (x as *const T).cast::<i8>(),
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}
