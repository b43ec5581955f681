//! Free disk space under a directory, behind a trait so tests can drive the storage thresholds
//! without filling a disk, and the thresholds themselves.

use std::path::Path;

use super::model::Status;

/// Answers how many bytes an unprivileged writer can still use under a path.
pub trait DiskProbe: Send + Sync {
    fn available_bytes(&self, path: &Path) -> std::io::Result<u64>;
}

/// The real probe: `statvfs` of the file system holding `path`.
#[derive(Debug, Default, Clone, Copy)]
pub struct StatvfsProbe;

impl DiskProbe for StatvfsProbe {
    fn available_bytes(&self, path: &Path) -> std::io::Result<u64> {
        fs4::available_space(path)
    }
}

/// A probe that reports a fixed number of bytes (tests, and rehearsing a full disk).
#[derive(Debug, Clone, Copy)]
pub struct FixedProbe(pub u64);

impl DiskProbe for FixedProbe {
    fn available_bytes(&self, _path: &Path) -> std::io::Result<u64> {
        Ok(self.0)
    }
}

/// The status for `free` bytes: down below `down_under`, degraded below `degraded_under`.
#[must_use]
pub fn classify(free: u64, degraded_under: u64, down_under: u64) -> Status {
    if free < down_under {
        Status::Down
    } else if free < degraded_under {
        Status::Degraded
    } else {
        Status::Ok
    }
}

/// Bytes as people read them (`1.5 GiB`).
#[must_use]
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds() {
        assert_eq!(classify(2000, 1000, 100), Status::Ok);
        assert_eq!(classify(1000, 1000, 100), Status::Ok);
        assert_eq!(classify(999, 1000, 100), Status::Degraded);
        assert_eq!(classify(99, 1000, 100), Status::Down);
    }

    #[test]
    fn human_sizes() {
        assert_eq!(human(512), "512 B");
        assert_eq!(human(1536), "1.5 KiB");
        assert_eq!(human(3 * 1024 * 1024 * 1024), "3.0 GiB");
    }

    #[test]
    fn the_real_probe_answers_for_a_temp_dir() {
        let dir = tempfile::tempdir().expect("tempdir");
        let free = StatvfsProbe.available_bytes(dir.path()).expect("statvfs");
        assert!(free > 0);
    }
}
