//! Giving freed heap memory back to the OS. glibc's allocator keeps what a burst
//! freed (a 16 MB XML-RPC response, a thousand connections' buffers) in its arenas,
//! so the daemon's RSS would stay at its peak; `malloc_trim` returns the free pages
//! of every arena. Elsewhere (musl) this is a no-op: musl returns memory itself.

// One foreign call; its `unsafe` block states why it is sound.
#![allow(unsafe_code)]

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
