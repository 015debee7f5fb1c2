//! Independent work over a slice on scoped threads, with the results in input order.

/// Applies `f` to `items` in up to `threads` contiguous chunks, each on its own scoped thread
/// (on the calling thread when `threads < 2` or there are fewer than `from` items), and
/// returns the chunks' results in input order: the same results as one call on the whole
/// slice would give, chunk by chunk. A panic in a thread is resumed on the calling thread.
pub(crate) fn map_chunks<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    from: usize,
    f: impl Fn(&[T]) -> R + Sync,
) -> Vec<R> {
    if threads < 2 || items.len() < from.max(2) {
        return vec![f(items)];
    }
    let per_thread = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(per_thread)
            .map(|some| scope.spawn(move || f(some)))
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::map_chunks;

    #[test]
    fn chunks_come_back_in_input_order_whatever_the_threads() {
        let items: Vec<u32> = (0..1000).collect();
        let one: Vec<u32> = map_chunks(&items, 1, 0, |s| s.to_vec()).concat();
        for threads in [2, 3, 8] {
            let chunks = map_chunks(&items, threads, 10, |s| s.to_vec());
            assert_eq!(
                chunks.len(),
                threads.min(items.len()),
                "one chunk per thread"
            );
            assert_eq!(chunks.concat(), one, "{threads} threads");
        }
        // below the threshold: one chunk, on the calling thread
        assert_eq!(map_chunks(&items[..5], 8, 10, |s| s.len()), [5]);
    }
}
