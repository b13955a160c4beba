//! Byte-level helpers shared by the header views.
//!
//! Key decision: fixed-offset fields are read with plain indexing, because
//! every view's `new_checked` has proved the fixed header is present; every
//! offset computed from packet bytes goes through `get`, so even a view made
//! with `new_unchecked` over a short buffer cannot be steered out of bounds
//! by a length field.

use core::ops::{Range, RangeFrom};

/// A fixed-size field: its byte range within the header.
pub type Field = Range<usize>;
/// Everything from an offset to the end of the buffer.
pub type Rest = RangeFrom<usize>;

#[inline]
pub(crate) fn read_u16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

#[inline]
pub(crate) fn read_u32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

#[inline]
pub(crate) fn write_u16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_be_bytes());
}

#[inline]
pub(crate) fn write_u32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

/// `b[start..end]`, or an empty slice when the range does not fit.
#[inline]
pub(crate) fn slice(b: &[u8], start: usize, end: usize) -> &[u8] {
    b.get(start..end).unwrap_or(&[])
}

/// `b[start..end]` writable, or an empty slice when the range does not fit.
#[inline]
pub(crate) fn slice_mut(b: &mut [u8], start: usize, end: usize) -> &mut [u8] {
    match b.get_mut(start..end) {
        Some(s) => s,
        None => &mut [],
    }
}
