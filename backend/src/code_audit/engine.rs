//! The reconciliation engine: maps attributed line ranges forward along the tracked branch.
//!
//! Pure over a mirror (no storage): it takes the open segments (current, moved, pending, waiting)
//! and the last reconciled commit, walks the tracked branch first-parent from there to its tip,
//! and returns the segments as they stand at the tip. Per commit it diffs only the files that
//! hold attributed lines (plus, when a removed block may have moved, the files the commit
//! changed), so its cost follows the bytes of changed files, not the size of the repository.
//!
//! Rules (fail closed — a gap is acceptable, a wrong attribution is not):
//! - a line outside every hunk shifts and keeps its status; a line inside a hunk becomes
//!   `superseded` (the hunk wrote something in its place) or `deleted` (it did not);
//! - renames are followed; a file that turns binary or stops being a regular file is `unknown`;
//! - a removed block of ≥ 3 lines found again among the lines the same commit added is `moved`;
//! - pending evidence starts being followed at the first tracked commit that contains its origin
//!   commit (ancestry: fast-forward, merge), or at the first tracked commit that contains its lines
//!   unchanged (content: squash, rebase, cherry-pick);
//! - a force-push that drops the last reconciled commit restarts following from the evidence's
//!   origin when it is still on the branch, and makes the lines `unknown` when it is not.

use std::collections::{HashMap, HashSet};

use imara_diff::{Algorithm, Diff, Hunk, InternedInput};

use super::blobs::Blob;
use super::git::{self, Blobs, Change, GitError, Repo};
use super::lines;
use super::status::LineStatus;

/// A run of lines of one evidence range that share a status and a place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Storage id (`None` for a segment split off in this reconciliation).
    pub id: Option<i64>,
    pub evidence_id: String,
    pub range_id: i64,
    /// The range's path and first line at the origin commit.
    pub range_path: String,
    pub range_start: u32,
    /// First line's offset within the range.
    pub offset: u32,
    pub len: u32,
    pub status: LineStatus,
    /// Where the lines are: at the reconciled commit when located, at the origin commit when
    /// pending, and just before the change that removed them otherwise.
    pub path: String,
    /// 1-based.
    pub start: u32,
    /// The commit the place refers to (for located segments: the commit that last moved them).
    pub commit: String,
    pub content_hash: Option<String>,
    /// Changed by this reconciliation (to be written back).
    pub dirty: bool,
}

impl Segment {
    fn origin_start(&self) -> u32 {
        self.range_start + self.offset
    }

    fn piece(&self, offset: u32, len: u32) -> Self {
        Self {
            id: if offset == 0 { self.id } else { None },
            offset: self.offset + offset,
            len,
            start: self.start + offset,
            content_hash: None,
            dirty: true,
            ..self.clone()
        }
    }
}

/// Evidence with open segments.
#[derive(Debug, Clone)]
pub struct Evidence {
    pub id: String,
    pub origin: String,
    /// Already checked for its content at the reconciled commit (squash found before it existed).
    pub content_checked: bool,
}

/// What a reconciliation starts from.
#[derive(Debug, Clone)]
pub struct Input {
    pub last_commit: Option<String>,
    pub loc_total: i64,
    pub tip: String,
    pub evidence: HashMap<String, Evidence>,
    pub segments: Vec<Segment>,
}

/// What it ends with.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub segments: Vec<Segment>,
    /// Evidence whose content was checked at the tip (to remember).
    pub content_checked: Vec<String>,
    pub loc_total: i64,
    pub stats: Stats,
}

/// Figures of one reconciliation.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Stats {
    pub commits: u64,
    pub files_diffed: u64,
    pub blob_bytes: u64,
    /// Bytes of the files diffed (old + new side), the "changed bytes" the cost follows.
    pub changed_bytes: u64,
    pub activated_by_ancestry: u64,
    pub activated_by_content: u64,
    pub moved_lines: u64,
    pub force_pushed: bool,
}

/// Unchanged lines kept around the changed middle when the common ends are cut off, so the
/// indent heuristic can still slide a hunk the way git does.
const TRIM_MARGIN_LINES: usize = 64;

/// The line hunks between two blobs (Myers with git's indent heuristic, as `git diff`/`blame`).
/// The common head and tail (found with one byte comparison each, like git's own trimming) are
/// not interned: the cost follows the changed middle, not the file.
#[must_use]
pub fn hunks(old: &[u8], new: &[u8]) -> Vec<Hunk> {
    let (head_bytes, head_lines, tail_bytes) = common_ends(old, new);
    let input = InternedInput::new(
        &old[head_bytes..old.len() - tail_bytes],
        &new[head_bytes..new.len() - tail_bytes],
    );
    let mut diff = Diff::compute(Algorithm::Myers, &input);
    diff.postprocess_lines(&input);
    let shift = u32::try_from(head_lines).unwrap_or(u32::MAX);
    diff.hunks()
        .map(|h| Hunk {
            before: h.before.start + shift..h.before.end + shift,
            after: h.after.start + shift..h.after.end + shift,
        })
        .collect()
}

/// Identical whole lines at both ends, less a margin: `(head bytes, head lines, tail bytes)`.
fn common_ends(old: &[u8], new: &[u8]) -> (usize, usize, usize) {
    let max = old.len().min(new.len());
    let first_diff = common_prefix(old, new);
    // Whole lines before the first difference (a line only counts with its newline).
    let mut head = memchr::memrchr(b'\n', &old[..first_diff]).map_or(0, |i| i + 1);
    // Keep a margin of unchanged lines before the change.
    for _ in 0..TRIM_MARGIN_LINES {
        if head == 0 {
            break;
        }
        head = memchr::memrchr(b'\n', &old[..head - 1]).map_or(0, |i| i + 1);
    }
    let head_lines = memchr::memchr_iter(b'\n', &old[..head]).count();
    // The common tail, not overlapping the head, starting at a line start in both.
    let room = max - head;
    let same_tail = common_suffix(&old[old.len() - room..], &new[new.len() - room..]);
    let mut tail_start = old.len() - same_tail;
    if tail_start > head && old[tail_start - 1] != b'\n' {
        tail_start =
            memchr::memchr(b'\n', &old[tail_start..]).map_or(old.len(), |i| tail_start + i + 1);
    }
    for _ in 0..TRIM_MARGIN_LINES {
        if tail_start >= old.len() {
            break;
        }
        tail_start =
            memchr::memchr(b'\n', &old[tail_start..]).map_or(old.len(), |i| tail_start + i + 1);
    }
    (head, head_lines, old.len() - tail_start)
}

