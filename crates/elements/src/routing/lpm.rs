//! Longest-prefix match in a multibit trie with fixed strides and leaf
//! pushing: DIR-24-8 (Gupta, Lin and McKeown) when the first stride is 24
//! bits, DIR-16-8-8 when it is 16. Every later level has 8-bit strides.
//!
//! Key decision: a lookup is one array read per level (two for DIR-24-8,
//! at most three for DIR-16-8-8) with no branch on the table's contents
//! but "is this a pointer to a deeper group"; all the work happens when a
//! route changes. Each cell holds a next-hop index (or a group pointer)
//! and, in a parallel array read only by updates, the prefix length that
//! put it there, so adding and removing a route rewrites only the cells
//! that route owns (as DPDK's `rte_lpm` and Click's `DirectIPLookup` do).
//! Hop 0 stands for the default route: a zero-filled table already sends
//! everything to it, so `0.0.0.0/0` changes no cell.

/// A cell type: `u16` (DIR-24-8, as Click's `DirectIPLookup`) or `u32`.
pub trait Cell: Copy + Eq + Default + std::fmt::Debug + Send + 'static {
    /// The flag marking a pointer to a deeper group.
    const CHILD: u32;
    fn get(self) -> u32;
    fn make(v: u32) -> Self;
}

impl Cell for u16 {
    const CHILD: u32 = 0x8000;
    #[inline(always)]
    fn get(self) -> u32 {
        u32::from(self)
    }
    #[inline(always)]
    fn make(v: u32) -> u16 {
        v as u16
    }
}

impl Cell for u32 {
    const CHILD: u32 = 0x8000_0000;
    #[inline(always)]
    fn get(self) -> u32 {
        self
    }
    #[inline(always)]
    fn make(v: u32) -> u32 {
        v
    }
}

/// Group size of the levels after the first.
const GROUP: usize = 256;

/// Which cells a paint overwrites.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cond {
    /// Cells of prefix length up to the new route's (adding a route).
    AtMost,
    /// Cells of exactly the route's length (replacing or removing it).
    Exactly,
}

/// The trie. Hop indices must stay below `C::CHILD`.
pub struct Trie<C: Cell> {
    first: u32,
    root: Vec<C>,
    root_len: Vec<u8>,
    sub: Vec<C>,
    sub_len: Vec<u8>,
    free_groups: Vec<u32>,
    groups_used: usize,
}

/// The table is full (too many groups for the cell type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Full;

impl<C: Cell> Trie<C> {
    /// A trie whose first level resolves `first` bits (16 or 24).
    pub fn new(first: u32) -> Trie<C> {
        debug_assert!((8..=24).contains(&first) && first.is_multiple_of(8));
        Trie {
            first,
            // Zeroed allocations: pages the routes never touch stay unmapped.
            root: vec![C::default(); 1 << first],
            root_len: vec![0; 1 << first],
            sub: Vec::new(),
            sub_len: Vec::new(),
            free_groups: Vec::new(),
            groups_used: 0,
        }
    }

    /// Largest hop index a cell can hold.
    pub fn max_hop() -> u32 {
        C::CHILD - 1
    }

    /// The hop index for `dst` (0: the default route).
    #[inline(always)]
    pub fn lookup(&self, dst: u32) -> u32 {
        let mut shift = 32 - self.first;
        let mut v = match self.root.get((dst >> shift) as usize) {
            Some(c) => c.get(),
            None => return 0,
        };
        while v & C::CHILD != 0 && shift > 0 {
            shift -= 8;
            let at = ((v & !C::CHILD) as usize) * GROUP + ((dst >> shift) & 0xff) as usize;
            v = match self.sub.get(at) {
                Some(c) => c.get(),
                None => return 0,
            };
        }
        v
    }

    /// Groups in use (memory: 256 cells each beyond the first level).
    pub fn groups(&self) -> usize {
        self.groups_used
    }

