//! Stable sorting with one sorting routine for the whole program.
//!
//! `slice::sort_by` builds its sorting routine (driftsort, several KB) again for each
//! element type and comparison; the CLI sorts a dozen kinds of lists, each a few
//! entries long, and those copies were about 50 KB of the static binary. Here the
//! routine is built once, for indices compared through a `dyn` closure, and each
//! element type adds only the small loop that puts the elements in their new order.

use std::cmp::Ordering;

/// Sorts `v` like `v.sort_by(cmp)`: stable, equal elements keep their order.
pub(crate) fn sort_by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    let order = order(v.len(), &mut |a, b| cmp(&v[a], &v[b]));
    permute(v, order);
}

/// Sorts `v` like `v.sort()`.
pub(crate) fn sort<T: Ord>(v: &mut [T]) {
    sort_by(v, T::cmp);
}

/// Sorts `v` like `v.sort_by_key(key)`.
pub(crate) fn sort_by_key<T, K: Ord>(v: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)));
}

/// The indices `0..n` in sorted order: `order[i]` is the index of the element that goes at `i`.
fn order(n: usize, cmp: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| cmp(a, b));
    order
}

/// Moves `v[order[i]]` to `i` for every `i`, one cycle of the permutation at a time.
fn permute<T>(v: &mut [T], mut order: Vec<usize>) {
    for i in 0..order.len() {
        let mut at = i;
        loop {
            let from = order[at];
            order[at] = at;
            if from == i {
                break;
            }
            v.swap(at, from);
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_like_the_standard_library_and_keeps_equal_elements_in_order() {
        // Pairs compared on their first half only: the second shows where each came from.
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for len in [0, 1, 2, 3, 7, 20, 21, 64, 200] {
            let v: Vec<(u8, usize)> = (0..len)
                .map(|i| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    ((seed % 5) as u8, i)
                })
                .collect();
            let mut want = v.clone();
            want.sort_by_key(|a| a.0);
            let mut got = v.clone();
            sort_by(&mut got, |a, b| a.0.cmp(&b.0));
            assert_eq!(got, want, "len {len}");
            let mut got = v.clone();
            sort_by_key(&mut got, |p| std::cmp::Reverse(p.0));
            want.sort_by_key(|p| std::cmp::Reverse(p.0));
            assert_eq!(got, want, "len {len}, by key");
            let mut got = v;
            sort(&mut got);
            want.sort();
            assert_eq!(got, want, "len {len}, whole values");
        }
    }
}
