//! Security defaults: the Host/Origin/token guard in front of every request, and token handling.

pub mod guard;
pub mod token;