    /// Routes `prefix/len` (len ≥ 1) to `hop` wherever no longer route
    /// does.
    pub fn insert(&mut self, prefix: u32, len: u8, hop: u32) -> Result<(), Full> {
        debug_assert!((1..=32).contains(&len) && hop < C::CHILD);
        // Make sure the groups a long prefix needs exist before changing
        // anything, so a full table leaves the trie as it was.
        self.reserve(prefix, len)?;
        self.paint(prefix, len, Cond::AtMost, hop, len);
        Ok(())
    }

    /// Gives the cells `prefix/len` owns to `hop`, `hop_len` (the route's
    /// new next hop, or the next shorter route covering it when removing;
    /// `0, 0` for the default route).
    pub fn replace(&mut self, prefix: u32, len: u8, hop: u32, hop_len: u8) {
        debug_assert!((1..=32).contains(&len) && hop < C::CHILD && hop_len <= len);
        self.paint(prefix, len, Cond::Exactly, hop, hop_len);
    }

    /// Empties the trie.
    pub fn clear(&mut self) {
        *self = Trie::new(self.first);
    }

    fn groups_needed(&self, prefix: u32, len: u8) -> usize {
        let mut need = 0;
        let mut end = self.first;
        let mut shift = 32 - self.first;
        let mut v = self.root[(prefix >> shift) as usize].get();
        while u32::from(len) > end {
            if v & C::CHILD == 0 {
                // Every deeper level needs a new group.
                need += ((u32::from(len) - end) as usize).div_ceil(8);
                break;
            }
            shift -= 8;
            end += 8;
            v = self.sub[((v & !C::CHILD) as usize) * GROUP + ((prefix >> shift) & 0xff) as usize]
                .get();
        }
        need
    }

    fn reserve(&mut self, prefix: u32, len: u8) -> Result<(), Full> {
        let need = self.groups_needed(prefix, len);
        let total_groups = self.sub.len() / GROUP;
        let new = need.saturating_sub(self.free_groups.len());
        if total_groups + new > (C::CHILD as usize) {
            return Err(Full);
        }
        Ok(())
    }

    fn alloc_group(&mut self, fill: u32, fill_len: u8) -> u32 {
        self.groups_used += 1;
        let g = match self.free_groups.pop() {
            Some(g) => g,
            None => {
                let g = (self.sub.len() / GROUP) as u32;
                self.sub.resize(self.sub.len() + GROUP, C::default());
                self.sub_len.resize(self.sub_len.len() + GROUP, 0);
                g
            }
        };
        let at = g as usize * GROUP;
        self.sub[at..at + GROUP].fill(C::make(fill));
        self.sub_len[at..at + GROUP].fill(fill_len);
        g
    }

    /// Paints the cells of `prefix/len` that satisfy `cond`.
    fn paint(&mut self, prefix: u32, len: u8, cond: Cond, hop: u32, hop_len: u8) {
        let shift = 32 - self.first;
        let len32 = u32::from(len);
        if len32 <= self.first {
            let lo = (prefix >> shift) as usize;
            let n = 1usize << (self.first - len32);
            for i in lo..lo + n {
                let v = self.root[i].get();
                if v & C::CHILD != 0 {
                    let g = v & !C::CHILD;
                    self.paint_group(g, shift - 8, prefix, len, cond, hop, hop_len, true);
                    self.collapse_root(i, g);
                } else if matches_cond(self.root_len[i], len, cond) {
                    self.root[i] = C::make(hop);
                    self.root_len[i] = hop_len;
                }
            }
        } else {
            let i = (prefix >> shift) as usize;
            let v = self.root[i].get();
            let g = if v & C::CHILD != 0 {
                v & !C::CHILD
            } else if cond == Cond::AtMost {
                let g = self.alloc_group(v, self.root_len[i]);
                self.root[i] = C::make(C::CHILD | g);
                g
            } else {
                return;
            };
            self.paint_group(g, shift - 8, prefix, len, cond, hop, hop_len, false);
            self.collapse_root(i, g);
        }
    }

