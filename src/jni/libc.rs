//! The one libc call the agent makes, kept inside the boundary where `unsafe` is allowed and handed to the
//! metrics export as a plain `fn()` ([`crate::agent::MBeanSource::memory_release`]).
//!
//! Why trim at all: a collection's transient data (the snapshot, the series, the request bodies: ~20 MB at 1,000
//! tasks) is allocated and freed on two threads, and glibc keeps what each thread's arena once held. Without
//! this the agent's RSS stayed at its peak, about twice what it keeps alive (BENCHMARKS.md). The price: glibc
//! trims every arena of the process, each under its lock, so a JVM thread calling `malloc` meanwhile waits (the
//! whole call takes about 3 ms at 1,000 tasks). `otel.connect.memory.trim=false` switches it off.

/// `malloc_trim(0)`: returns the free memory of every glibc arena to the system. Elsewhere, nothing.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: malloc_trim takes no pointer and only touches the allocator's own free lists, under its locks.
        unsafe {
            malloc_trim(0);
        }
    }
}
