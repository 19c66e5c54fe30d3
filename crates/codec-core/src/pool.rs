//! Recycled pixel buffers for [`FrameBuffer`](crate::FrameBuffer)s of a megabyte or more.
//!
//! A stream makes one frame after another of the same size: `new VideoFrame(bytes)` on the JS
//! thread, decoded or converted frames on a worker. A fresh multi-megabyte allocation comes
//! from the kernel page by page (a page fault per 4 KiB, on the JS thread for a new
//! `VideoFrame`), and while codec threads fault in and release memory too, a 1080p frame could
//! take several milliseconds to make. A dropped buffer is kept here instead, up to
//! [`MAX_BUFFERS`] buffers and [`MAX_BYTES`] in all (a full pool gives up its oldest buffers of
//! other lengths, a finished stream's, to a new one), and the next buffer of the same length
//! reuses it, zeroed again, so a new buffer always reads as zeros exactly as before.
//!
//! At the start of a stream nothing has been dropped yet: the first frames of a 1080p encode
//! each cost 1.3-1.8 ms of the JS thread in page faults (0.3 ms from the pool), and at 1080p
//! most encodes' longest event-loop gap was that start. So the embedding's helper thread
//! ([`set_pool_warm_hook`]) makes buffers ahead, their pages faulted in: when a buffer found
//! none of its length waiting, one of that length; when two in a row did (a stream, not a
//! one-off frame), until [`WARM_AHEAD`] wait.

use std::ops::{Deref, DerefMut};
use std::sync::{Mutex, OnceLock};

/// Buffers shorter than this are allocated and freed as usual.
const MIN_LEN: usize = 1 << 20;
/// At most this many buffers wait for reuse.
const MAX_BUFFERS: usize = 16;
/// At most this many bytes wait for reuse.
const MAX_BYTES: usize = 96 << 20;

/// How many buffers of a stream's length the helper keeps waiting ahead.
const WARM_AHEAD: usize = 4;

/// The buffers waiting for reuse.
static FREE: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());

/// The length of the last buffer that found none waiting (0: none yet).
static LAST_MISS: Mutex<usize> = Mutex::new(0);

/// The embedding's helper that makes buffers ahead ([`set_pool_warm_hook`]).
static WARM_HOOK: OnceLock<fn(usize, usize)> = OnceLock::new();

/// Sets, once per process, what a thread calls when a buffer of a megabyte or more found none
/// of its length waiting in the pool: `hook(len, ahead)` should have
/// [`fill_pool_ahead`]`(len, ahead)` run on a thread of its own (this crate starts no threads).
/// `ahead` is 1 after a single miss and more after two in a row (a stream). Without a hook,
/// nothing is made ahead. Later calls change nothing.
pub fn set_pool_warm_hook(hook: fn(usize, usize)) {
    let _ = WARM_HOOK.set(hook);
}

/// The pool, poisoned or not (it holds plain buffers: a panic elsewhere leaves them valid).
fn free() -> std::sync::MutexGuard<'static, Vec<Vec<u8>>> {
    FREE.lock().unwrap_or_else(|p| p.into_inner())
}

/// Whether a buffer of `len` bytes may join the pool now.
fn room_for(free: &[Vec<u8>], len: usize) -> bool {
    free.len() < MAX_BUFFERS && free.iter().map(Vec::len).sum::<usize>() + len <= MAX_BYTES
}

/// Makes room in the pool for a buffer of `len` bytes by taking out the oldest buffers of
/// other lengths (a finished stream's) into `evicted`, to be freed once the lock is released.
/// Whether there is room now.
fn make_room(free: &mut Vec<Vec<u8>>, len: usize, evicted: &mut Vec<Vec<u8>>) -> bool {
    if len > MAX_BYTES {
        return false;
    }
    while !room_for(free, len) {
        match free.iter().position(|b| b.len() != len) {
            Some(i) => evicted.push(free.remove(i)),
            None => return false,
        }
    }
    true
}

