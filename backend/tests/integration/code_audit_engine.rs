//! The Code Audit engine against `git blame` as the oracle, over generated histories: random
//! edits, inserts, deletions, renames, block moves and merged side branches in real git
//! repositories. Every non-merge commit is treated as a run; its added lines are its evidence.
//! For each commit, the lines reported `current` at HEAD must be the lines blame gives to that
//! commit; a line blame gives to another commit may only be reported `moved`.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::Command;

use mergeloom_worker::code_audit::capture;
use mergeloom_worker::code_audit::engine::{self, Evidence, Input, Segment};
use mergeloom_worker::code_audit::git::Repo;
use mergeloom_worker::code_audit::status::LineStatus;

use crate::support::Prng;

pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A generated history and the engine's view of it.
struct History {
    dir: tempfile::TempDir,
    rng: Prng,
    files: Vec<String>,
    next_line: u64,
    commits: usize,
}

impl History {
    fn new(seed: u64) -> Self {
        let dir = tempfile::tempdir().expect("test data");
        git(dir.path(), &["init", "-q", "-b", "main"]);
        git(dir.path(), &["config", "commit.gpgsign", "false"]);
        let mut h = Self {
            dir,
            rng: Prng::new(seed),
            files: Vec::new(),
            next_line: 0,
            commits: 0,
        };
        for i in 0..4 {
            let name = format!("src/file{i}.txt");
            let n = 20 + h.pick(30);
            let lines = h.fresh(n);
            h.write(&name, &lines);
            h.files.push(name);
        }
        h.commit("initial");
        h
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn pick(&mut self, n: usize) -> usize {
        (self.rng.next_u64() % n.max(1) as u64) as usize
    }

    /// New lines: mostly unique, sometimes the common ones (`}`, blank) that make diffs ambiguous.
    fn fresh(&mut self, n: usize) -> Vec<String> {
        (0..n)
            .map(|_| {
                self.next_line += 1;
                match self.rng.next_u64() % 10 {
                    0 => "}".to_owned(),
                    1 => String::new(),
                    _ => format!("line {} {}", self.next_line, self.rng.next_u64() % 1000),
                }
            })
            .collect()
    }

    fn read(&self, name: &str) -> Vec<String> {
        std::fs::read_to_string(self.path().join(name))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    fn write(&self, name: &str, lines: &[String]) {
        let p = self.path().join(name);
        std::fs::create_dir_all(p.parent().expect("test data")).expect("test data");
        let mut text = lines.join("\n");
        text.push('\n');
        std::fs::write(p, text).expect("test data");
    }

    fn commit(&mut self, msg: &str) {
        git(self.path(), &["add", "-A"]);
        let status = git(self.path(), &["status", "--porcelain"]);
        if status.trim().is_empty() && self.commits > 0 {
            return;
        }
        git(self.path(), &["commit", "-q", "--allow-empty", "-m", msg]);
        self.commits += 1;
    }

    /// One random change to one file (or a rename, or a move between files).
    fn mutate(&mut self, files: &[String]) {
        let f = files[self.pick(files.len())].clone();
        let mut lines = self.read(&f);
        let len = lines.len();
        match self.rng.next_u64() % 7 {
            0 | 1 => {
                // replace a block
                let at = self.pick(len);
                let n = 1 + self.pick(4).min(len - at);
                let k = 1 + self.pick(5);
                let new = self.fresh(k);
                lines.splice(at..(at + n).min(len), new);
            }
            2 | 3 => {
                let at = self.pick(len + 1);
                let k = 1 + self.pick(6);
                let new = self.fresh(k);
                lines.splice(at..at, new);
            }
            4 => {
                if len > 8 {
                    let at = self.pick(len - 3);
                    let n = 1 + self.pick(3);
                    lines.drain(at..(at + n).min(len));
                }
            }
            5 => {
                // move a block of 3-6 lines to another file
                let others: Vec<String> = files.iter().filter(|o| **o != f).cloned().collect();
                if len > 10 && !others.is_empty() {
                    let at = self.pick(len - 6);
                    let n = 3 + self.pick(4);
                    let block: Vec<String> = lines.drain(at..at + n).collect();
                    let target = others[self.pick(others.len())].clone();
                    let mut t = self.read(&target);
                    let pos = self.pick(t.len() + 1);
                    t.splice(pos..pos, block);
                    self.write(&target, &t);
                }
            }
            _ => {
                // rename (with a small edit so it is a real rename, not only a copy)
                let new_name = format!("src/renamed{}.txt", self.next_line);
                self.next_line += 1;
                git(self.path(), &["mv", &f, &new_name]);
                let idx = self.files.iter().position(|x| *x == f);
                if let Some(i) = idx {
                    self.files[i] = new_name.clone();
                }
                return;
            }
        }
        self.write(&f, &lines);
    }

    /// `n` commits on main, with a side branch merged `--no-ff` now and then.
    fn grow(&mut self, n: usize) {
        for i in 0..n {
            if i % 9 == 8 && self.files.len() >= 2 {
                let branch = format!("side{i}");
                git(self.path(), &["checkout", "-q", "-b", &branch]);
                for _ in 0..3 {
                    let side = vec![self.files[0].clone()];
                    self.mutate(&side);
                    self.commit("side change");
                }
                git(self.path(), &["checkout", "-q", "main"]);
                let rest: Vec<String> = self.files[1..].to_vec();
                self.mutate(&rest);
                self.commit("main change while side is open");
                git(
                    self.path(),
                    &["merge", "-q", "--no-ff", "-m", "merge side", &branch],
                );
                // The side branch renames nothing, so `files` is still right.
                continue;
            }
            let files = self.files.clone();
            self.mutate(&files);
            if self.rng.next_u64().is_multiple_of(3) {
                // Names as they are now (a rename may just have happened).
                let files = self.files.clone();
                self.mutate(&files);
            }
            self.commit(&format!("change {i}"));
        }
    }
}

/// Every non-merge commit as a run: its added lines as pending segments.
fn evidence_of_all_commits(repo: &Repo) -> (HashMap<String, Evidence>, Vec<Segment>) {
    let list = git(&repo.dir, &["rev-list", "--no-merges", "--reverse", "HEAD"]);
    let mut blobs = repo.blobs().expect("test data");
    let mut evidence = HashMap::new();
    let mut segments = Vec::new();
    let mut range_id = 0;
    for commit in list.lines() {
        let parent = repo
            .first_parent(commit)
            .expect("test data")
            .unwrap_or_else(|| mergeloom_worker::code_audit::git::EMPTY_TREE.to_owned());
        let files = capture::added_ranges(repo, &mut blobs, &parent, commit).expect("test data");
        evidence.insert(
            commit.to_owned(),
            Evidence {
                id: commit.to_owned(),
                origin: commit.to_owned(),
                content_checked: false,
            },
        );
        for f in files {
            for r in f.ranges {
                range_id += 1;
                segments.push(Segment {
                    id: None,
                    evidence_id: commit.to_owned(),
                    range_id,
                    range_path: f.path.clone(),
                    range_start: r.start_line,
                    offset: 0,
                    len: r.end_line - r.start_line + 1,
                    status: LineStatus::Pending,
                    path: f.path.clone(),
                    start: r.start_line,
                    commit: commit.to_owned(),
                    content_hash: r.content_hash,
                    dirty: true,
                });
            }
        }
    }
    (evidence, segments)
}

/// `(path, line) → commit` for every line at HEAD, from `git blame --porcelain`.
fn blame(dir: &Path) -> HashMap<(String, u32), String> {
    let mut out = HashMap::new();
    for path in git(dir, &["ls-files"]).lines() {
        let text = git(dir, &["blame", "--porcelain", "HEAD", "--", path]);
        for line in text.lines() {
            let mut f = line.split(' ');
            let (Some(sha), Some(_orig), Some(fin)) = (f.next(), f.next(), f.next()) else {
                continue;
            };
            if sha.len() == 40
                && sha.bytes().all(|b| b.is_ascii_hexdigit())
                && let Ok(n) = fin.parse::<u32>()
            {
                out.insert((path.to_owned(), n), sha.to_owned());
            }
        }
    }
    out
}

/// Agreement with blame: `(agreeing lines, lines in either set, wrong attributions)`.
fn compare(segments: &[Segment], blame: &HashMap<(String, u32), String>) -> (usize, usize, usize) {
    let mut ours: HashMap<String, HashSet<(String, u32)>> = HashMap::new();
    let mut wrong = 0;
    for s in segments.iter().filter(|s| s.status == LineStatus::Current) {
        for k in 0..s.len {
            let key = (s.path.clone(), s.start + k);
            match blame.get(&key) {
                Some(c) if *c == s.evidence_id => {}
                _ => wrong += 1,
            }
            ours.entry(s.evidence_id.clone()).or_default().insert(key);
        }
    }
    let mut theirs: HashMap<String, HashSet<(String, u32)>> = HashMap::new();
    for (k, c) in blame {
        theirs.entry(c.clone()).or_default().insert(k.clone());
    }
    let moved: HashSet<(String, u32)> = segments
        .iter()
        .filter(|s| s.status == LineStatus::Moved)
        .flat_map(|s| (0..s.len).map(move |k| (s.path.clone(), s.start + k)))
        .collect();
    let (mut agree, mut union) = (0, 0);
    let commits: HashSet<&String> = ours.keys().chain(theirs.keys()).collect();
    let empty = HashSet::new();
    for c in commits {
        let a = ours.get(c).unwrap_or(&empty);
        // Lines blame gives to c that we report `moved` (from an earlier commit) are not a
        // disagreement, unless c's own evidence also holds them.
        let b: HashSet<(String, u32)> = theirs
            .get(c)
            .unwrap_or(&empty)
            .iter()
            .filter(|k| !moved.contains(*k) || a.contains(*k))
            .cloned()
            .collect();
        if std::env::var_os("CODE_AUDIT_DEBUG").is_some() {
            for k in a.symmetric_difference(&b) {
                eprintln!(
                    "  {} {}:{} ours={} blame={}",
                    &c[..8],
                    k.0,
                    k.1,
                    a.contains(k),
                    b.contains(k)
                );
            }
        }
        agree += a.intersection(&b).count();
        union += a.union(&b).count();
    }
    (agree, union, wrong)
}

fn reconcile(
    repo: &Repo,
    last: Option<String>,
    evidence: &HashMap<String, Evidence>,
    segs: Vec<Segment>,
) -> engine::Outcome {
    let tip = repo
        .commit_id("HEAD")
        .expect("test data")
        .expect("test data");
    engine::reconcile(
        repo,
        Input {
            last_commit: last,
            loc_total: 0,
            tip,
            evidence: evidence.clone(),
            segments: segs,
        },
    )
    .expect("test data")
}

#[test]
fn engine_agrees_with_git_blame_over_generated_histories() {
    let (mut agree, mut union, mut wrong) = (0, 0, 0);
    for seed in 1..=6u64 {
        let mut h = History::new(seed * 7919);
        h.grow(45);
        let repo = Repo::new(h.path(), Vec::new());
        let (evidence, segs) = evidence_of_all_commits(&repo);
        let out = reconcile(&repo, None, &evidence, segs);
        assert_eq!(
            out.loc_total,
            numstat_loc(h.path()),
            "seed {seed}: loc_total"
        );
        let (a, u, w) = compare(&out.segments, &blame(h.path()));
        eprintln!(
            "seed {seed}: {a}/{u} lines agree with blame, {w} wrong, {} moved",
            out.stats.moved_lines
        );
        agree += a;
        union += u;
        wrong += w;
    }
    let rate = agree as f64 / union as f64;
    eprintln!(
        "agreement with git blame: {agree}/{union} = {:.4}%",
        rate * 100.0
    );
    assert!(rate >= 0.995, "agreement {rate:.4} below 99.5%");
    assert_eq!(
        wrong, 0,
        "lines reported current that blame gives to another commit"
    );
}

/// Lines of the text files at HEAD as `git diff --numstat` from the empty tree counts them.
fn numstat_loc(dir: &Path) -> i64 {
    git(
        dir,
        &[
            "diff",
            "--numstat",
            mergeloom_worker::code_audit::git::EMPTY_TREE,
            "HEAD",
        ],
    )
    .lines()
    .filter_map(|l| l.split('\t').next()?.parse::<i64>().ok())
    .sum()
}

/// `loc_total` is the same whether the walk starts at the first commit (counted from the blobs
/// the walk read), later (counted by git), or incrementally: text files only, a last line
/// without a newline counts, binary files and deleted files do not, symlinks are one line.
#[test]
fn lines_of_code_are_counted_like_git_whatever_the_walk_reads() {
    let dir = tempfile::tempdir().expect("test data");
    let d = dir.path();
    git(d, &["init", "-q", "-b", "main"]);
    git(d, &["config", "commit.gpgsign", "false"]);
    let write = |name: &str, data: &[u8]| {
        let p = d.join(name);
        std::fs::create_dir_all(p.parent().expect("test data")).expect("test data");
        std::fs::write(p, data).expect("test data");
    };
    write("a.txt", b"one\ntwo\nthree\n");
    write("gone.txt", b"x\ny\n");
    write("img.bin", b"\x89PNG\0\0\x01\nmore\n");
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "-m", "first"]);
    write("src/b.rs", b"fn main() {}\n// no newline at the end");
    std::os::unix::fs::symlink("a.txt", d.join("link")).expect("test data");
    git(d, &["rm", "-q", "gone.txt"]);
    git(d, &["mv", "a.txt", "renamed.txt"]);
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "-m", "second"]);
    git(d, &["checkout", "-q", "-b", "side", "HEAD~1"]);
    write("side.txt", b"s1\ns2\n");
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "-m", "side"]);
    git(d, &["checkout", "-q", "main"]);
    git(d, &["merge", "-q", "--no-ff", "-m", "merge", "side"]);
    let expected = numstat_loc(d);
    assert_eq!(expected, 3 + 2 + 2 + 1, "the fixture's own count");
    let repo = Repo::new(d, Vec::new());
    let (evidence, segs) = evidence_of_all_commits(&repo);
    // From the first commit: every file of HEAD was read on the way.
    let all = reconcile(&repo, None, &evidence, segs.clone());
    assert_eq!(all.loc_total, expected);
    // Only the side branch's run: the walk starts at the merge base, git counts.
    let side = git(d, &["rev-parse", "side"]).trim().to_owned();
    let late: Vec<Segment> = segs
        .iter()
        .filter(|s| s.evidence_id == side)
        .cloned()
        .collect();
    assert!(!late.is_empty());
    assert_eq!(reconcile(&repo, None, &evidence, late).loc_total, expected);
    // No evidence at all: nothing is walked.
    assert_eq!(
        reconcile(&repo, None, &evidence, Vec::new()).loc_total,
        expected
    );
    // Incrementally, from the last reconciled commit's count.
    // (HEAD~1 has renamed.txt, src/b.rs and the link.)
    let first = git(d, &["rev-parse", "HEAD~1"]).trim().to_owned();
    let tip = repo
        .commit_id("HEAD")
        .expect("test data")
        .expect("test data");
    let out = engine::reconcile(
        &repo,
        Input {
            last_commit: Some(first),
            loc_total: 3 + 2 + 1,
            tip,
            evidence: evidence.clone(),
            segments: Vec::new(),
        },
    )
    .expect("test data");
    assert_eq!(out.loc_total, expected);
}

