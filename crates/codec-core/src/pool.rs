//! Recycled pixel buffers for [`FrameBuffer`](crate::FrameBuffer)s of a megabyte or more.
//!
//! A stream makes one frame after another of the same size: `new VideoFrame(bytes)` on the JS
//! thread, decoded or converted frames on a worker. A fresh multi-megabyte allocation comes
//! from the kernel page by page (a page fault per 4 KiB, on the JS thread for a new
//! `VideoFrame`), and while codec threads fault in and release memory too, a 1080p frame could
//! take several milliseconds to make. A dropped buffer is kept here instead, up to
//! [`MAX_BUFFERS`] buffers and [`MAX_BYTES`] in all, and the next buffer of the same length
//! reuses it, zeroed again, so a new buffer always reads as zeros exactly as before.

use std::ops::{Deref, DerefMut};
use std::sync::Mutex;

/// Buffers shorter than this are allocated and freed as usual.
const MIN_LEN: usize = 1 << 20;
/// At most this many buffers wait for reuse.
const MAX_BUFFERS: usize = 16;
/// At most this many bytes wait for reuse.
const MAX_BYTES: usize = 96 << 20;

/// The buffers waiting for reuse.
static FREE: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());

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
        let mut free = FREE.lock().unwrap_or_else(|p| p.into_inner());
        free.iter()
            .position(|b| b.len() == len)
            .map(|i| free.swap_remove(i))
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
        let mut free = FREE.lock().unwrap_or_else(|p| p.into_inner());
        let held: usize = free.iter().map(Vec::len).sum();
        if free.len() < MAX_BUFFERS && held + len <= MAX_BYTES {
            free.push(std::mem::take(&mut self.0));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(FREE
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .all(|v| v.len() >= MIN_LEN));
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

    #[test]
    fn the_pool_is_bounded() {
        let bufs: Vec<PooledBytes> = (0..MAX_BUFFERS + 8)
            .map(|_| PooledBytes::zeroed(MIN_LEN + 7))
            .collect();
        drop(bufs);
        let free = FREE.lock().unwrap_or_else(|p| p.into_inner());
        assert!(free.len() <= MAX_BUFFERS);
        assert!(free.iter().map(Vec::len).sum::<usize>() <= MAX_BYTES);
    }
}
