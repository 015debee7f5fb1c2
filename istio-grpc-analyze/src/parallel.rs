//! Independent work over a slice on scoped threads, with the results in input order.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Applies `f` to `items` in contiguous pieces on up to `threads` scoped threads (on the
/// calling thread, as one piece, when `threads < 2` or there are fewer than `from` items), and
/// returns the pieces' results in input order: the same results as one call on the whole
/// slice would give, piece by piece. Each thread takes the next piece as it goes, so that a
/// thread descheduled on a loaded machine does not leave the others idle. A panic in a thread
/// is resumed on the calling thread.
pub(crate) fn map_chunks<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    from: usize,
    f: impl Fn(&[T]) -> R + Sync,
) -> Vec<R> {
    if threads < 2 || items.len() < from.max(2) {
        return vec![f(items)];
    }
    let pieces: Vec<&[T]> = items
        .chunks(items.len().div_ceil(threads * PIECES_PER_THREAD))
        .collect();
    let next = AtomicUsize::new(0);
    let (f, pieces, next) = (&f, &pieces, &next);
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(move || {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(piece) = pieces.get(i) else {
                            break done;
                        };
                        done.push((i, f(piece)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| {
                w.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// How many pieces per thread [`map_chunks`] cuts the work into.
const PIECES_PER_THREAD: usize = 16;

#[cfg(test)]
mod tests {
    use super::map_chunks;

    #[test]
    fn chunks_come_back_in_input_order_whatever_the_threads() {
        let items: Vec<u32> = (0..1000).collect();
        let one: Vec<u32> = map_chunks(&items, 1, 0, |s| s.to_vec()).concat();
        for threads in [2, 3, 8] {
            let chunks = map_chunks(&items, threads, 10, |s| s.to_vec());
            assert!(chunks.len() > threads, "pieces to share: {}", chunks.len());
            assert_eq!(chunks.concat(), one, "{threads} threads");
        }
        // below the threshold: one chunk, on the calling thread
        assert_eq!(map_chunks(&items[..5], 8, 10, |s| s.len()), [5]);
    }
}
