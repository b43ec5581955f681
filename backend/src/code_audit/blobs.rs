//! The object reader of a reconciliation: one long-lived `git cat-file --batch`, pipelined.
//!
//! Requests are written ahead ([`Blobs::prefetch`]) and a reader thread drains git's answers
//! as they come, so git inflates the next files on the other core while the engine diffs the
//! current ones. Answers arrive in request order; whatever was read ahead waits in a small
//! cache by object id (a file's new side in one commit is its old side in the next commit that
//! changes it, so most versions are read once).

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, channel};
use std::thread::JoinHandle;

use super::git::GitError;
use super::lines;

/// An object read: `(id, type, content)`.
type Object = (String, String, Blob);

/// Requests [`Blobs::read_ahead`] keeps open at most.
const READ_AHEAD_REQUESTS: usize = 128;

/// A blob's content, shared between the cache and its readers without copying.
pub type Blob = Arc<Vec<u8>>;

/// One answer of `cat-file --batch`.
enum Answer {
    Found {
        id: String,
        kind: String,
        data: Blob,
    },
    Missing,
}

/// A long-lived, pipelined `git cat-file --batch`.
pub struct Blobs {
    child: Child,
    stdin: Option<std::io::BufWriter<ChildStdin>>,
    answers: Receiver<Result<Answer, String>>,
    reader: Option<JoinHandle<()>>,
    /// Requests written and not answered yet, oldest first.
    inflight: VecDeque<String>,
    requested: HashSet<String>,
    cache: BlobCache,
    /// Lines of every blob read by id (`None`: binary), kept after the blob leaves the cache.
    line_counts: HashMap<String, Option<u64>>,
    /// Bytes of answers read from git and not taken off the queue yet.
    waiting_bytes: Arc<AtomicUsize>,
    /// Bytes of blob content read from git so far (for throughput figures).
    pub bytes_read: u64,
}

