//! Sets of integer values of a header field: sorted, disjoint, inclusive
//! ranges.
//!
//! Key decision: every constraint the verifier meets in practice (equal,
//! not equal, less/greater, port ranges, address prefixes, a routing
//! table's share of the address space) is a finite union of ranges, so one
//! exact representation covers them and needs no external solver. Sets are
//! shared behind an `Arc`; flows that fork share their domains until one
//! narrows.

use std::fmt;
use std::sync::Arc;

/// The largest value of a field `width` bits wide.
pub fn max_of(width: u8) -> u64 {
    if width >= 64 {
        u64::MAX
    } else {
        (1u64 << width) - 1
    }
}

/// A set of values as sorted, disjoint, non-adjacent inclusive ranges.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IntervalSet {
    ranges: Arc<Vec<(u64, u64)>>,
}

impl IntervalSet {
    pub fn empty() -> IntervalSet {
        IntervalSet {
            ranges: Arc::new(Vec::new()),
        }
    }

    /// Every value of a `width`-bit field.
    pub fn full(width: u8) -> IntervalSet {
        IntervalSet::range(0, max_of(width))
    }

    pub fn point(v: u64) -> IntervalSet {
        IntervalSet::range(v, v)
    }

    /// `lo..=hi`; empty when `lo > hi`.
    pub fn range(lo: u64, hi: u64) -> IntervalSet {
        if lo > hi {
            return IntervalSet::empty();
        }
        IntervalSet {
            ranges: Arc::new(vec![(lo, hi)]),
        }
    }

    /// The addresses of `addr/len` in a 32-bit space.
    pub fn prefix(addr: u32, len: u8) -> IntervalSet {
        let len = len.min(32);
        let host = u32::MAX.checked_shr(u32::from(len)).unwrap_or(0);
        let lo = addr & !host;
        IntervalSet::range(u64::from(lo), u64::from(lo | host))
    }

    /// Builds a set from ranges in any order, possibly overlapping.
    pub fn from_ranges(mut ranges: Vec<(u64, u64)>) -> IntervalSet {
        ranges.retain(|(a, b)| a <= b);
        ranges.sort_unstable();
        let mut out: Vec<(u64, u64)> = Vec::with_capacity(ranges.len());
        for (a, b) in ranges {
            match out.last_mut() {
                Some(last) if a <= last.1.saturating_add(1) => last.1 = last.1.max(b),
                _ => out.push((a, b)),
            }
        }
        IntervalSet {
            ranges: Arc::new(out),
        }
    }

    pub fn ranges(&self) -> &[(u64, u64)] {
        &self.ranges
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Number of values (as u128: a full 64-bit set has 2^64).
    pub fn size(&self) -> u128 {
        self.ranges
            .iter()
            .map(|&(a, b)| u128::from(b - a) + 1)
            .sum()
    }

    /// The one value, if the set has exactly one.
    pub fn single(&self) -> Option<u64> {
        match self.ranges.as_slice() {
            [(a, b)] if a == b => Some(*a),
            _ => None,
        }
    }

    pub fn min(&self) -> Option<u64> {
        self.ranges.first().map(|r| r.0)
    }

    pub fn contains(&self, v: u64) -> bool {
        let i = self.ranges.partition_point(|r| r.1 < v);
        self.ranges.get(i).is_some_and(|r| r.0 <= v)
    }

    pub fn is_full(&self, width: u8) -> bool {
        matches!(self.ranges.as_slice(), [(0, b)] if *b == max_of(width))
    }

    pub fn intersect(&self, other: &IntervalSet) -> IntervalSet {
        if Arc::ptr_eq(&self.ranges, &other.ranges) {
            return self.clone();
        }
        let (a, b) = (&self.ranges, &other.ranges);
        let mut out = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            let lo = a[i].0.max(b[j].0);
            let hi = a[i].1.min(b[j].1);
            if lo <= hi {
                out.push((lo, hi));
            }
            if a[i].1 < b[j].1 {
                i += 1;
            } else {
                j += 1;
            }
        }
        IntervalSet {
            ranges: Arc::new(out),
        }
    }

