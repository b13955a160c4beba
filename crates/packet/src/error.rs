//! The one error type of the header views.
//!
//! Key decision: one small `Copy` enum for every protocol, so that an
//! element can turn any header failure into a named drop reason with a
//! single `match`, and no error path allocates.

/// Why a header view or a `Repr` refused a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum HeaderError {
    /// The buffer ends before the header (or a length field) says it does.
    #[error("truncated header")]
    Truncated,
    /// A field holds a value the protocol forbids.
    #[error("malformed header: {0}")]
    Malformed(&'static str),
    /// The checksum does not match the bytes it covers.
    #[error("bad checksum")]
    BadChecksum,
    /// Well formed, but not something this view or `Repr` handles.
    #[error("unsupported: {0}")]
    Unsupported(&'static str),
    /// The buffer given to `emit` is shorter than `buffer_len()`.
    #[error("buffer too short to emit into: need {needed} bytes, have {available}")]
    BufferTooShort { needed: usize, available: usize },
}

/// Fails with [`HeaderError::BufferTooShort`] unless `available >= needed`.
#[inline]
pub(crate) fn ensure_room(available: usize, needed: usize) -> Result<(), HeaderError> {
    if available < needed {
        Err(HeaderError::BufferTooShort { needed, available })
    } else {
        Ok(())
    }
}
