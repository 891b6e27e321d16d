//! Work spread over the machine's cores, results in input order: the city-sized build's
//! stages that are many independent items (files to parse, tasks to evaluate, unit groups to
//! validate; issue 22 §8). Plain scoped threads, no pool: each call lasts milliseconds.

/// `f` of every item, on one thread per core (each taking the next item), in the order of `items`.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(items.len());
    if workers <= 1 {
        return items.iter().map(&f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break out };
                        out.push((i, f(item)));
                    }
                })
            })
            .collect();
        // A worker that panicked would lose its items; resuming the panic keeps that from
        // passing silently.
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// [`map`] when there are at least `min` items, else on the calling thread: below that, starting
/// threads costs more than it saves (and a server answering many requests at once keeps its
/// cores busy anyway).
pub fn map_if_many<T: Sync, R: Send>(items: &[T], min: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    if items.len() < min {
        return items.iter().map(&f).collect();
    }
    map(items, f)
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_keep_the_order_of_the_items() {
        let items: Vec<u32> = (0..1000).collect();
        let squares = super::map(&items, |n| n * n);
        assert_eq!(squares, items.iter().map(|n| n * n).collect::<Vec<_>>());
        assert_eq!(super::map_if_many(&items, 10_000, |n| n + 1)[999], 1000);
        assert!(super::map(&[] as &[u32], |n| *n).is_empty());
    }
}
