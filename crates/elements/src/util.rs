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