impl Blobs {
    /// Takes over a spawned `git cat-file --batch` (stdin and stdout piped).
    pub(super) fn start(mut child: Child) -> Result<Self, GitError> {
        let stdin = child
            .stdin
            .take()
            .ok_or_else(|| GitError::Parse("no stdin".into()))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| GitError::Parse("no stdout".into()))?;
        let (tx, answers) = channel();
        let waiting_bytes = Arc::new(AtomicUsize::new(0));
        let waiting = Arc::clone(&waiting_bytes);
        let reader = std::thread::Builder::new()
            .name("cat-file-reader".into())
            .spawn(move || {
                let mut out = BufReader::with_capacity(1 << 16, stdout);
                loop {
                    match read_answer(&mut out) {
                        Ok(Some(a)) => {
                            if let Answer::Found { data, .. } = &a {
                                waiting.fetch_add(data.len(), Ordering::Relaxed);
                            }
                            if tx.send(Ok(a)).is_err() {
                                return;
                            }
                        }
                        Ok(None) => return,
                        Err(e) => {
                            let _ = tx.send(Err(e));
                            return;
                        }
                    }
                }
            })?;
        Ok(Self {
            child,
            stdin: Some(std::io::BufWriter::new(stdin)),
            answers,
            reader: Some(reader),
            inflight: VecDeque::new(),
            requested: HashSet::new(),
            cache: BlobCache::default(),
            line_counts: HashMap::new(),
            waiting_bytes,
            bytes_read: 0,
        })
    }

    /// Asks git for these objects now (full ids only; the ones cached or asked for already are
    /// skipped), without waiting for them.
    pub fn prefetch<'a>(&mut self, ids: impl IntoIterator<Item = &'a str>) -> Result<(), GitError> {
        let mut wrote = false;
        for id in ids {
            if is_object_id(id) && !self.cache.has(id) && !self.requested.contains(id) {
                self.request(id)?;
                wrote = true;
            }
        }
        if wrote {
            self.flush()?;
        }
        Ok(())
    }

    /// Asks git for these objects (any object names) now, without waiting; read them back in
    /// the same order with [`Blobs::commit`] or [`Blobs::get`].
    pub fn prefetch_specs<'a>(
        &mut self,
        specs: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), GitError> {
        let mut wrote = false;
        for spec in specs {
            if !spec.is_empty()
                && !spec.contains('\n')
                && !spec.starts_with('-')
                && !self.requested.contains(spec)
            {
                self.request(spec)?;
                wrote = true;
            }
        }
        if wrote {
            self.flush()?;
        }
        Ok(())
    }

    /// Reads a blob by id or `<commit>:<path>`; `None` when it does not exist or is no blob.
    pub fn get(&mut self, spec: &str) -> Result<Option<Blob>, GitError> {
        if let Some(data) = self.cache.get(spec) {
            return Ok(Some(data));
        }
        Ok(self
            .object(spec)?
            .and_then(|(_, kind, data)| (kind == "blob").then_some(data)))
    }

    /// The lines of a blob (0 when it is binary or missing), remembered from when it was read.
    pub fn text_lines(&mut self, id: &str) -> Result<u64, GitError> {
        if let Some(n) = self.line_counts.get(id) {
            return Ok(n.unwrap_or(0));
        }
        Ok(self
            .get(id)?
            .and_then(|data| text_lines(&data))
            .unwrap_or(0))
    }

    /// Whether the lines of this blob are known without reading it again.
    #[must_use]
    pub fn has_line_count(&self, id: &str) -> bool {
        self.line_counts.contains_key(id)
    }

    /// A commit's full id and parents; `None` when there is no such commit.
    pub fn commit(&mut self, rev: &str) -> Result<Option<(String, Vec<String>)>, GitError> {
        if rev.starts_with('-') {
            return Ok(None);
        }
        let Some((id, kind, data)) = self.object(&format!("{rev}^{{commit}}"))? else {
            return Ok(None);
        };
        if kind != "commit" {
            return Ok(None);
        }
        let text = String::from_utf8_lossy(&data);
        let parents = text
            .lines()
            .take_while(|l| !l.is_empty())
            .filter_map(|l| l.strip_prefix("parent "))
            .map(str::to_owned)
            .collect();
        Ok(Some((id, parents)))
    }

    fn request(&mut self, spec: &str) -> Result<(), GitError> {
        let stdin = self
            .stdin
            .as_mut()
            .ok_or_else(|| GitError::Parse("cat-file closed".into()))?;
        stdin.write_all(spec.as_bytes())?;
        stdin.write_all(b"\n")?;
        self.inflight.push_back(spec.to_owned());
        self.requested.insert(spec.to_owned());
        Ok(())
    }

    fn flush(&mut self) -> Result<(), GitError> {
        if let Some(stdin) = self.stdin.as_mut() {
            stdin.flush()?;
        }
        Ok(())
    }

    /// Asks git ahead for blobs the caller expects to need soon, as far as a budget allows:
    /// answers already read are moved to the cache first, and nothing more is asked while many
    /// requests are open or the answers not taken yet hold a quarter of the cache's budget.
    /// With `within_room`, nothing is asked either once the cache is half full (for a warm-up
    /// that must not push out what was read for the work at hand). Returns whether everything
    /// was asked for.
    pub fn read_ahead<'a>(
        &mut self,
        ids: impl IntoIterator<Item = &'a str>,
        within_room: bool,
    ) -> Result<bool, GitError> {
        while let Ok(answer) = self.answers.try_recv() {
            self.take(answer)?;
        }
        let mut all = true;
        let mut wrote = false;
        for id in ids {
            if !is_object_id(id) || self.cache.has(id) || self.requested.contains(id) {
                continue;
            }
            let waiting = self.waiting_bytes.load(Ordering::Relaxed);
            if self.inflight.len() >= READ_AHEAD_REQUESTS
                || waiting >= BlobCache::BUDGET / 4
                || (within_room && self.cache.bytes + waiting >= BlobCache::BUDGET / 2)
            {
                all = false;
                break;
            }
            self.request(id)?;
            wrote = true;
        }
        if wrote {
            self.flush()?;
        }
        Ok(all)
    }

    /// Takes one answer off the queue: the request it answers and what was found (blobs read by
    /// id are kept in the cache).
    fn take(
        &mut self,
        answer: Result<Answer, String>,
    ) -> Result<(String, Option<Object>), GitError> {
        let answer = answer.map_err(GitError::Parse)?;
        let asked = self
            .inflight
            .pop_front()
            .ok_or_else(|| GitError::Parse("cat-file answered nothing asked".into()))?;
        self.requested.remove(&asked);
        let found = match answer {
            Answer::Found { id, kind, data } => {
                self.waiting_bytes.fetch_sub(data.len(), Ordering::Relaxed);
                if kind == "blob" {
                    self.bytes_read += data.len() as u64;
                }
                Some((id, kind, data))
            }
            Answer::Missing => None,
        };
        // Every blob read by id is kept: a file's new side in one commit is its old side in the
        // next commit that changes it.
        if let Some((_, kind, data)) = &found
            && kind == "blob"
            && is_object_id(&asked)
        {
            self.line_counts
                .entry(asked.clone())
                .or_insert_with(|| text_lines(data));
            self.cache.put(&asked, data);
        }
        Ok((asked, found))
    }

    /// Reads any object: `(id, type, content)`. Answers to earlier requests that arrive first
    /// are kept in the cache.
    fn object(&mut self, spec: &str) -> Result<Option<Object>, GitError> {
        if spec.contains('\n') || spec.is_empty() {
            return Ok(None);
        }
        if !self.requested.contains(spec) {
            self.request(spec)?;
        }
        self.flush()?;
        loop {
            let answer = self
                .answers
                .recv()
                .map_err(|_| GitError::Parse("cat-file ended early".into()))?;
            let (asked, found) = self.take(answer)?;
            if asked == spec {
                return Ok(found);
            }
        }
    }
}