/// Bytes compared at once by [`common_prefix`] and [`common_suffix`] (slice equality is a
/// `memcmp`, much faster than a byte loop).
const CMP_CHUNK: usize = 256;

/// The length of the common prefix of `a` and `b`.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let max = a.len().min(b.len());
    let mut i = 0;
    while i + CMP_CHUNK <= max && a[i..i + CMP_CHUNK] == b[i..i + CMP_CHUNK] {
        i += CMP_CHUNK;
    }
    i + a[i..max]
        .iter()
        .zip(&b[i..max])
        .position(|(x, y)| x != y)
        .unwrap_or(max - i)
}

/// The length of the common suffix of `a` and `b`.
fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    let max = a.len().min(b.len());
    let (a, b) = (&a[a.len() - max..], &b[b.len() - max..]);
    let mut n = 0;
    while n + CMP_CHUNK <= max && a[max - n - CMP_CHUNK..max - n] == b[max - n - CMP_CHUNK..max - n]
    {
        n += CMP_CHUNK;
    }
    n + a[..max - n]
        .iter()
        .rev()
        .zip(b[..max - n].iter().rev())
        .position(|(x, y)| x != y)
        .unwrap_or(max - n)
}

/// What became of a run of a segment's lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece {
    /// Unchanged; now starting at this 0-based line.
    Kept(u32),
    /// Inside a hunk; `replaced` when the hunk wrote lines in its place.
    Removed { replaced: bool },
}

/// Maps lines `start0..start0 + len` (0-based) of the old side through `hunks`: runs of
/// `(offset, len, piece)`.
#[must_use]
pub fn map_lines(hunks: &[Hunk], prefix: &[i64], start0: u32, len: u32) -> Vec<(u32, u32, Piece)> {
    let end = start0 + len;
    let mut p = start0;
    let mut i = hunks.partition_point(|h| h.before.end <= p);
    let mut delta = prefix[i];
    let mut out = Vec::new();
    while p < end {
        while i < hunks.len() && hunks[i].before.end <= p {
            delta = prefix[i + 1];
            i += 1;
        }
        if i < hunks.len() && hunks[i].before.start <= p {
            let h = &hunks[i];
            let stop = end.min(h.before.end);
            out.push((
                p - start0,
                stop - p,
                Piece::Removed {
                    replaced: !h.after.is_empty(),
                },
            ));
            p = stop;
        } else {
            let stop = if i < hunks.len() {
                end.min(hunks[i].before.start)
            } else {
                end
            };
            let new = i64::from(p) + delta;
            out.push((
                p - start0,
                stop - p,
                Piece::Kept(u32::try_from(new).unwrap_or(0)),
            ));
            p = stop;
        }
    }
    out
}

/// Cumulative line-count change before each hunk (`prefix[i]` = delta of hunks `..i`).
#[must_use]
pub fn prefix_deltas(hunks: &[Hunk]) -> Vec<i64> {
    let mut out = Vec::with_capacity(hunks.len() + 1);
    let mut d = 0i64;
    out.push(0);
    for h in hunks {
        d += i64::from(h.after.len() as u32) - i64::from(h.before.len() as u32);
        out.push(d);
    }
    out
}

/// A removed block that may have moved.
struct Removed {
    seg: usize,
    hashes: Vec<u64>,
}

/// Lines one commit added, per file.
struct Added {
    path: String,
    /// 0-based first line and the hashes of the added lines.
    runs: Vec<(u32, Vec<u64>)>,
}

struct Engine<'a> {
    repo: &'a Repo,
    blobs: Blobs,
    segs: Vec<Segment>,
    stats: Stats,
    /// This commit's diffs already computed (new path → new blob and hunks), reused when
    /// looking for moved blocks.
    diffed: HashMap<String, (Blob, Vec<Hunk>)>,
    /// Every commit of this reconciliation's range with its changes (one `git log`).
    log: HashMap<String, git::WalkCommit>,
    /// For each commit of the range, the index of the first tracked-branch commit containing it.
    claimed: HashMap<String, usize>,
    /// What each merge that brings in evidence changed from its side branch (one `diff-tree`).
    merge_diffs: HashMap<String, Vec<Change>>,
}

/// A file's old and new text.
type Sides = (Blob, Blob);

/// One file's text sides and hunks; `None` when a side is binary or unreadable.
type Diffed = Option<(Blob, Blob, Vec<Hunk>)>;

/// A key for three consecutive lines (moved blocks are ≥ 3 lines).
fn window_key(h: &[u64]) -> u64 {
    h[0] ^ h[1].rotate_left(21) ^ h[2].rotate_left(42)
}

/// Commits after the next one whose files are asked for ahead (within the blob reader's
/// read-ahead budget).
const READ_AHEAD_COMMITS: usize = 8;

/// The blobs `changes` will need: both sides of the files holding segments of `index`, and the
/// new side of every other file (where moved blocks are looked for).
fn needed_blobs<'a>(
    changes: &'a [Change],
    index: &'a HashMap<String, Vec<usize>>,
) -> impl Iterator<Item = &'a str> {
    changes
        .iter()
        .filter(|ch| ch.regular && ch.status != 'D')
        .flat_map(|ch| {
            let old = if ch.status != 'A' && index.contains_key(&ch.old_path) {
                ch.old_blob.as_deref()
            } else {
                None
            };
            [old, ch.new_blob.as_deref()]
        })
        .flatten()
}

