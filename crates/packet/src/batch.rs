//! Batches: up to [`MAX_BATCH`] packets moved and dispatched together.
//!
//! Key decision: a batch is a vector of one-pointer packets whose capacity is
//! reserved once; elements move packets between batches they own, so the
//! per-batch cost of dispatch is paid once and nothing allocates per packet.

use crate::buffer::Packet;

/// The most packets a batch holds.
pub const MAX_BATCH: usize = 256;

/// An ordered group of packets.
#[derive(Debug)]
pub struct PacketBatch {
    packets: Vec<Packet>,
}

impl Default for PacketBatch {
    fn default() -> Self {
        PacketBatch::new()
    }
}

impl PacketBatch {
    /// An empty batch with room for [`MAX_BATCH`] packets.
    pub fn new() -> PacketBatch {
        PacketBatch {
            packets: Vec::with_capacity(MAX_BATCH),
        }
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.packets.len()
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.packets.is_empty()
    }

    /// True when another packet would exceed [`MAX_BATCH`].
    #[inline]
    pub fn is_full(&self) -> bool {
        self.packets.len() >= MAX_BATCH
    }

    /// Appends a packet. A batch may grow past [`MAX_BATCH`] (a Tee fanning
    /// out, say), at the cost of one reallocation the first time.
    #[inline]
    pub fn push(&mut self, packet: Packet) {
        self.packets.push(packet);
    }

    #[inline]
    pub fn pop(&mut self) -> Option<Packet> {
        self.packets.pop()
    }

    /// Removes and returns all packets in order, leaving the batch empty with
    /// its capacity kept.
    #[inline]
    pub fn drain(&mut self) -> std::vec::Drain<'_, Packet> {
        self.packets.drain(..)
    }

    #[inline]
    pub fn iter(&self) -> std::slice::Iter<'_, Packet> {
        self.packets.iter()
    }

    #[inline]
    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, Packet> {
        self.packets.iter_mut()
    }

    #[inline]
    pub fn as_slice(&self) -> &[Packet] {
        &self.packets
    }

    #[inline]
    pub fn as_mut_slice(&mut self) -> &mut [Packet] {
        &mut self.packets
    }

    /// Keeps the packets for which `keep` returns true, in order; the others
    /// are dropped (their buffers go back to the pool).
    #[inline]
    pub fn retain_mut(&mut self, keep: impl FnMut(&mut Packet) -> bool) {
        self.packets.retain_mut(keep);
    }

    /// Moves all of `other`'s packets to the end of this batch.
    #[inline]
    pub fn append(&mut self, other: &mut PacketBatch) {
        if self.packets.is_empty() && self.packets.capacity() <= other.packets.capacity() {
            std::mem::swap(&mut self.packets, &mut other.packets);
        } else {
            self.packets.append(&mut other.packets);
        }
    }

    /// Drops every packet, returning the buffers to the pool in one go.
    #[inline]
    pub fn clear(&mut self) {
        Packet::free_all(&mut self.packets);
    }

    /// Appends `n` new empty packets taken from the pool in one go.
    #[inline]
    pub fn alloc(&mut self, n: usize) {
        Packet::alloc_into(n, &mut self.packets);
    }

    /// [`PacketBatch::alloc`], calling `fill` on each new packet as it is
    /// made (see [`Packet::alloc_into_with`]).
    #[inline]
    pub fn alloc_with(&mut self, n: usize, fill: impl FnMut(&mut Packet)) {
        Packet::alloc_into_with(n, &mut self.packets, fill);
    }

    /// Splits off the packets from `at` on into `rest` (appended).
    pub fn split_off_into(&mut self, at: usize, rest: &mut PacketBatch) {
        if at < self.packets.len() {
            rest.packets.extend(self.packets.drain(at..));
        }
    }
}

impl Extend<Packet> for PacketBatch {
    fn extend<I: IntoIterator<Item = Packet>>(&mut self, iter: I) {
        self.packets.extend(iter);
    }
}

impl<'a> IntoIterator for &'a PacketBatch {
    type Item = &'a Packet;
    type IntoIter = std::slice::Iter<'a, Packet>;
    fn into_iter(self) -> Self::IntoIter {
        self.packets.iter()
    }
}

impl<'a> IntoIterator for &'a mut PacketBatch {
    type Item = &'a mut Packet;
    type IntoIter = std::slice::IterMut<'a, Packet>;
    fn into_iter(self) -> Self::IntoIter {
        self.packets.iter_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn append_keeps_order() {
        let mut a = PacketBatch::new();
        let mut b = PacketBatch::new();
        a.push(Packet::from_slice(&[1]).unwrap());
        b.push(Packet::from_slice(&[2]).unwrap());
        b.push(Packet::from_slice(&[3]).unwrap());
        a.append(&mut b);
        let firsts: Vec<u8> = a.iter().map(|p| p.data()[0]).collect();
        assert_eq!(firsts, [1, 2, 3]);
        assert!(b.is_empty());
        let mut c = PacketBatch::new();
        c.append(&mut a);
        assert_eq!(c.len(), 3);
    }

    #[test]
    fn retain_drops_rejected() {
        let mut a = PacketBatch::new();
        for i in 0..10u8 {
            a.push(Packet::from_slice(&[i]).unwrap());
        }
        a.retain_mut(|p| p.data()[0] % 2 == 0);
        assert_eq!(a.len(), 5);
    }
}