/// A buffer of `len` bytes found none waiting: the embedding's helper ([`set_pool_warm_hook`])
/// makes one of that length ahead, or, on the second such miss in a row (a stream; then it
/// returns `true`), [`WARM_AHEAD`].
fn missed(len: usize) -> bool {
    let mut last = LAST_MISS.lock().unwrap_or_else(|p| p.into_inner());
    let stream = *last == len;
    *last = len;
    drop(last);
    if let Some(hook) = WARM_HOOK.get() {
        hook(len, if stream { WARM_AHEAD } else { 1 });
    }
    stream
}

/// Puts buffers of `len` bytes into the pool, each page written once (so that the kernel has
/// faulted them in on the calling thread, not on the one that takes them), until `ahead` of
/// that length wait or the pool has no room for more. How many it made. Meant for the helper
/// thread of [`set_pool_warm_hook`].
pub fn fill_pool_ahead(len: usize, ahead: usize) -> usize {
    let mut made = 0;
    loop {
        {
            let free = free();
            let same = free.iter().filter(|b| b.len() == len).count();
            if same >= ahead || (same + 1) * len > MAX_BYTES || same + 1 > MAX_BUFFERS {
                return made;
            }
        }
        let mut b = vec![0u8; len];
        // Fresh zeroed memory is mapped lazily: a store to each page faults it in. The stored
        // value is opaque to the optimiser, so the stores stay.
        for i in (0..len).step_by(4096) {
            b[i] = std::hint::black_box(0);
        }
        let mut evicted = Vec::new();
        let mut free = free();
        if !make_room(&mut free, len, &mut evicted) {
            return made;
        }
        free.push(b);
        made += 1;
    }
}

/// A zero-initialised byte buffer whose storage goes back to the pool when dropped.
#[derive(Default)]
pub(crate) struct PooledBytes(Vec<u8>);

impl PooledBytes {
    /// `len` zero bytes, in a recycled buffer of that length when there is one.
    pub(crate) fn zeroed(len: usize) -> Self {
        match Self::recycled(len) {
            Some(mut b) => {
                b.fill(0);
                Self(b)
            }
            None => Self(vec![0; len]),
        }
    }

    /// A copy of `src`, in a recycled buffer of that length when there is one (overwritten
    /// whole, so not zeroed first).
    pub(crate) fn copied(src: &[u8]) -> Self {
        match Self::recycled(src.len()) {
            Some(mut b) => {
                b.copy_from_slice(src);
                Self(b)
            }
            None => Self(src.to_vec()),
        }
    }

    /// A buffer of exactly `len` bytes waiting for reuse, if any (`len` ≥ [`MIN_LEN`]).
    fn recycled(len: usize) -> Option<Vec<u8>> {
        if len < MIN_LEN {
            return None;
        }
        let mut free = free();
        let found = free
            .iter()
            .position(|b| b.len() == len)
            .map(|i| free.remove(i));
        drop(free);
        if found.is_none() {
            missed(len);
        }
        found
    }
}

impl Clone for PooledBytes {
    fn clone(&self) -> Self {
        Self::copied(&self.0)
    }
}

impl Deref for PooledBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl DerefMut for PooledBytes {
    fn deref_mut(&mut self) -> &mut [u8] {
        &mut self.0
    }
}

impl Drop for PooledBytes {
    fn drop(&mut self) {
        let len = self.0.len();
        if len < MIN_LEN {
            return;
        }
        let mut evicted = Vec::new();
        let mut free = free();
        if make_room(&mut free, len, &mut evicted) {
            free.push(std::mem::take(&mut self.0));
        }
        drop(free);
        drop(evicted);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pool is process-wide: tests that fill it or count what waits there take turns.
    static TURN: Mutex<()> = Mutex::new(());

    fn turn() -> std::sync::MutexGuard<'static, ()> {
        TURN.lock().unwrap_or_else(|p| p.into_inner())
    }