/// For every commit of `graph` (commit → parents), the index of the first commit of the
/// first-parent `chain` that contains it: chain commits in order, each claiming itself and what
/// its other parents reach that no earlier chain commit claimed (the first claims everything it
/// reaches). One pass over the graph instead of an ancestry query per evidence.
fn first_containing<'a>(
    chain: &[&'a str],
    graph: &'a HashMap<String, Vec<String>>,
) -> HashMap<&'a str, usize> {
    let mut claimed: HashMap<&'a str, usize> = HashMap::new();
    let mut stack: Vec<&'a str> = Vec::new();
    for (i, c) in chain.iter().enumerate() {
        if claimed.contains_key(c) {
            continue;
        }
        claimed.insert(c, i);
        let parents = graph.get(*c).map_or(&[][..], Vec::as_slice);
        let skip = usize::from(i > 0);
        stack.extend(parents.iter().skip(skip).map(String::as_str));
        while let Some(p) = stack.pop() {
            let Some((id, grand)) = graph.get_key_value(p) else {
                continue; // outside the walked range
            };
            if claimed.contains_key(id.as_str()) {
                continue;
            }
            claimed.insert(id.as_str(), i);
            stack.extend(grand.iter().map(String::as_str));
        }
    }
    claimed
}

/// Reconciles `input` to its tip. Errors are git failures (the caller records them).
pub fn reconcile(repo: &Repo, input: Input) -> Result<Outcome, GitError> {
    let mut engine = Engine {
        repo,
        blobs: repo.blobs()?,
        segs: input.segments,
        stats: Stats::default(),
        diffed: HashMap::new(),
        log: HashMap::new(),
        claimed: HashMap::new(),
        merge_diffs: HashMap::new(),
    };
    engine.run(
        input.last_commit,
        input.loc_total,
        &input.tip,
        &input.evidence,
    )
}

