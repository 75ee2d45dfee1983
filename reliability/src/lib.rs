//! Shared pieces of herald's reliability tests: the workload (a replica of per-key steps that
//! records every ordering violation and counts every application), connections to the real
//! services, broker restarts, and the test service the crash test runs and kills.

pub mod backends;
pub mod services;
pub mod workload;