    /// Paints within group `g`, whose cells resolve the 8 bits above
    /// `shift`; `whole` paints every cell (the prefix covers the group).
    #[allow(clippy::too_many_arguments)]
    fn paint_group(
        &mut self,
        g: u32,
        shift: u32,
        prefix: u32,
        len: u8,
        cond: Cond,
        hop: u32,
        hop_len: u8,
        whole: bool,
    ) {
        let base = g as usize * GROUP;
        let end_bits = 32 - shift;
        let len32 = u32::from(len);
        let (lo, n) = if whole {
            (0, GROUP)
        } else if len32 <= end_bits {
            (
                ((prefix >> shift) & 0xff) as usize,
                1usize << (end_bits - len32),
            )
        } else {
            let i = base + ((prefix >> shift) & 0xff) as usize;
            let v = self.sub[i].get();
            let child = if v & C::CHILD != 0 {
                v & !C::CHILD
            } else if cond == Cond::AtMost {
                let fill_len = self.sub_len[i];
                let c = self.alloc_group(v, fill_len);
                self.sub[i] = C::make(C::CHILD | c);
                c
            } else {
                return;
            };
            self.paint_group(child, shift - 8, prefix, len, cond, hop, hop_len, false);
            self.collapse_sub(i, child, end_bits);
            return;
        };
        for i in base + lo..base + lo + n {
            let v = self.sub[i].get();
            if v & C::CHILD != 0 {
                let child = v & !C::CHILD;
                self.paint_group(child, shift - 8, prefix, len, cond, hop, hop_len, true);
                self.collapse_sub(i, child, end_bits);
            } else if matches_cond(self.sub_len[i], len, cond) {
                self.sub[i] = C::make(hop);
                self.sub_len[i] = hop_len;
            }
        }
    }

    /// If group `g` holds one hop of a length its parent level can hold,
    /// frees it and returns that cell.
    fn uniform(&self, g: u32, parent_bits: u32) -> Option<(u32, u8)> {
        let base = g as usize * GROUP;
        let v = self.sub[base];
        let l = self.sub_len[base];
        if v.get() & C::CHILD != 0 || u32::from(l) > parent_bits {
            return None;
        }
        let same = self.sub[base..base + GROUP].iter().all(|&c| c == v)
            && self.sub_len[base..base + GROUP].iter().all(|&x| x == l);
        same.then_some((v.get(), l))
    }

    fn collapse_root(&mut self, i: usize, g: u32) {
        if let Some((v, l)) = self.uniform(g, self.first) {
            self.root[i] = C::make(v);
            self.root_len[i] = l;
            self.free_groups.push(g);
            self.groups_used -= 1;
        }
    }

    fn collapse_sub(&mut self, i: usize, g: u32, parent_bits: u32) {
        if let Some((v, l)) = self.uniform(g, parent_bits) {
            self.sub[i] = C::make(v);
            self.sub_len[i] = l;
            self.free_groups.push(g);
            self.groups_used -= 1;
        }
    }
}

