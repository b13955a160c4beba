//! Packets for Switchyard: pooled buffers, batches, annotations, and
//! zero-copy, length-checked views of the protocol headers middleboxes read
//! and write.
//!
//! Key decision: a packet is one pointer to a buffer that holds its
//! annotations and bytes together; buffers recycle through a per-thread pool
//! so that the data path never allocates once warm.

pub mod anno;
pub mod batch;
pub mod buffer;

pub use anno::{Annotations, PacketType, Timestamp};
pub use batch::{MAX_BATCH, PacketBatch};
pub use buffer::{BUFFER_CAPACITY, BufferError, DEFAULT_HEADROOM, MAX_PACKET_LEN, Packet, prewarm};
