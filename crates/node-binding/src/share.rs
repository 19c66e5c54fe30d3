//! Work shared between the JS thread, while it is in a call, and one helper thread.

use std::sync::Mutex;

/// Runs `each` on every item of `items`, on the calling thread and on one helper thread
/// named `name`, which take the items in turn; returns once every item is done, with the
/// first error either thread met (`panicked()` if the helper panicked). If the helper cannot
/// start (a busy machine), or starts late, the calling thread does the items it has not
/// taken, so the wait is at most one item. The items may borrow from the caller (a scoped
/// thread): a large copy or conversion whose chunks are the items takes its page faults and
/// its arithmetic on two CPUs while the JS thread is in the call, so no JS can touch the
/// buffers meanwhile.
pub(crate) fn on_two_threads<I, E>(
    name: &str,
    items: I,
    each: impl Fn(I::Item) -> Result<(), E> + Sync,
    panicked: impl FnOnce() -> E,
) -> Result<(), E>
where
    I: Iterator + Send,
    E: Send,
{
    let items = Mutex::new(items);
    let work = || -> Result<(), E> {
        loop {
            let next = items.lock().unwrap_or_else(|p| p.into_inner()).next();
            let Some(item) = next else {
                return Ok(());
            };
            each(item)?;
        }
    };
    std::thread::scope(|s| {
        let helper = std::thread::Builder::new()
            .name(name.into())
            .spawn_scoped(s, work);
        // Without a helper thread, this thread takes every item.
        let mine = work();
        let theirs = match helper {
            Ok(helper) => helper.join().unwrap_or_else(|_| Err(panicked())),
            Err(_) => Ok(()),
        };
        mine.and(theirs)
    })
}