    #[test]
    fn a_recycled_buffer_reads_as_zeros_and_small_ones_are_not_kept() {
        let len = MIN_LEN + 12_345;
        let mut a = PooledBytes::zeroed(len);
        a.fill(0xab);
        drop(a);
        // Other tests may take it first (the pool is process-wide); when it comes back, it
        // is zeroed.
        let b = PooledBytes::zeroed(len);
        assert_eq!(b.len(), len);
        assert!(b.iter().all(|&x| x == 0));
        let c = b.clone();
        assert_eq!(&*c, &*b, "a clone has the same bytes");
        assert_ne!(c.as_ptr(), b.as_ptr(), "in its own buffer");
        drop((b, c));
        let small = PooledBytes::zeroed(100);
        drop(small);
        assert!(free().iter().all(|v| v.len() >= MIN_LEN));
    }

    #[test]
    fn a_copy_takes_a_recycled_buffer_and_holds_exactly_the_source() {
        let len = MIN_LEN + 54_321;
        let mut a = PooledBytes::zeroed(len);
        a.fill(0xcd);
        drop(a);
        let src: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
        let b = PooledBytes::copied(&src);
        assert_eq!(&*b, &src[..]);
        let small = PooledBytes::copied(&src[..10]);
        assert_eq!(&*small, &src[..10]);
    }

    /// How many buffers of `len` bytes wait in the pool.
    fn waiting(len: usize) -> usize {
        free().iter().filter(|b| b.len() == len).count()
    }

    #[test]
    fn a_miss_asks_the_hook_for_one_buffer_ahead_and_the_second_in_a_row_for_more() {
        static ASKED: Mutex<Vec<(usize, usize)>> = Mutex::new(Vec::new());
        fn hook(len: usize, ahead: usize) {
            ASKED
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((len, ahead));
        }
        set_pool_warm_hook(hook);
        // A length no other test uses (the pool is process-wide): its first miss is no stream.
        let len = MIN_LEN + 44_444;
        assert!(!missed(len));
        // The next one is, unless a test elsewhere missed in between: then the one after.
        assert!((0..10).any(|_| missed(len)));
        let asked: Vec<usize> = ASKED
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|(l, _)| *l == len)
            .map(|&(_, ahead)| ahead)
            .collect();
        assert_eq!(
            asked.first(),
            Some(&1),
            "one ahead after a first miss: {asked:?}"
        );
        assert_eq!(
            asked.last(),
            Some(&WARM_AHEAD),
            "more for a stream: {asked:?}"
        );
    }

    #[test]
    fn buffers_made_ahead_are_zeroed_and_serve_copies() {
        let len = MIN_LEN + 77_777;
        // Until WARM_AHEAD wait (more if another length's stream took some back meanwhile).
        let made = fill_pool_ahead(len, WARM_AHEAD);
        assert!((WARM_AHEAD..=MAX_BUFFERS).contains(&made), "made {made}");
        let z = PooledBytes::zeroed(len);
        assert!(z.iter().all(|&x| x == 0));
        let src: Vec<u8> = (0..len).map(|i| (i * 13 % 251) as u8).collect();
        let c = PooledBytes::copied(&src);
        assert_eq!(&*c, &src[..]);
    }

    #[test]
    fn a_full_pool_gives_its_oldest_buffer_of_another_length_to_a_new_one() {
        let _turn = turn();
        let old = MIN_LEN + 55_555;
        let new = MIN_LEN + 66_666;
        drop(
            (0..MAX_BUFFERS)
                .map(|_| PooledBytes::zeroed(old))
                .collect::<Vec<_>>(),
        );
        assert_eq!(waiting(old), MAX_BUFFERS, "the pool is full of one length");
        drop(PooledBytes::zeroed(new));
        assert_eq!(waiting(new), 1, "a buffer of a new length joins it");
        assert_eq!(
            waiting(old),
            MAX_BUFFERS - 1,
            "in place of one of the old ones"
        );
        assert!(free().len() <= MAX_BUFFERS);
    }

    #[test]
    fn the_pool_is_bounded() {
        let _turn = turn();
        let bufs: Vec<PooledBytes> = (0..MAX_BUFFERS + 8)
            .map(|_| PooledBytes::zeroed(MIN_LEN + 7))
            .collect();
        drop(bufs);
        let free = free();
        assert!(free.len() <= MAX_BUFFERS);
        assert!(free.iter().map(Vec::len).sum::<usize>() <= MAX_BYTES);
    }
}
