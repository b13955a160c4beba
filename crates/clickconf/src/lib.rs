//! clickconf