/// One answer from git's stdout; `None` at the end.
fn read_answer(out: &mut impl BufRead) -> Result<Option<Answer>, String> {
    let mut header = String::new();
    if out.read_line(&mut header).map_err(|e| e.to_string())? == 0 {
        return Ok(None);
    }
    let header = header.trim_end();
    if header.ends_with(" missing") || header.ends_with(" ambiguous") {
        return Ok(Some(Answer::Missing));
    }
    let mut f = header.split(' ');
    let (id, kind, size) = (f.next(), f.next(), f.next().and_then(|s| s.parse().ok()));
    let (Some(id), Some(kind), Some(size)) = (id, kind, size) else {
        return Err(format!("cat-file header {header:?}"));
    };
    let size: usize = size;
    let mut data = vec![0; size + 1];
    out.read_exact(&mut data).map_err(|e| e.to_string())?;
    data.truncate(size);
    Ok(Some(Answer::Found {
        id: id.to_owned(),
        kind: kind.to_owned(),
        data: Arc::new(data),
    }))
}

impl Drop for Blobs {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
    }
}

/// Blobs read recently, by id, within a byte budget (oldest out first).
#[derive(Default)]
struct BlobCache {
    blobs: HashMap<String, Blob>,
    order: VecDeque<String>,
    bytes: usize,
}

impl BlobCache {
    /// Bytes kept at most.
    const BUDGET: usize = 64 << 20;

    fn has(&self, id: &str) -> bool {
        self.blobs.contains_key(id)
    }

    fn get(&self, id: &str) -> Option<Blob> {
        self.blobs.get(id).cloned()
    }

    fn put(&mut self, id: &str, data: &Blob) {
        if data.len() > Self::BUDGET / 4 || self.blobs.contains_key(id) {
            return;
        }
        while self.bytes + data.len() > Self::BUDGET {
            let Some(old) = self.order.pop_front() else {
                break;
            };
            if let Some(b) = self.blobs.remove(&old) {
                self.bytes -= b.len();
            }
        }
        self.bytes += data.len();
        self.order.push_back(id.to_owned());
        self.blobs.insert(id.to_owned(), Arc::clone(data));
    }
}

/// Lines of a text blob as `git diff --numstat` counts them; `None` for a binary one.
fn text_lines(data: &[u8]) -> Option<u64> {
    (!lines::is_binary(data)).then(|| lines::count(data) as u64)
}

