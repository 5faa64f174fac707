//! Tables of megabytes read at random, on transparent huge pages where Linux
//! offers them.
//!
//! On 4 KB pages nearly every probe of such a table also misses the TLB, and
//! a page walk comes on top of the cache miss (a prefetch that misses the
//! TLB may even be dropped). A table of at least one huge page gets an
//! anonymous mapping of its own, 2 MB aligned and advised `MADV_HUGEPAGE`
//! before it is first touched, so under the usual `madvise` policy it faults
//! in as huge pages and the whole table fits a few TLB entries. Memory from
//! the allocator could not take the advice: it is often already faulted in
//! as small pages. Smaller tables, other systems and a refused mapping get
//! ordinary memory; nothing else changes.
//!
//! Performance notes: see [`crate::encode::table`], the table this was made
//! for. fastokens' `huge.rs` showed the way; this is our own, smaller take.

use std::ops::{Deref, DerefMut};

/// Types for which all-zero bytes are a valid value.
///
/// # Safety
/// An implementor must be `Copy`, hold no references or pointers, and be
/// valid with every byte zero.
pub unsafe trait Zeroable: Copy {}

// SAFETY: plain integers.
unsafe impl Zeroable for u64 {}
// SAFETY: plain integers.
unsafe impl Zeroable for u32 {}

/// A fixed slice of zeroed `T`, on huge pages where possible.
pub struct ZeroedTable<T: Zeroable> {
    storage: Storage<T>,
}

enum Storage<T> {
    Boxed(Box<[T]>),
    #[cfg(target_os = "linux")]
    Mapped(mapped::Mapping<T>),
}

impl<T: Zeroable> ZeroedTable<T> {
    /// `len` zeroed values.
    pub fn new(len: usize) -> Self {
        #[cfg(target_os = "linux")]
        if let Some(m) = mapped::Mapping::new(len) {
            return ZeroedTable {
                storage: Storage::Mapped(m),
            };
        }
        // SAFETY: `T: Zeroable`, so zeroed bytes are a valid `T`.
        let zero: T = unsafe { std::mem::zeroed() };
        ZeroedTable {
            storage: Storage::Boxed(vec![zero; len].into_boxed_slice()),
        }
    }

    /// Whether the table has a mapping of its own (advised for huge pages).
    pub fn is_mapped(&self) -> bool {
        !matches!(self.storage, Storage::Boxed(_))
    }
}

impl<T: Zeroable> Default for ZeroedTable<T> {
    fn default() -> Self {
        ZeroedTable {
            storage: Storage::Boxed(Box::default()),
        }
    }
}

impl<T: Zeroable> Clone for ZeroedTable<T> {
    fn clone(&self) -> Self {
        let mut t = Self::new(self.len());
        t.copy_from_slice(self);
        t
    }
}

impl<T: Zeroable + std::fmt::Debug> std::fmt::Debug for ZeroedTable<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T: Zeroable> Deref for ZeroedTable<T> {
    type Target = [T];
    #[inline(always)]
    fn deref(&self) -> &[T] {
        match &self.storage {
            Storage::Boxed(b) => b,
            #[cfg(target_os = "linux")]
            Storage::Mapped(m) => m.as_slice(),
        }
    }
}

impl<T: Zeroable> DerefMut for ZeroedTable<T> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut [T] {
        match &mut self.storage {
            Storage::Boxed(b) => b,
            #[cfg(target_os = "linux")]
            Storage::Mapped(m) => m.as_mut_slice(),
        }
    }
}

#[cfg(target_os = "linux")]
mod mapped {
    use super::Zeroable;
    use std::ptr::NonNull;

    const HUGE_PAGE: usize = 2 << 20;

    /// An anonymous mapping holding `len` values from a 2 MB boundary.
    pub struct Mapping<T> {
        base: NonNull<libc::c_void>,
        size: usize,
        data: NonNull<T>,
        len: usize,
    }

    // SAFETY: the mapping is owned exclusively, like a `Box<[T]>`.
    unsafe impl<T: Send> Send for Mapping<T> {}
    // SAFETY: shared access only hands out `&[T]`.
    unsafe impl<T: Sync> Sync for Mapping<T> {}

    impl<T: Zeroable> Mapping<T> {
        /// `None` under one huge page, or when the kernel refuses.
        pub fn new(len: usize) -> Option<Self> {
            let bytes = len.checked_mul(std::mem::size_of::<T>())?;
            if bytes < HUGE_PAGE || std::mem::align_of::<T>() > HUGE_PAGE {
                return None;
            }
            let table = bytes.checked_next_multiple_of(HUGE_PAGE)?;
            // One huge page extra, to start the table on a boundary.
            let size = table.checked_add(HUGE_PAGE)?;
            // SAFETY: a fresh private anonymous mapping; no existing memory is touched.
            let base = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    size,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                    -1,
                    0,
                )
            };
            if base == libc::MAP_FAILED {
                return None;
            }
            let base = NonNull::new(base)?;
            let offset = (base.as_ptr() as usize).wrapping_neg() % HUGE_PAGE;
            // SAFETY: `offset < HUGE_PAGE`, so the table lies inside the mapping.
            let start = unsafe { base.as_ptr().cast::<u8>().add(offset) };
            // The advice is only advice: if it is refused, small pages serve.
            // SAFETY: the range is inside the mapping.
            unsafe { libc::madvise(start.cast(), table, libc::MADV_HUGEPAGE) };
            Some(Mapping {
                base,
                size,
                data: NonNull::new(start.cast())?,
                len,
            })
        }

        pub fn as_slice(&self) -> &[T] {
            // SAFETY: the mapping holds `len` values, zeroed by the kernel
            // (valid: `T: Zeroable`), aligned to 2 MB.
            unsafe { std::slice::from_raw_parts(self.data.as_ptr(), self.len) }
        }

        pub fn as_mut_slice(&mut self) -> &mut [T] {
            // SAFETY: as in `as_slice`, and `&mut self` is exclusive.
            unsafe { std::slice::from_raw_parts_mut(self.data.as_ptr(), self.len) }
        }
    }

    impl<T> Drop for Mapping<T> {
        fn drop(&mut self) {
            // SAFETY: the mapping was made by `new` and is unmapped once.
            unsafe { libc::munmap(self.base.as_ptr(), self.size) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_and_large_tables_are_zeroed_and_writable() {
        for len in [0usize, 10, 1 << 20] {
            let mut t = ZeroedTable::<u64>::new(len);
            assert_eq!(t.len(), len);
            assert!(t.iter().all(|&x| x == 0));
            if let Some(last) = t.last_mut() {
                *last = 7;
            }
            assert_eq!(t.iter().sum::<u64>(), if len > 0 { 7 } else { 0 });
            #[cfg(target_os = "linux")]
            assert_eq!(t.is_mapped(), len == 1 << 20);
        }
    }
}
