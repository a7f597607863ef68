//! Giving freed heap memory back to the OS. glibc's allocator keeps what a burst
//! freed (a 16 MB XML-RPC response, a thousand connections' buffers) in its arenas,
//! so the daemon's RSS would stay at its peak; `malloc_trim` returns the free pages
//! of every arena. Elsewhere (musl) this is a no-op: musl returns memory itself.
//! The arenas themselves are capped: glibc makes up to eight per core, one for each
//! thread that meets contention, and each keeps its own free memory.

// Two foreign calls; each `unsafe` block states why it is sound.
#![allow(unsafe_code)]

/// Caps glibc's malloc arenas at `arenas` (the daemon passes its worker-thread
/// count). The default (eight per core) let an idle daemon with 1000 programs keep
/// about 3.7 MB more (BENCHMARKS.md, idle memory); the daemon allocates little on
/// its hot paths, so two arenas see no contention worth the memory. Call it before
/// any thread starts.
pub fn limit_malloc_arenas(arenas: u16) {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a parameter of the allocator under its own lock;
    // it is documented as callable at any time, and a refused value is reported by
    // its return code, which changes nothing we rely on.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, i32::from(arenas));
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    let _ = arenas;
}

/// Returns free heap pages to the OS. Takes a moment on a large heap: call it off
/// the async workers (`spawn_blocking`), and only after a burst.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists under its
    // locks; it is documented as safe to call at any time from any thread.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn releasing_after_a_burst_is_harmless() {
        let burst: Vec<Vec<u8>> = (0..64).map(|i| vec![i as u8; 256 * 1024]).collect();
        drop(burst);
        super::release_free_memory();
        let again = vec![1u8; 1024];
        assert_eq!(again.iter().map(|&b| usize::from(b)).sum::<usize>(), 1024);
    }
}
