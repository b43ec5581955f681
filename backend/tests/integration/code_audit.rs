//! Code Audit end to end: real runs publish through the executor, their evidence is captured,
//! and the tracked branch of a real bare remote is changed the ways teams merge (merge commit,
//! squash, rebase) or rewrite (force-push); each reconciliation is checked through the API and
//! the exports, against the files in git.

use std::collections::HashSet;
use std::fs;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::executor::{Api, Repo, Worker, git, s, worker};

const FEATURE: &str =
    "def mul(a, b):\n    return a * b\n\n\ndef square(x):\n    return mul(x, x)\n";

/// Fixes `calc.py` and adds `feature.py` (6 lines).
fn agent_body() -> String {
    format!("fix()\nwrite(\"feature.py\", {FEATURE:?})\n")
}

/// Runs the job to `completed`; returns (run id, branch).
async fn publish(w: &Worker, repo: &Repo, key: &str) -> (String, String) {
    let agent = repo.agent(key, &agent_body());
    let (id, run) = w.api.run_to_end(&repo.job(key, &agent)).await;
    assert_eq!(s(&run, "/status"), "completed", "{run}");
    (id, s(&run, "/branch"))
}

/// Asks for a reconciliation and waits for it to end; returns the job.
async fn reconcile(api: &Api, repo_id: &str) -> Value {
    let (code, job) = api
        .post(
            &format!("/api/v1/code-audit/repositories/{repo_id}/reconcile"),
            &json!({}),
        )
        .await;
    assert_eq!(code, 202, "{job}");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (_, list) = api
            .get(&format!(
                "/api/v1/code-audit/repositories/{repo_id}/reconciliations"
            ))
            .await;
        let found = list["items"]
            .as_array()
            .and_then(|a| a.iter().find(|j| j["id"] == job["id"]).cloned());
        if let Some(j) = found.filter(|j| j["status"] == "succeeded" || j["status"] == "failed") {
            return j;
        }
        assert!(
            Instant::now() < deadline,
            "reconciliation did not end: {list}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn code_repo(api: &Api, repo_id: &str) -> Value {
    let (code, r) = api
        .get(&format!("/api/v1/code-audit/repositories/{repo_id}"))
        .await;
    assert_eq!(code, 200, "{r}");
    r
}

/// The repository id of a run.
async fn repo_id_of(api: &Api, run_id: &str) -> String {
    s(&api.run(run_id).await, "/repository/id")
}

/// A working clone of the remote.
fn clone(repo: &Repo, name: &str) -> std::path::PathBuf {
    let dir = repo.scratch(name);
    fs::remove_dir_all(&dir).ok();
    git(
        repo.dir.path(),
        &["clone", "--quiet", &repo.remote_url(), name],
    );
    dir
}

fn counts(r: &Value) -> (i64, i64, i64, i64, i64) {
    let c = &r["status_counts"];
    let n = |k: &str| c[k].as_i64().unwrap_or(-1);
    (
        n("current"),
        n("pending"),
        n("superseded"),
        n("deleted"),
        n("unknown"),
    )
}

/// Waits for the reconciliation queued by the publish, so later ones start from a known state.
async fn settle(api: &Api, repo_id: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (code, list) = api
            .get(&format!(
                "/api/v1/code-audit/repositories/{repo_id}/reconciliations"
            ))
            .await;
        let busy = code != 200
            || list["items"].as_array().is_none_or(|a| {
                a.is_empty()
                    || a.iter()
                        .any(|j| j["status"] == "pending" || j["status"] == "running")
            });
        if !busy {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "publish reconciliation did not end: {list}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn sha256_lines(text: &str, start: usize, end: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let joined = lines[start - 1..end].join("\n");
    format!("sha256:{}", hex::encode(Sha256::digest(joined.as_bytes())))
}

/// Publish → pending; merge commit → current, with the file view, evidence list and every export
/// agreeing with git; a later edit supersedes one line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn published_run_is_pending_until_merged_then_current() {
    let repo = Repo::new();
    let w = worker(|_| {}).await;
    let (run_id, branch) = publish(&w, &repo, "CA-1").await;
    let rid = repo_id_of(&w.api, &run_id).await;
    settle(&w.api, &rid).await;
    let r = code_repo(&w.api, &rid).await;
    // calc.py: one line replaced; feature.py: 6 new lines.
    assert_eq!(r["touched_lines"], 7, "{r}");
    assert_eq!(counts(&r), (0, 7, 0, 0, 0), "{r}");
    assert_eq!(r["default_branch"], "main");
    // The run head is kept under refs/mergeloom/runs/ in the mirror.
    let mirror = w
        .data
        .path()
        .join("workspaces/mirrors")
        .join(format!("{rid}.git"));
    git(
        &mirror,
        &[
            "rev-parse",
            "--verify",
            &format!("refs/mergeloom/runs/{run_id}"),
        ],
    );

    let work = clone(&repo, "merge");
    git(
        &work,
        &[
            "merge",
            "--quiet",
            "--no-ff",
            "-m",
            "merge run",
            &format!("origin/{branch}"),
        ],
    );
    git(&work, &["push", "--quiet", "origin", "main"]);
    let job = reconcile(&w.api, &rid).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    let r = code_repo(&w.api, &rid).await;
    assert_eq!(counts(&r), (7, 0, 0, 0, 0), "{r}");
    assert_eq!(r["current_lines"], 7);
    assert_eq!(r["last_reconciled_commit"], repo.main_commit());
    let loc = git(&work, &["ls-files"])
        .lines()
        .map(|f| {
            fs::read_to_string(work.join(f))
                .expect("test data")
                .lines()
                .count()
        })
        .sum::<usize>();
    assert_eq!(r["loc_total"], loc as i64);

    // The file view marks exactly feature.py's six lines with the run.
    let (code, view) = w
        .api
        .get(&format!(
            "/api/v1/code-audit/repositories/{rid}/file?path=feature.py"
        ))
        .await;
    assert_eq!(code, 200, "{view}");
    let marked: Vec<i64> = view["lines"]
        .as_array()
        .expect("test data")
        .iter()
        .filter(|l| l["evidence"]["run_id"] == run_id.as_str())
        .map(|l| l["number"].as_i64().expect("test data"))
        .collect();
    assert_eq!(marked, vec![1, 2, 3, 4, 5, 6]);
    assert_eq!(view["lines"][0]["evidence"]["ticket_key"], "CA-1");
    assert_eq!(view["lines"][0]["evidence"]["status"], "current");

    // CSV export: parsed, header exactly as API.md, rows agree with the file in git.
    let csv_text = w
        .api
        .text(&format!(
            "/api/v1/code-audit/export?repository={rid}&format=csv"
        ))
        .await;
    let mut rdr = csv::Reader::from_reader(csv_text.as_bytes());
    let header: Vec<String> = rdr
        .headers()
        .expect("test data")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header.join(","),
        "repository,commit,path,start_line,end_line,line_count,status,run_id,ticket_key,provider,model,origin_commit,content_hash,reconciled_at,compliance_mode"
    );
    let feature = fs::read_to_string(work.join("feature.py")).expect("test data");
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    let f = rows
        .iter()
        .find(|r| &r[2] == "feature.py")
        .expect("a feature.py row");
    assert_eq!(
        (&f[3], &f[4], &f[5], &f[6], &f[7]),
        ("1", "6", "6", "current", run_id.as_str())
    );
    assert_eq!(&f[1], repo.main_commit().as_str());
    assert_eq!(&f[12], sha256_lines(&feature, 1, 6).as_str());

    // Agent Trace: one record at the reconciled commit for the run, hashes over the lines.
    let (code, trace) = w
        .api
        .get(&format!(
            "/api/v1/code-audit/export?repository={rid}&format=agent-trace"
        ))
        .await;
    assert_eq!(code, 200);
    let rec = &trace["traces"][0];
    assert_eq!(rec["version"], "0.1.0");
    assert_eq!(rec["vcs"]["type"], "git");
    assert_eq!(rec["vcs"]["revision"], repo.main_commit());
    assert_eq!(rec["metadata"]["mergeloom"]["run_id"], run_id.as_str());
    let files = rec["files"].as_array().expect("test data");
    let ff = files
        .iter()
        .find(|f| f["path"] == "feature.py")
        .expect("test data");
    let conv = &ff["conversations"][0];
    assert_eq!(conv["contributor"]["type"], "ai");
    assert_eq!(
        conv["ranges"][0]["content_hash"],
        sha256_lines(&feature, 1, 6)
    );

    // Files-level CSV and JSON.
    let files_csv = w
        .api
        .text(&format!(
            "/api/v1/code-audit/export?repository={rid}&format=csv&level=files"
        ))
        .await;
    assert!(
        files_csv.lines().any(|l| l.contains(",feature.py,6,6,0,")),
        "{files_csv}"
    );
    let (_, j) = w
        .api
        .get(&format!(
            "/api/v1/code-audit/export?repository={rid}&format=json"
        ))
        .await;
    assert_eq!(j["items"].as_array().map(Vec::len), Some(rows.len()));

    // A later human edit of one line supersedes it; the rest shift and stay current.
    fs::write(
        work.join("feature.py"),
        format!("# header\n{}", FEATURE.replace("a * b", "b * a")),
    )
    .expect("test data");
    git(&work, &["commit", "--quiet", "-am", "edit"]);
    git(&work, &["push", "--quiet", "origin", "main"]);
    reconcile(&w.api, &rid).await;
    let r = code_repo(&w.api, &rid).await;
    assert_eq!(counts(&r), (6, 0, 1, 0, 0), "{r}");
    let (_, ev) = w
        .api
        .get(&format!(
            "/api/v1/code-audit/repositories/{rid}/evidence?path=feature.py&status=current"
        ))
        .await;
    let starts: HashSet<i64> = ev["items"]
        .as_array()
        .expect("test data")
        .iter()
        .map(|r| r["start_line"].as_i64().expect("test data"))
        .collect();
    assert_eq!(starts, HashSet::from([2, 4]), "{ev}");
    // The chart has one point per successful reconciliation.
    assert!(r["history"].as_array().expect("test data").len() >= 3);
    w.stop().await;
}