    pub fn union(&self, other: &IntervalSet) -> IntervalSet {
        let mut all = Vec::with_capacity(self.ranges.len() + other.ranges.len());
        all.extend_from_slice(&self.ranges);
        all.extend_from_slice(&other.ranges);
        IntervalSet::from_ranges(all)
    }

    /// The values of a `width`-bit field not in this set.
    pub fn complement(&self, width: u8) -> IntervalSet {
        let max = max_of(width);
        let mut out = Vec::new();
        let mut next = 0u64;
        let mut done = false;
        for &(a, b) in self.ranges.iter() {
            if a > max {
                break;
            }
            if a > next {
                out.push((next, a - 1));
            }
            if b >= max {
                done = true;
                break;
            }
            next = b + 1;
        }
        if !done {
            out.push((next, max));
        }
        IntervalSet {
            ranges: Arc::new(out),
        }
    }

    pub fn minus(&self, other: &IntervalSet, width: u8) -> IntervalSet {
        self.intersect(&other.complement(width))
    }

    /// `{ (v + k) mod 2^width : v ∈ self }`.
    pub fn shift(&self, k: u64, width: u8) -> IntervalSet {
        let max = max_of(width);
        let k = k & max;
        if k == 0 {
            return self.clone();
        }
        let mut out = Vec::with_capacity(self.ranges.len() + 1);
        for &(a, b) in self.ranges.iter() {
            let a2 = a.wrapping_add(k) & max;
            let b2 = b.wrapping_add(k) & max;
            if a2 <= b2 {
                out.push((a2, b2));
            } else {
                out.push((a2, max));
                out.push((0, b2));
            }
        }
        IntervalSet::from_ranges(out)
    }

    /// `{ (-v) mod 2^width : v ∈ self }`.
    pub fn negate(&self, width: u8) -> IntervalSet {
        let max = max_of(width);
        let mut out = Vec::with_capacity(self.ranges.len() + 1);
        for &(a, b) in self.ranges.iter() {
            let neg = |v: u64| v.wrapping_neg() & max;
            if a == 0 {
                out.push((0, 0));
                if b > 0 {
                    out.push((neg(b), max));
                }
            } else {
                out.push((neg(b), neg(a)));
            }
        }
        IntervalSet::from_ranges(out)
    }

    /// A value of the set that is not in `avoid`, preferring small ones.
    pub fn pick_avoiding(&self, avoid: &[u64]) -> Option<u64> {
        for &(a, b) in self.ranges.iter() {
            let mut v = a;
            loop {
                if !avoid.contains(&v) {
                    return Some(v);
                }
                if v == b {
                    break;
                }
                v += 1;
            }
        }
        None
    }

    /// Writes the set as a constraint on `name`, values printed by `show`.
    pub fn describe(&self, name: &str, width: u8, show: &dyn Fn(u64) -> String) -> String {
        if self.is_empty() {
            return "false".to_string();
        }
        let comp = self.complement(width);
        // A set that misses only a few values reads better as exclusions.
        if comp.ranges.len() < self.ranges.len() && comp.ranges.iter().all(|(a, b)| a == b) {
            let parts: Vec<String> = comp
                .ranges
                .iter()
                .map(|&(a, _)| format!("{name} != {}", show(a)))
                .collect();
            return parts.join(" and ");
        }
        if self.ranges.len() > 2
            && let Some((mask, value)) = self.as_mask(width)
        {
            return format!("{name} & 0x{mask:x} = 0x{value:x}");
        }
        let max = max_of(width);
        let parts: Vec<String> = self
            .ranges
            .iter()
            .take(8)
            .map(|&(a, b)| {
                if a == b {
                    format!("{name} = {}", show(a))
                } else if let Some(len) = prefix_len(a, b, width) {
                    format!("{name} in {}/{len}", show(a))
                } else if a == 0 {
                    format!("{name} <= {}", show(b))
                } else if b == max {
                    format!("{name} >= {}", show(a))
                } else {
                    format!("{name} in {}-{}", show(a), show(b))
                }
            })
            .collect();
        let mut s = if parts.len() == 1 {
            parts[0].clone()
        } else {
            format!("({})", parts.join(" or "))
        };
        if self.ranges.len() > 8 {
            s.push_str(&format!(" (+{} more ranges)", self.ranges.len() - 8));
        }
        s
    }
}