#[inline]
fn matches_cond(cell_len: u8, len: u8, cond: Cond) -> bool {
    match cond {
        Cond::AtMost => cell_len <= len,
        Cond::Exactly => cell_len == len,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference: the longest matching prefix by linear search.
    fn naive(routes: &[(u32, u8, u32)], dst: u32) -> u32 {
        let mut best: Option<(u8, u32)> = None;
        for &(p, l, h) in routes {
            let m = if l == 0 { 0 } else { u32::MAX << (32 - l) };
            if dst & m == p && best.is_none_or(|(bl, _)| l > bl) {
                best = Some((l, h));
            }
        }
        best.map_or(0, |(_, h)| h)
    }

    fn mask(p: u32, l: u8) -> u32 {
        if l == 0 {
            0
        } else {
            p & (u32::MAX << (32 - l))
        }
    }

    /// Removes `routes[k]` from `t` as the route table does.
    fn remove<C: Cell>(t: &mut Trie<C>, routes: &mut Vec<(u32, u8, u32)>, k: usize) {
        let (p, l, _) = routes.remove(k);
        let cover = routes
            .iter()
            .filter(|&&(q, m, _)| m < l && mask(p, m) == q)
            .max_by_key(|r| r.1)
            .map_or((0, 0), |&(_, m, h)| (h, m));
        t.replace(p, l, cover.0, cover.1);
    }

    fn random_routes(seed: u64, n: usize) -> Vec<(u32, u8, u32)> {
        let mut x = seed;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut routes: Vec<(u32, u8, u32)> = Vec::new();
        while routes.len() < n {
            let r = next();
            // Cluster addresses so that prefixes nest.
            let addr = (r as u32 & 0x0f0f_ffff) | 0x0a00_0000;
            let len = [8u8, 12, 16, 20, 23, 24, 25, 27, 28, 30, 31, 32][(r >> 40) as usize % 12];
            let p = mask(addr, len);
            if routes.iter().any(|&(q, m, _)| q == p && m == len) {
                continue;
            }
            routes.push((p, len, 1 + (r >> 50) as u32 % 100));
        }
        routes
    }

    fn check<C: Cell>(first: u32) {
        for seed in 1..6u64 {
            let mut t = Trie::<C>::new(first);
            let mut routes = random_routes(seed * 7919, 300);
            for &(p, l, h) in &routes {
                t.insert(p, l, h).unwrap();
            }
            let probe = |t: &Trie<C>, routes: &[(u32, u8, u32)]| {
                for &(p, l, _) in routes {
                    for d in [p, p | (u32::MAX >> l.min(31)), p ^ 1, p.wrapping_add(256)] {
                        assert_eq!(t.lookup(d), naive(routes, d), "{d:#x}");
                    }
                }
            };
            probe(&t, &routes);
            // Remove half, in an order unrelated to insertion.
            for k in (0..150).map(|i| (i * 37) % (300 - i)) {
                remove(&mut t, &mut routes, k);
            }
            probe(&t, &routes);
            for k in (0..routes.len()).rev() {
                remove(&mut t, &mut routes, k);
            }
            assert_eq!(t.groups(), 0, "every group collapsed");
            assert_eq!(t.lookup(0x0a01_0203), 0);
        }
    }

    #[test]
    fn dir_24_8_agrees_with_linear_search() {
        check::<u16>(24);
    }

    #[test]
    fn dir_16_8_8_agrees_with_linear_search() {
        check::<u32>(16);
    }

    #[test]
    fn replace_changes_only_the_routes_cells() {
        let mut t = Trie::<u32>::new(16);
        t.insert(0x0a00_0000, 8, 1).unwrap();
        t.insert(0x0a01_0000, 16, 2).unwrap();
        t.insert(0x0a01_0280, 25, 3).unwrap();
        t.replace(0x0a00_0000, 8, 7, 8);
        assert_eq!(t.lookup(0x0a02_0000), 7);
        assert_eq!(t.lookup(0x0a01_0000), 2);
        assert_eq!(t.lookup(0x0a01_0281), 3);
        t.replace(0x0a01_0280, 25, 2, 16);
        assert_eq!(t.lookup(0x0a01_0281), 2);
        assert_eq!(t.groups(), 0);
    }

    #[test]
    fn full_table_is_an_error_and_changes_nothing() {
        let mut t = Trie::<u16>::new(24);
        // Each /32 in a different /24 needs its own group: 32768 fit.
        let mut n = 0u32;
        while t.insert(n << 8, 32, 1).is_ok() {
            n += 1;
        }
        assert_eq!(t.insert(n << 8, 32, 1), Err(Full));
        assert_eq!(n, 0x8000);
        assert_eq!(t.lookup(n << 8), 0);
        assert_eq!(t.lookup((n - 1) << 8), 1);
    }
}
