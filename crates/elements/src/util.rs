//! Small helpers shared by elements: handler value parsing and the like.

use clickconf::args::{Arg, ArgError, ArgValue};
use engine::{ConfigError, HandlerError};

/// A configuration error located at argument `arg` (so the message points
/// at it with file:line:col).
pub fn arg_error(arg: &Arg, message: impl Into<String>) -> ConfigError {
    ConfigError::Arg(ArgError {
        offset: arg.offset,
        len: arg.len,
        message: message.into(),
    })
}

/// Parses a handler write's value with the argument grammar of `T`.
pub fn parse_handler_value<T: ArgValue>(name: &str, value: &str) -> Result<T, HandlerError> {
    T::parse_arg(value.trim()).map_err(|e| HandlerError::BadValue(format!("{name}: {}", e.message)))
}

/// Parses a boolean written to an `active` handler.
pub fn parse_active(value: &str) -> Result<bool, HandlerError> {
    parse_handler_value("active", value)
}

/// A hash for tables keyed by one integer (an IPv4 address, a port) that
/// packets look up: one multiply, where SipHash costs more than the rest
/// of the lookup. The seed is random per table, so a sender cannot choose
/// keys that collide everywhere.
#[derive(Clone, Copy, Debug)]
pub struct IntHashBuilder(u64);

impl Default for IntHashBuilder {
    fn default() -> IntHashBuilder {
        use std::hash::BuildHasher;
        IntHashBuilder(std::collections::hash_map::RandomState::new().hash_one(0u64) | 1)
    }
}

impl std::hash::BuildHasher for IntHashBuilder {
    type Hasher = IntHasher;
    fn build_hasher(&self) -> IntHasher {
        IntHasher(self.0)
    }
}

/// The hasher of [`IntHashBuilder`].
#[derive(Clone, Copy, Debug)]
pub struct IntHasher(u64);

impl std::hash::Hasher for IntHasher {
    fn finish(&self) -> u64 {
        // A product's high bits depend on every key bit, its low bits only
        // on the low key bits; the table takes its bucket from the low
        // bits, so fold the high ones in.
        self.0 ^ (self.0 >> 32)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u32(&mut self, v: u32) {
        self.write_u64(u64::from(v));
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0 ^ v).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// A map keyed by one integer, with [`IntHashBuilder`].
pub type IntMap<K, V> = std::collections::HashMap<K, V, IntHashBuilder>;