/// Squash merges and rebases (no ancestry) are found by content; a force-push that drops a run's
/// commit never leaves its lines `current`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn squash_rebase_and_force_push() {
    let repo = Repo::new();
    let w = worker(|_| {}).await;
    let (run_a, branch_a) = publish(&w, &repo, "CA-2").await;
    let rid = repo_id_of(&w.api, &run_a).await;
    settle(&w.api, &rid).await;

    // Squash: the run's change lands as a new commit with another parent.
    let work = clone(&repo, "squash");
    fs::write(work.join("NOTES.md"), "notes\n").expect("test data");
    git(&work, &["add", "NOTES.md"]);
    git(
        &work,
        &["commit", "--quiet", "-m", "unrelated work on main"],
    );
    git(
        &work,
        &[
            "merge",
            "--quiet",
            "--squash",
            &format!("origin/{branch_a}"),
        ],
    );
    git(&work, &["commit", "--quiet", "-m", "squashed"]);
    git(&work, &["push", "--quiet", "origin", "main"]);
    let job = reconcile(&w.api, &rid).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["counts"]["engine"]["activated_by_content"], 1, "{job}");
    let r = code_repo(&w.api, &rid).await;
    assert_eq!(counts(&r), (7, 0, 0, 0, 0), "{r}");

    // Rebase of a second run (a second feature file) onto a moved main.
    let agent = repo.agent(
        "b",
        "write(\"extra.py\", \"X = 1\\nY = 2\\nZ = 3\\n\")\nfix()\n",
    );
    let id_b = w.api.submit(&repo.job("CA-3", &agent)).await;
    let run_b = w.api.wait_terminal(&id_b).await;
    assert_eq!(s(&run_b, "/status"), "completed", "{run_b}");
    settle(&w.api, &rid).await;
    let work = clone(&repo, "rebase");
    fs::write(work.join("README.md"), "# calc\n\nmore\n").expect("test data");
    git(&work, &["commit", "--quiet", "-am", "main moves on"]);
    git(
        &work,
        &["cherry-pick", &format!("origin/{}", s(&run_b, "/branch"))],
    )
    .to_string();
    git(&work, &["push", "--quiet", "origin", "main"]);
    reconcile(&w.api, &rid).await;
    let (_, ev) = w
        .api
        .get(&format!(
            "/api/v1/code-audit/repositories/{rid}/evidence?run={id_b}"
        ))
        .await;
    let statuses: HashSet<String> = ev["items"]
        .as_array()
        .expect("test data")
        .iter()
        .map(|r| s(r, "/status"))
        .collect();
    // The rebased run's calc.py line was already fixed by run A: the cherry-pick only adds extra.py.
    assert!(statuses.contains("current"), "{ev}");
    let extra: i64 = ev["items"]
        .as_array()
        .expect("test data")
        .iter()
        .filter(|r| r["path"] == "extra.py" && r["status"] == "current")
        .map(|r| {
            r["end_line"].as_i64().expect("test data")
                - r["start_line"].as_i64().expect("test data")
                + 1
        })
        .sum();
    assert_eq!(extra, 3, "{ev}");

    // Force-push main back to before both runs: their lines are not current any more.
    let work = clone(&repo, "force");
    let first = git(&work, &["rev-list", "--max-parents=0", "HEAD"])
        .trim()
        .to_owned();
    git(&work, &["reset", "--quiet", "--hard", &first]);
    fs::write(work.join("OTHER.md"), "other\n").expect("test data");
    git(&work, &["add", "OTHER.md"]);
    git(&work, &["commit", "--quiet", "-m", "rewritten history"]);
    git(&work, &["push", "--quiet", "--force", "origin", "main"]);
    let job = reconcile(&w.api, &rid).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["counts"]["engine"]["force_pushed"], true, "{job}");
    let r = code_repo(&w.api, &rid).await;
    assert_eq!(r["current_lines"], 0, "{r}");
    let (_, ev) = w
        .api
        .get(&format!("/api/v1/code-audit/repositories/{rid}/evidence"))
        .await;
    for item in ev["items"].as_array().expect("test data") {
        let st = s(item, "/status");
        assert!(
            matches!(
                st.as_str(),
                "deleted" | "unknown" | "superseded" | "pending"
            ),
            "{item}"
        );
    }
    w.stop().await;
}