impl Engine<'_> {
    fn run(
        &mut self,
        last: Option<String>,
        loc_total: i64,
        tip: &str,
        evidence: &HashMap<String, Evidence>,
    ) -> Result<Outcome, GitError> {
        for s in &mut self.segs {
            if s.status == LineStatus::WaitingForWorkspace {
                s.status = LineStatus::Pending;
                s.dirty = true;
            }
        }
        let mut last = last;
        if let Some(l) = last.clone()
            && (self.repo.commit_id(&l)?.is_none() || !self.repo.is_ancestor(&l, tip)?)
        {
            self.force_pushed(tip, evidence)?;
            last = None;
        }
        // Classify pending evidence.
        let pending: HashSet<&str> = self
            .segs
            .iter()
            .filter(|s| s.status == LineStatus::Pending)
            .map(|s| s.evidence_id.as_str())
            .collect();
        let mut on_branch: Vec<&Evidence> = Vec::new();
        let mut off_branch: Vec<&Evidence> = Vec::new();
        let mut bounds: Vec<Option<String>> = Vec::new();
        let mut late: Vec<&Evidence> = Vec::new();
        let mut checked = Vec::new();
        // Everything the tip reaches that the last reconciled commit does not, in one rev-list;
        // origins and their parents come from the object reader (no process per evidence).
        let graph = self.repo.reachable(tip, last.as_deref())?;
        let origins: Vec<String> = pending
            .iter()
            .filter_map(|id| evidence.get(*id))
            .map(|e| format!("{}^{{commit}}", e.origin))
            .collect();
        self.blobs
            .prefetch_specs(origins.iter().map(String::as_str))?;
        for id in pending {
            let Some(e) = evidence.get(id) else { continue };
            let Some((origin, parents)) = self.blobs.commit(&e.origin)? else {
                continue; // not fetched (yet): stays pending
            };
            if graph.contains_key(&origin) {
                if last.is_none() {
                    bounds.push(parents.first().cloned());
                }
                on_branch.push(e);
            } else if let Some(l) = &last
                && self.repo.is_ancestor(&origin, l)?
            {
                late.push(e);
            } else {
                if last.is_none() {
                    bounds.push(self.repo.merge_base(&origin, tip)?);
                }
                off_branch.push(e);
            }
        }
        let last_commit = last.clone();
        if let Some(l) = &last {
            for e in late {
                self.activate_between(e, l, false)?;
                self.stats.activated_by_ancestry += 1;
            }
            for e in off_branch.iter().filter(|e| !e.content_checked) {
                if self.activate_between(e, l, true)? {
                    self.stats.activated_by_content += 1;
                }
                checked.push(e.id.clone());
            }
        }
        // The walk: from the last reconciled commit, or (first time / after a force-push) from
        // the oldest point any pending evidence can appear at.
        let exclude: Vec<String> = match &last {
            Some(l) => vec![l.clone()],
            None if bounds.is_empty() => vec![tip.to_owned()],
            None if bounds.iter().any(Option::is_none) => Vec::new(),
            None => {
                let all: Vec<String> = bounds.into_iter().flatten().collect();
                vec![self.octopus_base(&all)?.unwrap_or_default()]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect()
            }
        };
        // Lines of code: a walk from the first commit reads every file of the tip on its way,
        // so they are counted from its blobs at the end; otherwise git counts the difference
        // from the last reconciled commit (or from nothing) on the other core during the walk.
        let loc = if last.is_none() && exclude.is_empty() {
            None
        } else {
            let from = last.as_deref().unwrap_or(git::EMPTY_TREE);
            Some(git::loc_delta_start(self.repo, from, tip)?)
        };
        // git inflates the files of the first commits while it is still diffing the later
        // ones (the walk reads every changed file's new side).
        let blobs = &mut self.blobs;
        self.log = git::log_all(self.repo, tip, &exclude, |c| {
            blobs
                .read_ahead(
                    c.changes
                        .iter()
                        .filter(|ch| ch.regular && ch.status != 'D')
                        .filter_map(|ch| ch.new_blob.as_deref()),
                    true,
                )
                .map(|_| ())
        })?;
        let walk: Vec<git::WalkCommit> = git::first_parent_chain(&self.log, tip)
            .into_iter()
            .cloned()
            .collect();
        let chain: Vec<&str> = walk.iter().map(|c| c.id.as_str()).collect();
        let mut starts: HashMap<usize, Vec<&Evidence>> = HashMap::new();
        self.claimed = first_containing(&chain, &graph)
            .into_iter()
            .map(|(c, i)| (c.to_owned(), i))
            .collect();
        for e in on_branch {
            if let Some(i) = self.claimed.get(e.origin.as_str()) {
                starts.entry(*i).or_default().push(e);
            }
        }
        // The merges that bring evidence in: their side → merge changes, all in one process.
        let pairs: Vec<(String, String)> = starts
            .iter()
            .filter(|(i, es)| es.iter().any(|e| e.origin != chain[**i]))
            .filter_map(|(i, _)| {
                let side = graph.get(chain[*i])?.get(1)?;
                Some((chain[*i].to_owned(), side.clone()))
            })
            .collect();
        self.merge_diffs = self.repo.diffs_from(&pairs)?;
        let mut waiting_content: Vec<&Evidence> = off_branch.clone();
        let mut index = self.path_index();
        for (i, c) in walk.iter().enumerate() {
            self.stats.commits += 1;
            self.prefetch(&walk, i, &index)?;
            self.apply_commit(&c.id, &c.changes, &mut index)?;
            if let Some(es) = starts.get(&i) {
                let mut merged: Vec<&Evidence> = Vec::new();
                for e in es {
                    if e.origin == c.id {
                        self.activate_in_place(e, &c.id, &mut index);
                    } else {
                        merged.push(e);
                    }
                    self.stats.activated_by_ancestry += 1;
                }
                if !merged.is_empty() {
                    self.activate_merged(&merged, &c.id, i)?;
                    index = self.path_index();
                }
            }
            if !waiting_content.is_empty() {
                let touched: HashSet<&str> =
                    c.changes.iter().map(|ch| ch.new_path.as_str()).collect();
                let mut still = Vec::new();
                for e in waiting_content {
                    let hits = self
                        .segs
                        .iter()
                        .any(|s| s.evidence_id == e.id && touched.contains(s.path.as_str()));
                    if hits && self.activate_between(e, &c.id, true)? {
                        self.stats.activated_by_content += 1;
                        index = self.path_index();
                    } else {
                        still.push(e);
                    }
                }
                waiting_content = still;
            }
        }
        let loc_total = match (loc, &last_commit) {
            (Some(loc), Some(_)) => loc_total + loc.finish()?,
            (Some(loc), None) => loc.finish()?,
            (None, _) => self.loc_of_tree(tip)?,
        };
        self.fill_hashes(tip, evidence)?;
        self.stats.blob_bytes = self.blobs.bytes_read;
        Ok(Outcome {
            segments: std::mem::take(&mut self.segs),
            content_checked: checked,
            loc_total,
            stats: std::mem::take(&mut self.stats),
        })
    }

    /// Lines of the text files at `tip`, from the line counts of the blobs read so far (the
    /// others are read now).
    fn loc_of_tree(&mut self, tip: &str) -> Result<i64, GitError> {
        let ids = git::tree_blobs(self.repo, tip)?;
        let unread: Vec<&str> = ids
            .iter()
            .map(String::as_str)
            .filter(|id| !self.blobs.has_line_count(id))
            .collect();
        self.blobs.prefetch(unread)?;
        let mut total = 0u64;
        for id in &ids {
            total += self.blobs.text_lines(id)?;
        }
        Ok(i64::try_from(total).unwrap_or(i64::MAX))
    }

    fn octopus_base(&self, commits: &[String]) -> Result<Option<String>, GitError> {
        if commits.len() == 1 {
            return Ok(commits.first().cloned());
        }
        let mut args = vec!["merge-base", "--octopus"];
        args.extend(commits.iter().map(String::as_str));
        match self.repo.run(&args) {
            Ok(out) => Ok(Some(String::from_utf8_lossy(&out).trim().to_owned())),
            Err(GitError::Failed { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Located segments by path.
    fn path_index(&self) -> HashMap<String, Vec<usize>> {
        let mut m: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, s) in self.segs.iter().enumerate() {
            if s.status.is_located() {
                m.entry(s.path.clone()).or_default().push(i);
            }
        }
        m
    }

    /// A force-push dropped the last reconciled commit: evidence still on the branch is followed
    /// again from its origin; evidence that is not becomes `unknown`.
    fn force_pushed(
        &mut self,
        tip: &str,
        evidence: &HashMap<String, Evidence>,
    ) -> Result<(), GitError> {
        self.stats.force_pushed = true;
        let mut still: HashMap<String, bool> = HashMap::new();
        for s in &self.segs {
            if s.status.is_located() && !still.contains_key(&s.evidence_id) {
                let keep = match evidence.get(&s.evidence_id) {
                    Some(e) => {
                        self.repo.commit_id(&e.origin)?.is_some()
                            && self.repo.is_ancestor(&e.origin, tip)?
                    }
                    None => false,
                };
                still.insert(s.evidence_id.clone(), keep);
            }
        }
        for s in &mut self.segs {
            if !s.status.is_located() {
                continue;
            }
            if still.get(&s.evidence_id).copied().unwrap_or(false) {
                s.status = LineStatus::Pending;
                s.path = s.range_path.clone();
                s.start = s.origin_start();
                if let Some(e) = evidence.get(&s.evidence_id) {
                    s.commit = e.origin.clone();
                }
            } else {
                s.status = LineStatus::Unknown;
                s.commit = tip.to_owned();
            }
            s.content_hash = None;
            s.dirty = true;
        }
        Ok(())
    }

    /// Evidence that reached the tracked branch through the merge commit `merge`: its side branch
    /// is walked first-parent like the tracked branch (each side commit's evidence joins where it
    /// was made, so later side commits map it as blame would), then everything is mapped from the
    /// side tip into the merge in one pass. Evidence not on that side chain is mapped from its
    /// origin directly.
    fn activate_merged(
        &mut self,
        group: &[&Evidence],
        merge: &str,
        at: usize,
    ) -> Result<(), GitError> {
        let parents = self
            .blobs
            .commit(merge)?
            .map(|(_, p)| p)
            .unwrap_or_default();
        let (Some(_), Some(side)) = (parents.first(), parents.get(1).cloned()) else {
            for e in group {
                self.activate_between(e, merge, false)?;
            }
            return Ok(());
        };
        // The side branch's first-parent chain down to what the tracked branch already held
        // (commits no earlier tracked commit contains), from the reconciliation's one log.
        let mut side_walk: Vec<git::WalkCommit> = Vec::new();
        let mut cursor = Some(side.clone());
        while let Some(c) = cursor.take() {
            if self.claimed.get(&c) != Some(&at) {
                break;
            }
            let Some(commit) = self.log.get(&c) else {
                break;
            };
            cursor.clone_from(&commit.parent);
            side_walk.push(commit.clone());
        }
        side_walk.reverse();
        let on_side: HashSet<&str> = side_walk.iter().map(|c| c.id.as_str()).collect();
        let (walked, direct): (Vec<&Evidence>, Vec<&Evidence>) = group
            .iter()
            .copied()
            .partition(|e| on_side.contains(e.origin.as_str()));
        for e in direct {
            self.activate_between(e, merge, false)?;
        }
        if walked.is_empty() {
            return Ok(());
        }
        let ids: HashSet<&str> = walked.iter().map(|e| e.id.as_str()).collect();
        let picked: Vec<usize> = (0..self.segs.len())
            .filter(|i| {
                self.segs[*i].status == LineStatus::Pending
                    && ids.contains(self.segs[*i].evidence_id.as_str())
            })
            .collect();
        // Work on the side branch's segments alone, then put them back.
        let group_segs: Vec<Segment> = picked.iter().map(|i| self.segs[*i].clone()).collect();
        let main_segs = std::mem::replace(&mut self.segs, group_segs);
        let result = self.walk_side(&side_walk, &walked, &side, merge);
        let side_segs = std::mem::replace(&mut self.segs, main_segs);
        result?;
        let mut extra = side_segs.into_iter();
        for i in &picked {
            if let Some(s) = extra.next() {
                self.segs[*i] = s;
            }
        }
        self.segs.extend(extra);
        Ok(())
    }

    /// The side-branch part of [`Self::activate_merged`], on `self.segs` holding only its segments.
    fn walk_side(
        &mut self,
        side_walk: &[git::WalkCommit],
        walked: &[&Evidence],
        side: &str,
        merge: &str,
    ) -> Result<(), GitError> {
        let mut index = self.path_index();
        for (i, c) in side_walk.iter().enumerate() {
            self.prefetch(side_walk, i, &index)?;
            self.apply_commit(&c.id, &c.changes, &mut index)?;
            for e in walked.iter().filter(|e| e.origin == c.id) {
                self.activate_in_place(e, &c.id, &mut index);
            }
        }
        let into_merge = match self.merge_diffs.get(merge) {
            Some(changes) => changes.clone(),
            None => self.repo.diff_tree(side, merge)?,
        };
        self.apply_commit(merge, &into_merge, &mut index)?;
        for s in &mut self.segs {
            if s.status.is_located() {
                s.commit = merge.to_owned();
                s.dirty = true;
            }
        }
        Ok(())
    }

    /// Evidence whose origin is the chain commit itself: its lines are where the run left them.
    fn activate_in_place(
        &mut self,
        e: &Evidence,
        commit: &str,
        index: &mut HashMap<String, Vec<usize>>,
    ) {
        for (i, s) in self.segs.iter_mut().enumerate() {
            if s.evidence_id == e.id && s.status == LineStatus::Pending {
                s.status = LineStatus::Current;
                s.commit = commit.to_owned();
                s.dirty = true;
                index.entry(s.path.clone()).or_default().push(i);
            }
        }
    }

    /// Maps the pending segments of `e` from its origin to `at` by one two-point diff. With
    /// `need_content`, only when at least half of its lines are found unchanged (a squash or
    /// rebase of the run's work); returns whether the evidence was activated.
    fn activate_between(
        &mut self,
        e: &Evidence,
        at: &str,
        need_content: bool,
    ) -> Result<bool, GitError> {
        let idx: Vec<usize> = (0..self.segs.len())
            .filter(|i| {
                self.segs[*i].evidence_id == e.id && self.segs[*i].status == LineStatus::Pending
            })
            .collect();
        if idx.is_empty() {
            return Ok(false);
        }
        let changes = self.repo.diff_tree(&e.origin, at)?;
        let mut by_path: HashMap<String, Vec<usize>> = HashMap::new();
        for i in &idx {
            by_path
                .entry(self.segs[*i].path.clone())
                .or_default()
                .push(*i);
        }
        // Work on a copy so a failed content check leaves the evidence pending.
        let saved: Vec<Segment> = idx.iter().map(|i| self.segs[*i].clone()).collect();
        let before_len = self.segs.len();
        for s in idx.iter() {
            self.segs[*s].status = LineStatus::Current;
        }
        let mut removed = Vec::new();
        for (path, segs) in by_path {
            match changes
                .iter()
                .find(|c| c.old_path == path && c.status != 'A')
            {
                Some(ch) => {
                    let ch = ch.clone();
                    self.apply_change(&ch, &segs, at, &mut removed, false)?;
                }
                None => {
                    for i in segs {
                        self.segs[i].commit = at.to_owned();
                        self.segs[i].dirty = true;
                    }
                }
            }
        }
        if need_content {
            let all = idx.iter().copied().chain(before_len..self.segs.len());
            let (kept, total) = all.fold((0u64, 0u64), |(k, t), i| {
                let s = &self.segs[i];
                let len = u64::from(s.len);
                (k + if s.status.is_located() { len } else { 0 }, t + len)
            });
            if kept == 0 || kept * 2 < total {
                self.segs.truncate(before_len);
                for (i, s) in idx.iter().zip(saved) {
                    self.segs[*i] = s;
                }
                return Ok(false);
            }
        }
        for i in idx.iter().copied().chain(before_len..self.segs.len()) {
            self.segs[i].dirty = true;
            if self.segs[i].status.is_located() {
                self.segs[i].commit = at.to_owned();
            }
        }
        Ok(true)
    }

    /// Applies one commit's changes to the located segments on the paths it touched.
    fn apply_commit(
        &mut self,
        commit: &str,
        changes: &[Change],
        index: &mut HashMap<String, Vec<usize>>,
    ) -> Result<(), GitError> {
        self.diffed.clear();
        let mut removed: Vec<Removed> = Vec::new();
        let mut moved_paths: Vec<(String, Vec<usize>)> = Vec::new();
        let mut work: Vec<(&Change, Vec<usize>)> = Vec::new();
        for ch in changes {
            if ch.status == 'A' {
                continue;
            }
            let Some(segs) = index.remove(&ch.old_path) else {
                continue;
            };
            let segs: Vec<usize> = segs
                .into_iter()
                .filter(|i| self.segs[*i].status.is_located() && self.segs[*i].path == ch.old_path)
                .collect();
            work.push((ch, segs));
        }
        let diffs = self.diff_all(&work)?;
        for ((ch, segs), diff) in work.into_iter().zip(diffs) {
            let before = self.segs.len();
            self.map_change(ch, &segs, commit, &mut removed, true, diff);
            let located: Vec<usize> = segs
                .into_iter()
                .chain(before..self.segs.len())
                .filter(|i| self.segs[*i].status.is_located())
                .collect();
            moved_paths.push((ch.new_path.clone(), located));
        }
        for (path, segs) in moved_paths {
            index.entry(path).or_default().extend(segs);
        }
        if !removed.is_empty() {
            self.find_moves(commit, changes, removed, index)?;
        }
        Ok(())
    }

    /// Asks git for the blobs the commit `walk[i]` and the next one will need, and for those of
    /// the commits after them as far as the read-ahead budget allows, so that git inflates
    /// files on the other core while this commit is mapped.
    fn prefetch(
        &mut self,
        walk: &[git::WalkCommit],
        i: usize,
        index: &HashMap<String, Vec<usize>>,
    ) -> Result<(), GitError> {
        for c in walk.iter().skip(i).take(2) {
            self.blobs.prefetch(needed_blobs(&c.changes, index))?;
        }
        for c in walk.iter().skip(i + 2).take(READ_AHEAD_COMMITS) {
            if !self
                .blobs
                .read_ahead(needed_blobs(&c.changes, index), false)?
            {
                break;
            }
        }
        Ok(())
    }

    fn blob(&mut self, id: Option<&str>) -> Result<Option<Blob>, GitError> {
        match id {
            Some(id) => self.blobs.get(id),
            None => Ok(None),
        }
    }

    /// Maps the segments `segs` (all on `ch.old_path`) through one file change.
    fn apply_change(
        &mut self,
        ch: &Change,
        segs: &[usize],
        commit: &str,
        removed: &mut Vec<Removed>,
        track_moves: bool,
    ) -> Result<(), GitError> {
        if segs.is_empty() {
            return Ok(());
        }
        let diff = self.diff_one(ch)?;
        self.map_change(ch, segs, commit, removed, track_moves, Some(diff));
        Ok(())
    }

    /// One change's sides and hunks, on this thread.
    fn diff_one(&mut self, ch: &Change) -> Result<Diffed, GitError> {
        Ok(self.load_sides(ch)?.map(|(old, new)| {
            let h = hunks(&old, &new);
            (old, new, h)
        }))
    }

    /// Both sides of a change as text; `None` when one is binary, not a regular file or
    /// unreadable (its lines become `unknown`).
    fn load_sides(&mut self, ch: &Change) -> Result<Option<Sides>, GitError> {
        let old = self.blob(ch.old_blob.as_deref())?;
        let new = if ch.status == 'D' {
            None
        } else {
            self.blob(ch.new_blob.as_deref())?
        };
        let old = old.unwrap_or_default();
        let unreadable = !ch.regular
            || lines::is_binary(&old)
            || new.as_deref().is_some_and(|n| lines::is_binary(n))
            || (ch.status != 'D' && new.is_none());
        Ok((!unreadable).then(|| (old, new.unwrap_or_default())))
    }

    /// The diffs of one commit's changes that hold segments, in order (`None` for a change with
    /// no segments to map). Blobs are read here while the hunks of the previous file are
    /// computed on a second thread, so reading and diffing overlap.
    fn diff_all(
        &mut self,
        work: &[(&Change, Vec<usize>)],
    ) -> Result<Vec<Option<Diffed>>, GitError> {
        let wanted = work.iter().filter(|(_, segs)| !segs.is_empty()).count();
        if wanted < 2 {
            let mut out = Vec::with_capacity(work.len());
            for (ch, segs) in work {
                out.push(if segs.is_empty() {
                    None
                } else {
                    Some(self.diff_one(ch)?)
                });
            }
            return Ok(out);
        }
        std::thread::scope(|scope| {
            let (to_worker, jobs) = std::sync::mpsc::channel::<(usize, Blob, Blob)>();
            let (to_main, done) = std::sync::mpsc::channel::<(usize, Blob, Blob, Vec<Hunk>)>();
            scope.spawn(move || {
                for (k, old, new) in jobs {
                    let h = hunks(&old, &new);
                    if to_main.send((k, old, new, h)).is_err() {
                        return;
                    }
                }
            });
            let mut out: Vec<Option<Diffed>> = Vec::with_capacity(work.len());
            for (k, (ch, segs)) in work.iter().enumerate() {
                if segs.is_empty() {
                    out.push(None);
                    continue;
                }
                match self.load_sides(ch)? {
                    Some((old, new)) => {
                        out.push(Some(None));
                        // The worker lives as long as this scope: a send cannot fail.
                        let _ = to_worker.send((k, old, new));
                    }
                    None => out.push(Some(None)),
                }
            }
            drop(to_worker);
            for (k, old, new, h) in done {
                if let Some(slot) = out.get_mut(k) {
                    *slot = Some(Some((old, new, h)));
                }
            }
            Ok(out)
        })
    }

    /// Maps the segments `segs` (all on `ch.old_path`) through one file change, given its diff
    /// (`None`: no segments; `Some(None)`: unreadable, its lines become `unknown`).
    fn map_change(
        &mut self,
        ch: &Change,
        segs: &[usize],
        commit: &str,
        removed: &mut Vec<Removed>,
        track_moves: bool,
        diff: Option<Diffed>,
    ) {
        let Some(diff) = diff else {
            return;
        };
        if segs.is_empty() {
            return;
        }
        self.stats.files_diffed += 1;
        let Some((old, new, hunks)) = diff else {
            for &i in segs {
                let s = &mut self.segs[i];
                s.status = LineStatus::Unknown;
                s.commit = commit.to_owned();
                s.dirty = true;
            }
            return;
        };
        self.stats.changed_bytes += (old.len() + new.len()) as u64;
        let prefix = prefix_deltas(&hunks);
        if track_moves {
            self.diffed
                .insert(ch.new_path.clone(), (new.clone(), hunks.clone()));
        }
        // Split on first use (only removed lines need them).
        let mut old_lines: Option<Vec<&[u8]>> = None;
        // Built on first use: the hashes of pieces that split off a segment.
        let mut new_index: Option<lines::LineIndex> = None;
        for &i in segs {
            let (start, len) = (self.segs[i].start, self.segs[i].len);
            let pieces = map_lines(&hunks, &prefix, start - 1, len);
            // Kept whole (most segments of a changed file): updated in place.
            if let [(0, kept, Piece::Kept(n))] = pieces[..]
                && kept == len
            {
                let s = &mut self.segs[i];
                if n + 1 == start && ch.new_path == s.path {
                    continue;
                }
                s.start = n + 1;
                if s.path != ch.new_path {
                    s.path.clone_from(&ch.new_path);
                }
                s.commit.clear();
                s.commit.push_str(commit);
                s.dirty = true;
                if s.content_hash.is_none() {
                    s.content_hash = new_index
                        .get_or_insert_with(|| lines::LineIndex::new(new.clone()))
                        .content_hash(n + 1, len);
                }
                continue;
            }
            let seg = self.segs[i].clone();
            for (k, (off, len, piece)) in pieces.into_iter().enumerate() {
                let mut p = seg.piece(off, len);
                match piece {
                    Piece::Kept(n) => {
                        p.path = ch.new_path.clone();
                        p.start = n + 1;
                        p.commit = commit.to_owned();
                        p.content_hash = match seg.content_hash.clone() {
                            Some(h) if off == 0 && len == seg.len => Some(h),
                            _ => new_index
                                .get_or_insert_with(|| lines::LineIndex::new(new.clone()))
                                .content_hash(n + 1, len),
                        };
                    }
                    Piece::Removed { replaced } => {
                        p.status = if replaced {
                            LineStatus::Superseded
                        } else {
                            LineStatus::Deleted
                        };
                        p.commit = commit.to_owned();
                        let from = (seg.start - 1 + off) as usize;
                        let block = old_lines
                            .get_or_insert_with(|| lines::split(&old))
                            .get(from..from + len as usize)
                            .unwrap_or(&[]);
                        p.content_hash = Some(lines::content_hash(block));
                        if track_moves && len >= 3 && block.len() == len as usize {
                            removed.push(Removed {
                                seg: usize::MAX,
                                hashes: block.iter().map(|l| lines::line_hash(l)).collect(),
                            });
                        }
                    }
                }
                if k == 0 {
                    self.segs[i] = p;
                    if let Some(r) = removed.last_mut().filter(|r| r.seg == usize::MAX) {
                        r.seg = i;
                    }
                } else {
                    self.segs.push(p);
                    let n = self.segs.len() - 1;
                    if let Some(r) = removed.last_mut().filter(|r| r.seg == usize::MAX) {
                        r.seg = n;
                    }
                }
            }
        }
    }

    /// Finds removed blocks of ≥ 3 lines again among the lines this commit added (any file).
    fn find_moves(
        &mut self,
        commit: &str,
        changes: &[Change],
        removed: Vec<Removed>,
        index: &mut HashMap<String, Vec<usize>>,
    ) -> Result<(), GitError> {
        let wanted: HashSet<u64> = removed.iter().map(|r| window_key(&r.hashes)).collect();
        let mut added: Vec<Added> = Vec::new();
        for ch in changes {
            if ch.status == 'D' || !ch.regular {
                continue;
            }
            let (new, cached) = match self.diffed.remove(&ch.new_path) {
                Some((new, hunks)) => (new, Some(hunks)),
                None => match self.blob(ch.new_blob.as_deref())? {
                    Some(new) => (new, None),
                    None => continue,
                },
            };
            if lines::is_binary(&new) {
                continue;
            }
            let new_lines = lines::split(&new);
            // A moved block is among the lines a change added: a file diffed already has only
            // those hashed; another is diffed only when it holds three consecutive lines of
            // some removed block.
            let hashes_of = |from: usize, to: usize| -> Vec<u64> {
                new_lines[from.min(new_lines.len())..to.min(new_lines.len())]
                    .iter()
                    .map(|l| lines::line_hash(l))
                    .collect()
            };
            if let Some(hunks) = cached {
                let runs: Vec<(u32, Vec<u64>)> = hunks
                    .iter()
                    .filter(|h| h.after.len() >= 3)
                    .map(|h| {
                        let from = h.after.start as usize;
                        (h.after.start, hashes_of(from, h.after.end as usize))
                    })
                    .filter(|(_, run)| run.windows(3).any(|w| wanted.contains(&window_key(w))))
                    .collect();
                if !runs.is_empty() {
                    added.push(Added {
                        path: ch.new_path.clone(),
                        runs,
                    });
                }
                continue;
            }
            let new_hashes = hashes_of(0, new_lines.len());
            if !new_hashes
                .windows(3)
                .any(|w| wanted.contains(&window_key(w)))
            {
                continue;
            }
            let old = if ch.status == 'A' {
                Blob::default()
            } else {
                self.blob(ch.old_blob.as_deref())?.unwrap_or_default()
            };
            if lines::is_binary(&old) {
                continue;
            }
            let hunks = hunks(&old, &new);
            let runs = hunks
                .into_iter()
                .filter(|h| !h.after.is_empty())
                .map(|h| {
                    let from = (h.after.start as usize).min(new_hashes.len());
                    let to = (h.after.end as usize).min(new_hashes.len());
                    (h.after.start, new_hashes[from..to].to_vec())
                })
                .collect();
            added.push(Added {
                path: ch.new_path.clone(),
                runs,
            });
        }
        let mut first: HashMap<u64, Vec<(usize, usize, usize)>> = HashMap::new();
        for (f, a) in added.iter().enumerate() {
            for (r, (_, hashes)) in a.runs.iter().enumerate() {
                for (k, h) in hashes.iter().enumerate() {
                    first.entry(*h).or_default().push((f, r, k));
                }
            }
        }
        let mut claimed: HashSet<(usize, usize, usize)> = HashSet::new();
        for rm in removed {
            let Some(cands) = first.get(&rm.hashes[0]) else {
                continue;
            };
            let found = cands.iter().copied().find(|&(f, r, k)| {
                let run = &added[f].runs[r].1;
                run.len() >= k + rm.hashes.len()
                    && run[k..k + rm.hashes.len()] == rm.hashes[..]
                    && (0..rm.hashes.len()).all(|j| !claimed.contains(&(f, r, k + j)))
            });
            if let Some((f, r, k)) = found {
                for j in 0..rm.hashes.len() {
                    claimed.insert((f, r, k + j));
                }
                let s = &mut self.segs[rm.seg];
                s.status = LineStatus::Moved;
                s.path = added[f].path.clone();
                s.start = added[f].runs[r].0 + u32::try_from(k).unwrap_or(0) + 1;
                s.commit = commit.to_owned();
                s.dirty = true;
                self.stats.moved_lines += u64::from(s.len);
                index.entry(s.path.clone()).or_default().push(rm.seg);
            }
        }
        Ok(())
    }

    /// Content hashes for changed segments that lack one: located ones from the tip, pending
    /// ones from their origin.
    fn fill_hashes(
        &mut self,
        tip: &str,
        evidence: &HashMap<String, Evidence>,
    ) -> Result<(), GitError> {
        // One read and one line index per file, however many segments it holds.
        let mut cache: HashMap<String, Option<lines::LineIndex>> = HashMap::new();
        for i in 0..self.segs.len() {
            let s = &self.segs[i];
            if s.content_hash.is_some() || !s.status.is_open() {
                continue;
            }
            let commit = if s.status.is_located() {
                tip.to_owned()
            } else {
                match evidence.get(&s.evidence_id) {
                    Some(e) => e.origin.clone(),
                    None => continue,
                }
            };
            let key = format!("{commit}:{}", s.path);
            if !cache.contains_key(&key) {
                let data = self.blobs.get(&key)?.map(lines::LineIndex::new);
                cache.insert(key.clone(), data);
            }
            let (start, len) = (self.segs[i].start, self.segs[i].len);
            let hash = cache
                .get(&key)
                .and_then(Option::as_ref)
                .and_then(|ix| ix.content_hash(start, len));
            let s = &mut self.segs[i];
            s.content_hash = hash;
            s.dirty = true;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(old: &str, new: &str, start0: u32, len: u32) -> Vec<(u32, u32, Piece)> {
        let h = hunks(old.as_bytes(), new.as_bytes());
        let p = prefix_deltas(&h);
        map_lines(&h, &p, start0, len)
    }

    #[test]
    fn common_ends_match_a_byte_loop() {
        let base: Vec<u8> = (0..2000u32).map(|i| b'a' + (i % 26) as u8).collect();
        for cut in [0usize, 1, 255, 256, 257, 1000, 1999] {
            let mut other = base.clone();
            other[cut] = b'#';
            let slow_prefix = base
                .iter()
                .zip(&other)
                .position(|(a, b)| a != b)
                .unwrap_or(2000);
            assert_eq!(common_prefix(&base, &other), slow_prefix, "prefix at {cut}");
            let slow_suffix = base
                .iter()
                .rev()
                .zip(other.iter().rev())
                .position(|(a, b)| a != b)
                .unwrap_or(2000);
            assert_eq!(common_suffix(&base, &other), slow_suffix, "suffix at {cut}");
        }
        assert_eq!(common_prefix(b"abc", b"abcdef"), 3);
        assert_eq!(common_suffix(b"def", b"abcdef"), 3);
        assert_eq!(common_suffix(b"", b"abc"), 0);
    }

    #[test]
    fn lines_outside_hunks_shift() {
        // Two lines inserted at the top: the block moves down by two.
        assert_eq!(
            map("a\nb\nc\n", "x\ny\na\nb\nc\n", 0, 3),
            vec![(0, 3, Piece::Kept(2))]
        );
        // A line removed above: up by one.
        assert_eq!(
            map("a\nb\nc\n", "b\nc\n", 1, 2),
            vec![(0, 2, Piece::Kept(0))]
        );
    }

    #[test]
    fn lines_inside_hunks_are_superseded_or_deleted() {
        assert_eq!(
            map("a\nb\nc\n", "a\nB\nc\n", 0, 3),
            vec![
                (0, 1, Piece::Kept(0)),
                (1, 1, Piece::Removed { replaced: true }),
                (2, 1, Piece::Kept(2)),
            ]
        );
        assert_eq!(
            map("a\nb\nc\n", "a\nc\n", 0, 3),
            vec![
                (0, 1, Piece::Kept(0)),
                (1, 1, Piece::Removed { replaced: false }),
                (2, 1, Piece::Kept(1)),
            ]
        );
    }

    #[test]
    fn trimming_the_common_ends_changes_no_hunk() {
        let untrimmed = |old: &[u8], new: &[u8]| {
            let input = InternedInput::new(old, new);
            let mut diff = Diff::compute(Algorithm::Myers, &input);
            diff.postprocess_lines(&input);
            diff.hunks().collect::<Vec<_>>()
        };
        let body: String = (0..400).map(|i| format!("line {i}\n")).collect();
        let cases: Vec<(String, String)> = vec![
            (body.clone(), body.replace("line 200\n", "changed\n")),
            (body.clone(), body.replace("line 0\n", "")),
            (body.clone(), format!("{body}tail without newline")),
            (format!("{body}x"), format!("{body}y")),
            (body.clone(), body.replace("line 399\n", "line 399")),
            (String::new(), body.clone()),
            (body.clone(), String::new()),
            (
                "a\n}\n\n}\n".repeat(200),
                "a\n}\n\n}\n".repeat(200).replacen("a\n", "b\n", 1),
            ),
        ];
        for (old, new) in cases {
            assert_eq!(
                hunks(old.as_bytes(), new.as_bytes()),
                untrimmed(old.as_bytes(), new.as_bytes()),
                "{:?} → {:?}",
                &old[..old.len().min(40)],
                &new[..new.len().min(40)]
            );
        }
    }

    #[test]
    fn an_insertion_inside_a_block_splits_it() {
        assert_eq!(
            map("a\nb\nc\nd\n", "a\nb\nNEW\nc\nd\n", 0, 4),
            vec![(0, 2, Piece::Kept(0)), (2, 2, Piece::Kept(3))]
        );
    }
}
