//! Maps over a slice on every core, keeping the order of the results: rendering, parsing and
//! printing a module is independent of every other module, and large catalogs have thousands.
//! Workers take the next item as they finish one rather than a fixed share, so a worker slowed
//! by a large module or by another process on the machine does not leave the others idle.

use std::sync::atomic::{AtomicUsize, Ordering};

/// `items.iter().map(work)`, split across the available cores.
pub fn map<T: Sync, R: Send>(items: &[T], work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, 8);
    if threads == 1 || items.len() < 16 {
        return items.iter().map(work).collect();
    }
    let next = AtomicUsize::new(0);
    let (work, next) = (&work, &next);
    let mut slots: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(move || {
                    let mut done = Vec::new();
                    loop {
                        let at = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(at) else {
                            return done;
                        };
                        done.push((at, work(item)));
                    }
                })
            })
            .collect();
        for handle in handles {
            match handle.join() {
                Ok(done) => {
                    for (at, result) in done {
                        slots[at] = Some(result);
                    }
                }
                // A worker panicked: re-raise it here rather than lose its items.
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
    });
    // Every index below `items.len()` was taken by exactly one worker, and every worker
    // returned (or its panic was re-raised above), so every slot is filled.
    slots.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_the_order_of_the_items() {
        let items: Vec<u32> = (0..1000).collect();
        assert_eq!(
            super::map(&items, |n| n * 2),
            items.iter().map(|n| n * 2).collect::<Vec<_>>()
        );
    }

    #[test]
    fn keeps_the_order_when_items_take_uneven_time() {
        let items: Vec<u64> = (0..64).collect();
        let slow_first = |n: &u64| {
            if *n % 7 == 0 {
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            n + 1
        };
        assert_eq!(
            super::map(&items, slow_first),
            items.iter().map(|n| n + 1).collect::<Vec<_>>()
        );
    }
}