/// Evidence from runs executed elsewhere: validated, stored, reconciled; a repository without a
/// mirror waits; bad input changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evidence_from_elsewhere() {
    let repo = Repo::new();
    let w = worker(|_| {}).await;
    // A first run creates the mirror of this repository.
    let (run_a, _) = publish(&w, &repo, "CA-4").await;
    let rid = repo_id_of(&w.api, &run_a).await;
    settle(&w.api, &rid).await;
    let main = repo.main_commit();
    let good = json!({
        "repository": {"url": repo.remote_url()},
        "run_id": "ext-1",
        "ticket": {"key": "EXT-1"},
        "commit": main,
        "provider": {"kind": "claude-code-cli", "model": "claude-x"},
        "files": [{"path": "test_calc.py", "ranges": [{"start_line": 1, "end_line": 3}]}],
    });
    // Invalid: a range outside the file, a path escaping the repository, a bad commit.
    let mut bad = good.clone();
    bad["files"][0]["ranges"][0]["end_line"] = json!(500);
    let (code, body) = w.api.post("/api/v1/code-audit/evidence", &bad).await;
    assert_eq!(code, 422, "{body}");
    let mut bad = good.clone();
    bad["files"][0]["path"] = json!("../etc/passwd");
    bad["commit"] = json!("xyz");
    let (code, body) = w.api.post("/api/v1/code-audit/evidence", &bad).await;
    assert_eq!(code, 422, "{body}");
    let paths: Vec<String> = body["error"]["details"]["fields"]
        .as_array()
        .expect("test data")
        .iter()
        .map(|f| s(f, "/path"))
        .collect();
    assert!(
        paths.contains(&"files[0].path".to_owned()) && paths.contains(&"commit".to_owned()),
        "{body}"
    );
    let r = code_repo(&w.api, &rid).await;
    assert_eq!(r["touched_lines"], 7, "nothing stored by bad input: {r}");

    let (code, created) = w.api.post("/api/v1/code-audit/evidence", &good).await;
    assert_eq!(code, 201, "{created}");
    assert_eq!(created["verified"], true);
    assert_eq!(created["repository_id"], rid.as_str());
    let (code, _) = w.api.post("/api/v1/code-audit/evidence", &good).await;
    assert_eq!(code, 409, "the same run twice is a conflict");
    reconcile(&w.api, &rid).await;
    let (_, ev) = w
        .api
        .get(&format!(
            "/api/v1/code-audit/repositories/{rid}/evidence?run=ext-1"
        ))
        .await;
    let item = &ev["items"][0];
    assert_eq!(
        (
            s(item, "/status").as_str(),
            item["start_line"].as_i64(),
            item["end_line"].as_i64()
        ),
        ("current", Some(1), Some(3)),
        "{ev}"
    );
    assert_eq!(item["provider"], "claude-code-cli");

    // A repository the worker has no mirror of: stored unverified, lines wait for a workspace.
    let other = json!({
        "repository": {"url": "https://git.example.invalid/acme/api.git", "name": "acme/api"},
        "ticket": {"key": "EXT-2"},
        "commit": "0123456789abcdef0123456789abcdef01234567",
        "provider": {"kind": "codex-cli"},
        "files": [{"path": "src/a.rs", "ranges": [{"start_line": 1, "end_line": 4}]}],
    });
    let (code, created) = w.api.post("/api/v1/code-audit/evidence", &other).await;
    assert_eq!(code, 201, "{created}");
    assert_eq!(created["verified"], false);
    let other_id = s(&created, "/repository_id");
    let job = reconcile(&w.api, &other_id).await;
    assert_eq!(job["status"], "failed");
    assert!(s(&job, "/error").contains("mirror"), "{job}");
    let r = code_repo(&w.api, &other_id).await;
    assert_eq!(r["status_counts"]["waiting_for_workspace"], 4, "{r}");
    assert!(r["failed_reconciliations"].as_i64() >= Some(1), "{r}");
    assert_eq!(r["reconciliation"]["status"], "failed");
    assert_eq!(r["url"], "https://git.example.invalid/acme/api");

    // Unknown repository and bad filters.
    let (code, _) = w.api.get("/api/v1/code-audit/repositories/nope").await;
    assert_eq!(code, 404);
    let (code, _) = w
        .api
        .get(&format!(
            "/api/v1/code-audit/repositories/{rid}/files?status=bogus"
        ))
        .await;
    assert_eq!(code, 422);
    let (code, _) = w.api.get("/api/v1/code-audit/export?format=xml").await;
    assert_eq!(code, 422);
    w.stop().await;
}