#[test]
fn incremental_reconciliation_matches_one_pass() {
    let mut h = History::new(424_242);
    h.grow(12);
    let repo = Repo::new(h.path(), Vec::new());
    let (evidence, segs) = evidence_of_all_commits(&repo);
    let first = reconcile(&repo, None, &evidence, segs);
    let mut last = repo.commit_id("HEAD").expect("test data");
    let mut segs = first.segments;
    // More history, reconciled in steps; evidence for the new commits joins as it appears.
    for _ in 0..3 {
        h.grow(8);
        let (all_evidence, all_segs) = evidence_of_all_commits(&repo);
        let known: HashSet<String> = segs.iter().map(|s| s.evidence_id.clone()).collect();
        segs.extend(
            all_segs
                .into_iter()
                .filter(|s| !known.contains(&s.evidence_id)),
        );
        let open: Vec<Segment> = segs
            .iter()
            .filter(|s| s.status.is_open())
            .cloned()
            .collect();
        let closed: Vec<Segment> = segs.into_iter().filter(|s| !s.status.is_open()).collect();
        let out = reconcile(&repo, last.clone(), &all_evidence, open);
        segs = closed.into_iter().chain(out.segments).collect();
        last = repo.commit_id("HEAD").expect("test data");
    }
    let (all_evidence, all_segs) = evidence_of_all_commits(&repo);
    let one_pass = reconcile(&repo, None, &all_evidence, all_segs);
    let b = blame(h.path());
    let (a1, u1, w1) = compare(&segs, &b);
    let (a2, u2, w2) = compare(&one_pass.segments, &b);
    eprintln!("incremental {a1}/{u1} ({w1} wrong), one pass {a2}/{u2} ({w2} wrong)");
    assert_eq!(w1, 0);
    assert!(a1 as f64 / u1 as f64 >= 0.995);
    assert_eq!(
        (a1, u1),
        (a2, u2),
        "incremental and one-pass results differ"
    );
}
