//! The one setting of the system allocator, and the workspace's one `unsafe` block.
//!
//! glibc's malloc raises its mmap threshold each time a large block is freed, so once merging
//! frees a submission's tables, the tables built after them come from the heap, and blocks
//! freed there stay resident. A fixed threshold hands every large block back to the system
//! when it is freed: five national years through `iapt outcomes` 2,178 -> 1,661 MB peak, the
//! national report 497 -> 395 MB, when it was introduced (`cargo xtask bench years`, `bench report`).

/// glibc's `M_MMAP_THRESHOLD` parameter of `mallopt`.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const M_MMAP_THRESHOLD: std::ffi::c_int = -3;

/// Blocks of 128 KiB and more are mapped on their own (glibc's starting threshold, kept fixed).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
pub fn return_large_blocks() {
    // SAFETY: `mallopt` only sets a tuning parameter of glibc's allocator; it takes integers,
    // touches no memory of ours, and is called from `main` before any other thread starts.
    unsafe {
        unsafe extern "C" {
            fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
        }
        mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    }
}

/// Other systems' allocators return large blocks by themselves.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn return_large_blocks() {}