impl IntervalSet {
    /// `(mask, value)` when the set is exactly `{ x : x & mask == value }`
    /// (a bit test, as `ip[6:2] & 0x1fff = 0` reads).
    pub fn as_mask(&self, width: u8) -> Option<(u64, u64)> {
        let max = max_of(width);
        let (mut all_and, mut all_or) = (max, 0u64);
        for &(a, b) in self.ranges.iter() {
            // Bits below the highest bit where a and b differ take every
            // value within the range.
            let low = if a == b {
                0
            } else {
                max_of((64 - (a ^ b).leading_zeros()) as u8)
            };
            all_and &= a & !low;
            all_or |= b | low;
        }
        let mask = (all_and | !all_or) & max;
        let free = width as u32 - mask.count_ones();
        (self.size() == 1u128 << free).then_some((mask, all_and))
    }
}

/// The prefix length when `a..=b` is exactly one aligned 32-bit prefix.
fn prefix_len(a: u64, b: u64, width: u8) -> Option<u32> {
    if width != 32 {
        return None;
    }
    let span = b - a + 1;
    if !span.is_power_of_two() || !a.is_multiple_of(span) || span == 1 || span > 1 << 31 {
        return None;
    }
    Some(32 - span.trailing_zeros())
}

impl fmt::Debug for IntervalSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.ranges.iter().map(|(a, b)| format!("{a}..={b}")))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn set_of(width: u8, vals: &[u64]) -> IntervalSet {
        IntervalSet::from_ranges(
            vals.iter()
                .map(|&v| (v & max_of(width), v & max_of(width)))
                .collect(),
        )
    }

    proptest! {
        #[test]
        fn operations_agree_with_sets(a in proptest::collection::vec(0u64..256, 0..20),
                                      b in proptest::collection::vec(0u64..256, 0..20),
                                      k in 0u64..256) {
            let (sa, sb) = (set_of(8, &a), set_of(8, &b));
            for v in 0..256u64 {
                let (ina, inb) = (a.contains(&v), b.contains(&v));
                prop_assert_eq!(sa.contains(v), ina);
                prop_assert_eq!(sa.intersect(&sb).contains(v), ina && inb);
                prop_assert_eq!(sa.union(&sb).contains(v), ina || inb);
                prop_assert_eq!(sa.complement(8).contains(v), !ina);
                prop_assert_eq!(sa.shift(k, 8).contains((v + k) & 255), ina);
                prop_assert_eq!(sa.negate(8).contains(v.wrapping_neg() & 255), ina);
            }
        }
    }

    #[test]
    fn prefixes_and_descriptions() {
        let p = IntervalSet::prefix(0x0a00_0000, 8);
        assert!(p.contains(0x0aff_ffff) && !p.contains(0x0b00_0000));
        let show = |v: u64| format!("{}", std::net::Ipv4Addr::from(v as u32));
        assert_eq!(p.describe("dst", 32, &show), "dst in 10.0.0.0/8");
        let not8 = IntervalSet::point(0x0808_0808).complement(32);
        assert_eq!(not8.describe("dst", 32, &show), "dst != 8.8.8.8");
        assert_eq!(IntervalSet::full(16).size(), 65536);
        assert_eq!(IntervalSet::prefix(0, 0).size(), 1 << 32);
        let first_fragment =
            IntervalSet::from_ranges((0..8u64).map(|k| (k << 13, k << 13)).collect());
        assert_eq!(
            first_fragment.describe("ip.frag", 16, &|v| v.to_string()),
            "ip.frag & 0x1fff = 0x0"
        );
        assert_eq!(
            IntervalSet::prefix(0x0a00_0001, 32),
            IntervalSet::point(0x0a00_0001)
        );
    }
}