/// Whether `spec` is a full object id (immutable content, safe to cache).
fn is_object_id(spec: &str) -> bool {
    spec.len() == 40 && spec.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_answers_and_misses_in_order() {
        let text = b"abc blob 3\nxyz\nnope missing\ndef blob 0\n\n";
        let mut r = &text[..];
        let Some(Answer::Found { id, kind, data }) = read_answer(&mut r).expect("reads") else {
            panic!("first answer is a blob");
        };
        assert_eq!(
            (id.as_str(), kind.as_str(), data.as_slice()),
            ("abc", "blob", &b"xyz"[..])
        );
        assert!(matches!(read_answer(&mut r), Ok(Some(Answer::Missing))));
        assert!(matches!(
            read_answer(&mut r),
            Ok(Some(Answer::Found { .. }))
        ));
        assert!(matches!(read_answer(&mut r), Ok(None)));
    }

    /// A real `git cat-file`: blobs asked for ahead come back whole and in any order, a missing
    /// one does not disturb the others, and no more than the budget of requests is left open.
    #[test]
    fn reads_ahead_within_its_budget() {
        let dir = tempfile::tempdir().expect("tempdir");
        let git = |args: &[&str], input: Option<&str>| -> String {
            let mut c = std::process::Command::new("git")
                .args(args)
                .current_dir(dir.path())
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("git runs");
            if let (Some(i), Some(mut stdin)) = (input, c.stdin.take()) {
                stdin.write_all(i.as_bytes()).expect("stdin");
            }
            let out = c.wait_with_output().expect("git runs");
            assert!(out.status.success(), "git {args:?}");
            String::from_utf8_lossy(&out.stdout).trim().to_owned()
        };
        git(&["init", "-q"], None);
        let texts: Vec<String> = (0..READ_AHEAD_REQUESTS + 20)
            .map(|i| format!("blob {i}\n").repeat(i % 7 + 1))
            .collect();
        let ids: Vec<String> = texts
            .iter()
            .map(|t| git(&["hash-object", "-w", "--stdin"], Some(t)))
            .collect();
        let repo = crate::code_audit::git::Repo::new(dir.path(), Vec::new());
        let mut blobs = repo.blobs().expect("cat-file");
        let missing = "0123456789012345678901234567890123456789";
        assert!(
            blobs
                .read_ahead([missing, ids[0].as_str()], true)
                .expect("asks")
        );
        let all = blobs
            .read_ahead(ids.iter().map(String::as_str), false)
            .expect("asks");
        assert!(!all, "more than the budget of requests was asked for");
        assert!(blobs.inflight.len() <= READ_AHEAD_REQUESTS);
        for (id, text) in ids.iter().zip(&texts).rev() {
            let data = blobs.get(id).expect("reads").expect("exists");
            assert_eq!(data.as_slice(), text.as_bytes());
            assert_eq!(
                blobs.text_lines(id).expect("counts"),
                (text.len() / text.lines().next().map_or(1, |l| l.len() + 1)) as u64
            );
        }
        assert!(blobs.get(missing).expect("reads").is_none());

        // A full cache stops a warm-up, not the read-ahead of the work at hand.
        let mut blobs = repo.blobs().expect("cat-file");
        let big = Arc::new(vec![b'x'; BlobCache::BUDGET / 8]);
        for i in 0..5 {
            blobs.cache.put(&format!("{i:040}"), &big);
        }
        assert!(!blobs.read_ahead([ids[1].as_str()], true).expect("asks"));
        assert!(blobs.inflight.is_empty());
        assert!(blobs.read_ahead([ids[1].as_str()], false).expect("asks"));
        assert_eq!(
            blobs
                .get(&ids[1])
                .expect("reads")
                .expect("exists")
                .as_slice(),
            texts[1].as_bytes()
        );
    }

    #[test]
    fn the_cache_keeps_within_its_budget() {
        let mut c = BlobCache::default();
        let big = Arc::new(vec![0u8; BlobCache::BUDGET / 4]);
        for i in 0..6 {
            c.put(&format!("{i:040}"), &big);
        }
        assert!(c.bytes <= BlobCache::BUDGET);
        assert!(!c.has(&format!("{:040}", 0)));
        assert!(c.has(&format!("{:040}", 5)));
    }
}
