//! Lines of a blob as the engine sees them: split like git (a line ends after `\n`; a last line
//! without one is its own token), hashed per line for move detection and evidence history, and
//! the export's `sha256:` content hash over the LF-joined lines.

use sha2::{Digest, Sha256};

/// Git's own test for binary content: a NUL byte in the first 8000 bytes.
#[must_use]
pub fn is_binary(data: &[u8]) -> bool {
    data[..data.len().min(8000)].contains(&0)
}

/// The lines of `data`, each without its line terminator (`\n`; a `\r` before it is kept).
#[must_use]
pub fn split(data: &[u8]) -> Vec<&[u8]> {
    if data.is_empty() {
        return Vec::new();
    }
    let body = data.strip_suffix(b"\n").unwrap_or(data);
    let mut out = Vec::with_capacity(data.len() / 32 + 1);
    let mut start = 0;
    for nl in memchr::memchr_iter(b'\n', body) {
        out.push(&body[start..nl]);
        start = nl + 1;
    }
    out.push(&body[start..]);
    out
}

/// How many lines `data` has (a last line without `\n` counts).
#[must_use]
pub fn count(data: &[u8]) -> usize {
    if data.is_empty() {
        return 0;
    }
    let newlines = memchr::memchr_iter(b'\n', data).count();
    newlines + usize::from(!data.ends_with(b"\n"))
}

/// A fast 64-bit hash of one line (xxh3), used to find moved blocks and kept as evidence history.
#[must_use]
pub fn line_hash(line: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(line)
}

/// Per-line hashes packed as little-endian `u64`s (the `code_ranges.line_hashes` column).
#[must_use]
pub fn pack_hashes(lines: &[&[u8]]) -> Vec<u8> {
    lines
        .iter()
        .flat_map(|l| line_hash(l).to_le_bytes())
        .collect()
}

/// `sha256:<hex>` over the lines joined with `\n` (Agent Trace's `content_hash`).
#[must_use]
pub fn content_hash(lines: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for (i, l) in lines.iter().enumerate() {
        if i > 0 {
            h.update(b"\n");
        }
        h.update(l);
    }
    format!("sha256:{}", hex::encode(h.finalize()))
}

/// The content hash of lines `start..start + len` (1-based `start`) of `data`, if they exist.
#[must_use]
pub fn content_hash_of(data: &[u8], start: u32, len: u32) -> Option<String> {
    let lines = split(data);
    let from = usize::try_from(start.checked_sub(1)?).ok()?;
    let to = from.checked_add(usize::try_from(len).ok()?)?;
    lines.get(from..to).map(content_hash)
}

/// A blob with the offsets of its lines, for hashing many ranges of one file.
pub struct LineIndex {
    data: std::sync::Arc<Vec<u8>>,
    /// Byte offset where each line starts.
    starts: Vec<usize>,
}

impl LineIndex {
    #[must_use]
    pub fn new(data: impl Into<std::sync::Arc<Vec<u8>>>) -> Self {
        let data = data.into();
        let mut starts = Vec::with_capacity(data.len() / 32 + 1);
        if !data.is_empty() {
            starts.push(0);
        }
        starts.extend(
            memchr::memchr_iter(b'\n', &data)
                .map(|i| i + 1)
                .filter(|i| *i < data.len()),
        );
        Self { data, starts }
    }

    /// The content hash of lines `start..start + len` (1-based `start`), if they exist.
    #[must_use]
    pub fn content_hash(&self, start: u32, len: u32) -> Option<String> {
        let from = usize::try_from(start.checked_sub(1)?).ok()?;
        let to = from.checked_add(usize::try_from(len).ok()?)?;
        if to > self.starts.len() || from >= to {
            return None;
        }
        let block: Vec<&[u8]> = (from..to)
            .map(|i| {
                let a = self.starts[i];
                let b = self.starts.get(i + 1).map_or(self.data.len(), |n| n - 1);
                let line = &self.data[a..b];
                line.strip_suffix(b"\n").unwrap_or(line)
            })
            .collect();
        Some(content_hash(&block))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_git() {
        assert_eq!(split(b""), Vec::<&[u8]>::new());
        assert_eq!(split(b"a\nb\n"), vec![&b"a"[..], b"b"]);
        assert_eq!(split(b"a\nb"), vec![&b"a"[..], b"b"]);
        assert_eq!(split(b"\n"), vec![&b""[..]]);
        assert_eq!(count(b"a\nb"), 2);
        assert_eq!(count(b"a\nb\n"), 2);
        assert_eq!(count(b"\n\n"), 2);
    }

    #[test]
    fn content_hash_is_sha256_of_lf_joined_lines() {
        // `printf 'a\nb' | sha256sum`
        assert_eq!(
            content_hash(&[b"a", b"b"]),
            "sha256:7e18f737311b2dc3b2f269dd78396b0351f14fb66efa879f768cb23181883c78"
        );
        assert_eq!(
            content_hash_of(b"x\na\nb\n", 2, 2),
            Some(content_hash(&[b"a", b"b"]))
        );
        assert_eq!(content_hash_of(b"x\n", 2, 2), None);
        for data in [&b"x\na\nb\n"[..], b"x\na\nb", b"\n\n\n"] {
            let ix = LineIndex::new(data.to_vec());
            for (s, l) in [(1, 1), (2, 2), (1, 3), (3, 1), (3, 2), (0, 1)] {
                assert_eq!(
                    ix.content_hash(s, l),
                    content_hash_of(data, s, l),
                    "{data:?} {s} {l}"
                );
            }
        }
    }

    #[test]
    fn binary_is_a_nul_in_the_head() {
        assert!(is_binary(b"ab\0c"));
        assert!(!is_binary(b"abc\n"));
    }
}
