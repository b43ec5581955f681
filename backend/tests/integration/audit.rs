//! Ticket Audit (`API.md`, "Ticket Audit") end to end: runs built by the real executor (bare git
//! remotes in temp directories, Python agents, one executor) — happy, repaired, exhausted, blocked
//! by the diff guard, cancelled — and their `mergeloom.ticket-audit.v1` records checked field by
//! field against what happened (the remote's refs, `git diff --numstat` in a clone, the Runs API);
//! the stored per-file diff (also after the workspaces are deleted); the list with every filter,
//! cursor paging and the CI look-ups; the CSV (parsed with a real CSV parser) and NDJSON exports;
//! errors (404, 409, 410, 422).

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use diesel::prelude::*;
use serde_json::{Value, json};
use tempfile::TempDir;

use super::executor::{Api, FIXED_CALC, Repo, Worker, git, i, s, st, stages, worker};
use super::support::{TestServer, assert_envelope, field_paths, str_at};

const SCHEMA: &str = "mergeloom.ticket-audit.v1";
const CSV_HEADER: &str = "run_id,job_id,attempt,ticket_key,ticket_title,repository,branch,provider,model,status,reason_code,failed_stage,validation_passed,repair_attempts,review_fixes_ran,files_changed,additions,deletions,input_tokens,output_tokens,cost_usd,started_at,finished_at,duration_ms,compliance_mode";
const VALIDATE: &str = "python3 -m unittest -q";
/// A title a spreadsheet would evaluate (and with a comma and quotes).
const FORMULA_TITLE: &str = "=HYPERLINK(\"http://x.example\",\"fix\") add";
const COMMA_TITLE: &str = "Fix \"add\", again";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// `GET /api/v1/audit/runs/{id}`, asserting 200.
async fn record(api: &Api, id: &str) -> Value {
    let (status, body) = api.get(&format!("/api/v1/audit/runs/{id}")).await;
    assert_eq!(status, 200, "audit record of {id}: {body}");
    body
}

/// A GET with its status, headers and body text.
async fn raw(api: &Api, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let resp = api
        .http
        .get(format!("{}{path}", api.base))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("body text");
    (status, headers, text)
}

fn header(h: &reqwest::header::HeaderMap, name: &str) -> String {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The run ids of a list response, in order.
fn ids(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items in {list}"))
        .iter()
        .map(|x| s(x, "/run_id"))
        .collect()
}

/// `GET /api/v1/audit/runs?<query>` (asserting 200): the run ids on the first page.
async fn list_ids(api: &Api, query: &str) -> Vec<String> {
    let (status, body) = api.get(&format!("/api/v1/audit/runs?{query}")).await;
    assert_eq!(status, 200, "audit list ?{query}: {body}");
    ids(&body)
}

/// A record's commands of one source as `(stage, attempt, command, exit_code)`.
fn commands(rec: &Value, source: &str) -> Vec<Cmd> {
    rec["commands"]
        .as_array()
        .expect("commands")
        .iter()
        .filter(|c| c["source"] == source)
        .map(|c| {
            (
                s(c, "/stage"),
                i(c, "/attempt"),
                s(c, "/command"),
                c["exit_code"].as_i64(),
            )
        })
        .collect()
}

/// The record's validation commands as `(stage, attempt, command, exit_code)`.
fn validation(rec: &Value) -> Vec<Cmd> {
    rec["validation"]["commands"]
        .as_array()
        .expect("validation.commands")
        .iter()
        .map(|c| {
            (
                s(c, "/stage"),
                i(c, "/attempt"),
                s(c, "/command"),
                c["exit_code"].as_i64(),
            )
        })
        .collect()
}

/// A command as `(stage, attempt, command, exit_code)`.
type Cmd = (String, i64, String, Option<i64>);

fn cmd(stage: &str, attempt: i64, command: &str, exit: Option<i64>) -> Cmd {
    (stage.to_owned(), attempt, command.to_owned(), exit)
}

/// The record's stages as `(name, attempt, status)`.
fn record_stages(rec: &Value) -> Vec<(String, i64, String)> {
    rec["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .map(|x| (s(x, "/name"), i(x, "/attempt"), s(x, "/status")))
        .collect()
}

/// What every record must agree on with the Runs API and with itself.
fn assert_consistent(rec: &Value, run: &Value) {
    let id = s(run, "/id");
    assert_eq!(rec["schema"], SCHEMA);
    // run
    for f in [
        "id",
        "job_id",
        "attempt",
        "status",
        "created_at",
        "started_at",
        "finished_at",
        "duration_ms",
    ] {
        assert_eq!(rec["run"][f], run[f], "run.{f} of {id}");
    }
    assert!(
        rec["run"]["duration_ms"].as_i64().is_some(),
        "duration of {id}"
    );
    // ticket (the run's view lacks `source`)
    for f in ["key", "title", "url"] {
        assert_eq!(rec["ticket"][f], run["ticket"][f], "ticket.{f} of {id}");
    }
    // repository
    for f in ["id", "name", "url"] {
        assert_eq!(
            rec["repository"][f], run["repository"][f],
            "repository.{f} of {id}"
        );
    }
    for f in ["base_commit", "head_commit", "branch", "pushed"] {
        assert_eq!(rec["repository"][f], run[f], "repository.{f} of {id}");
    }
    // provider
    for f in ["id", "kind", "model"] {
        assert_eq!(
            rec["provider"][f], run["provider"][f],
            "provider.{f} of {id}"
        );
    }
    assert!(
        rec["provider"].get("version").is_some(),
        "provider.version present"
    );
    // stages: the run's, field by field, in pipeline order then attempt
    let want: Vec<Value> = run["stages"]
        .as_array()
        .expect("run stages")
        .iter()
        .map(|x| {
            json!({
                "name": x["name"], "attempt": x["attempt"], "status": x["status"],
                "started_at": x["started_at"], "finished_at": x["finished_at"],
                "duration_ms": x["duration_ms"], "summary": x["summary"],
            })
        })
        .collect();
    assert_eq!(rec["stages"], json!(want), "stages of {id}");
    // validation mode and verdict
    assert_eq!(rec["validation"]["mode"], run["validation"]["mode"]);
    assert_eq!(rec["validation"]["passed"], run["validation"]["passed"]);
    // usage, outcome, retention
    assert_eq!(rec["usage"], run["usage"], "usage of {id}");
    for f in ["status", "reason_code", "reason", "failed_stage"] {
        assert_eq!(rec["outcome"][f], run["outcome"][f], "outcome.{f} of {id}");
    }
    assert!(
        rec["outcome"]["explanation"]
            .as_str()
            .is_some_and(|e| !e.is_empty()),
        "an explanation: {}",
        rec["outcome"]
    );
    assert_eq!(
        rec["retention"],
        json!({
            "events_retained": run["retention"]["events_retained"],
            "audit_expires_at": run["retention"]["audit_expires_at"],
        })
    );
    assert_eq!(rec["retention"]["events_retained"], true);
    assert!(rec["tools"].is_array(), "tools: {}", rec["tools"]);
    // commands: in the order they started, each from the worker or the provider, in a stage the
    // run has; the validation section is exactly the setup and validation commands, in order.
    let all = rec["commands"].as_array().expect("commands");
    assert!(!all.is_empty(), "the worker's git calls are recorded");
    let starts: Vec<String> = all.iter().map(|c| s(c, "/started_at")).collect();
    assert!(
        starts.windows(2).all(|w| w[0] <= w[1]),
        "commands in order: {starts:?}"
    );
    let stage_names: BTreeSet<String> = record_stages(rec).into_iter().map(|x| x.0).collect();
    for c in all {
        assert!(
            matches!(c["source"].as_str(), Some("worker" | "provider")),
            "{c}"
        );
        assert!(
            stage_names.contains(&s(c, "/stage")),
            "command in a known stage: {c}"
        );
        assert!(c["cwd"].as_str().is_some_and(|d| !d.is_empty()), "cwd: {c}");
        assert!(c["duration_ms"].as_i64().is_some(), "duration: {c}");
    }
    let from_commands: Vec<Value> = all
        .iter()
        .filter(|c| matches!(c["purpose"].as_str(), Some("setup" | "validation")))
        .map(|c| {
            json!([
                c["stage"],
                c["attempt"],
                c["command"],
                c["exit_code"],
                c["duration_ms"]
            ])
        })
        .collect();
    let from_validation: Vec<Value> = rec["validation"]["commands"]
        .as_array()
        .expect("validation.commands")
        .iter()
        .map(|c| {
            assert_eq!(c["timed_out"], false, "{c}");
            json!([
                c["stage"],
                c["attempt"],
                c["command"],
                c["exit_code"],
                c["duration_ms"]
            ])
        })
        .collect();
    assert_eq!(
        from_validation, from_commands,
        "validation commands of {id}"
    );
    // the worker's own git calls all succeeded
    for (stage, attempt, command, exit) in commands(rec, "worker") {
        if command.starts_with("git ") {
            assert_eq!(exit, Some(0), "{stage}#{attempt} {command}");
        }
    }
}

/// A clone of the remote, for `git diff` between base and head.
fn clone(repo: &Repo) -> TempDir {
    let dir = tempfile::tempdir().expect("temp dir for a clone");
    git(dir.path(), &["clone", "--quiet", &repo.remote_url(), "c"]);
    git(
        &dir.path().join("c"),
        &[
            "fetch",
            "--quiet",
            "origin",
            "+refs/heads/*:refs/remotes/origin/*",
        ],
    );
    dir
}

/// The files git reports between `base` and `head`, as the record's `files` (by path).
fn git_files(dir: &Path, base: &str, head: &str) -> Value {
    let numstat = git(dir, &["diff", "--numstat", "-M", base, head]);
    let status = git(dir, &["diff", "--name-status", "-M", base, head]);
    let mut files: Vec<Value> = status
        .lines()
        .zip(numstat.lines())
        .map(|(st, ns)| {
            let st: Vec<&str> = st.split('\t').collect();
            let ns: Vec<&str> = ns.splitn(3, '\t').collect();
            let (change, old, path) = match st[0].chars().next() {
                Some('A') => ("added", None, st[1]),
                Some('D') => ("deleted", None, st[1]),
                Some('M') => ("modified", None, st[1]),
                Some('R') => ("renamed", Some(st[1]), st[2]),
                other => panic!("unexpected status {other:?}"),
            };
            let n = |x: &str| x.parse::<i64>().expect("numstat count");
            json!({"path": path, "old_path": old, "change": change,
                   "additions": n(ns[0]), "deletions": n(ns[1])})
        })
        .collect();
    files.sort_by_key(|f| s(f, "/path"));
    json!(files)
}

/// The whole audit list (one page of up to 500).
async fn all_items(api: &Api) -> Vec<Value> {
    let (status, body) = api.get("/api/v1/audit/runs?limit=500").await;
    assert_eq!(status, 200, "{body}");
    assert!(body["next_cursor"].is_null());
    body["items"].as_array().cloned().unwrap_or_default()
}

/// The CSV row the export must hold for a list item (before the CSV encoding).
fn csv_expected(item: &Value) -> Vec<String> {
    let text = |v: &Value| match v {
        Value::Null => String::new(),
        Value::String(x) => x.clone(),
        other => other.to_string(),
    };
    let neutral = |v: String| {
        if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{v}")
        } else {
            v
        }
    };
    [
        "/run_id",
        "/job_id",
        "/attempt",
        "/ticket/key",
        "/ticket/title",
        "/repository/name",
        "/branch",
        "/provider/id",
        "/provider/model",
        "/outcome/status",
        "/outcome/reason_code",
        "/outcome/failed_stage",
        "/validation_passed",
        "/repair_attempts",
        "/review_fixes_ran",
        "/files_changed",
        "/additions",
        "/deletions",
        "/usage/input_tokens",
        "/usage/output_tokens",
        "/usage/cost_usd",
        "/started_at",
        "/finished_at",
        "/duration_ms",
    ]
    .iter()
    .map(|p| neutral(text(item.pointer(p).unwrap_or(&Value::Null))))
    .collect()
}

// ---------------------------------------------------------------------------------------------
// The five runs
// ---------------------------------------------------------------------------------------------

struct Runs {
    happy: String,
    repaired: String,
    exhausted: String,
    guarded: String,
    cancelled: String,
}

impl Runs {
    /// Newest finished first (they ran one after the other).
    fn newest_first(&self) -> Vec<String> {
        vec![
            self.cancelled.clone(),
            self.guarded.clone(),
            self.exhausted.clone(),
            self.repaired.clone(),
            self.happy.clone(),
        ]
    }
}

fn with_ticket(mut job: Value, key: &str, title: &str) -> Value {
    job["ticket"] = json!({"key": key, "title": title, "url": format!("https://t.example/{key}"), "source": "linear"});
    job["repository"]["name"] = json!("acme/calc");
    job["repository"]["base_ref"] = json!("main");
    job["max_repair_attempts"] = json!(2);
    job
}

async fn run_to_end(w: &Worker, job: &Value) -> String {
    let id = w.api.submit(job).await;
    w.api.wait_terminal(&id).await;
    w.api.wait_executors_idle().await;
    id
}

/// Builds the five runs on one worker, one after the other, checking each record on the way.
async fn five_runs(w: &Worker, repo: &Repo) -> Runs {
    let happy = happy(w, repo).await;
    let repaired = repaired(w, repo).await;
    let exhausted = exhausted(w, repo).await;
    let guarded = guarded(w, repo).await;
    let cancelled = cancelled(w, repo).await;
    Runs {
        happy,
        repaired,
        exhausted,
        guarded,
        cancelled,
    }
}

/// Happy path: a setup command, one validation pass, four kinds of file change, pushed.
async fn happy(w: &Worker, repo: &Repo) -> String {
    let agent = repo.agent(
        "happy",
        "fix()\nwrite('docs/notes.md', 'one\\ntwo\\n')\nos.remove('README.md')\nos.rename('test_calc.py', 'test_add.py')",
    );
    let mut job = with_ticket(repo.job("AUD-1", &agent), "AUD-1", FORMULA_TITLE);
    job["validation"]["setup_commands"] = json!([["python3", "-c", "print('setup ok')"]]);
    let id = run_to_end(w, &job).await;
    let run = w.api.run(&id).await;
    let rec = record(&w.api, &id).await;
    assert_consistent(&rec, &run);

    assert_eq!(rec["run"]["attempt"], 1);
    assert_eq!(rec["run"]["status"], "completed");
    assert_eq!(
        rec["ticket"],
        json!({"key": "AUD-1", "title": FORMULA_TITLE, "url": "https://t.example/AUD-1", "source": "linear"})
    );
    let branch = s(&rec, "/repository/branch");
    let head = s(&rec, "/repository/head_commit");
    let base = s(&rec, "/repository/base_commit");
    assert_eq!(rec["repository"]["name"], "acme/calc");
    assert_eq!(rec["repository"]["base_ref"], "main");
    assert_eq!(base, repo.main_commit(), "base = the remote's main");
    assert_eq!(
        repo.remote_branch(&branch).as_deref(),
        Some(head.as_str()),
        "head = the pushed branch's commit (git ls-remote)"
    );
    assert_eq!(rec["repository"]["pushed"], true);
    assert_eq!(
        rec["provider"],
        json!({"id": "command", "kind": "command", "model": null, "version": null})
    );
    assert_eq!(
        record_stages(&rec),
        [
            st("setup", 1, "succeeded"),
            st("context", 1, "succeeded"),
            st("implement", 1, "succeeded"),
            st("validate", 1, "succeeded"),
            st("repair", 1, "skipped"),
            st("review", 1, "skipped"),
            st("review_fix", 1, "skipped"),
            st("diff_guard", 1, "succeeded"),
            st("publish", 1, "succeeded"),
            st("finalize", 1, "succeeded"),
        ]
    );
    assert_eq!(
        validation(&rec),
        [
            cmd("setup", 1, "python3 -c \"print('setup ok')\"", Some(0)),
            cmd("validate", 1, VALIDATE, Some(0)),
        ]
    );
    let tails: Vec<String> = rec["validation"]["commands"]
        .as_array()
        .expect("commands")
        .iter()
        .map(|c| s(c, "/output_tail"))
        .collect();
    assert_eq!(tails[0], "setup ok\n");
    assert!(
        tails[1].contains("Ran 1 test") && tails[1].trim_end().ends_with("OK"),
        "{}",
        tails[1]
    );
    assert_eq!(rec["validation"]["passed"], true);
    assert_eq!(
        rec["repair"],
        json!({"max_attempts": 2, "attempts": 0, "ran": false, "succeeded": null})
    );
    assert_eq!(
        rec["review"],
        json!({"ran": false, "approved": null, "findings": [], "fixes_ran": false})
    );
    assert_eq!(
        rec["diff_guard"],
        json!({"ran": true, "passed": true, "flags": []})
    );
    // files: what git says between base and head, in a clone
    let c = clone(repo);
    let cdir = c.path().join("c");
    let want_files = git_files(&cdir, &base, &head);
    assert_eq!(rec["files"], want_files);
    assert_eq!(
        rec["files"],
        json!([
            {"path": "README.md", "old_path": null, "change": "deleted", "additions": 0, "deletions": 1},
            {"path": "calc.py", "old_path": null, "change": "modified", "additions": 1, "deletions": 1},
            {"path": "docs/notes.md", "old_path": null, "change": "added", "additions": 2, "deletions": 0},
            {"path": "test_add.py", "old_path": "test_calc.py", "change": "renamed", "additions": 0, "deletions": 0},
        ])
    );
    // commands: the provider once, in implement; the worker's git calls around it, in order
    let agent_cmd = format!("python3 {agent}");
    assert_eq!(
        commands(&rec, "provider"),
        [cmd("implement", 1, &agent_cmd, Some(0))]
    );
    let worker_cmds = commands(&rec, "worker");
    let position = |pred: &dyn Fn(&Cmd) -> bool, what: &str| {
        worker_cmds
            .iter()
            .position(pred)
            .unwrap_or_else(|| panic!("no worker command {what} in {worker_cmds:#?}"))
    };
    let fetch = position(
        &|c| c.0 == "setup" && c.2.starts_with("git fetch"),
        "git fetch",
    );
    let wt = position(
        &|c| c.0 == "setup" && c.2.starts_with("git worktree add") && c.2.contains(&branch),
        "git worktree add",
    );
    let setup_cmd = position(
        &|c| c.0 == "setup" && c.2.starts_with("python3 -c"),
        "setup command",
    );
    let validate = position(&|c| c.0 == "validate" && c.2 == VALIDATE, "validation");
    let commit = position(
        &|c| c.0 == "publish" && c.2.starts_with("git commit-tree"),
        "git commit-tree",
    );
    let push = position(
        &|c| {
            c.0 == "publish"
                && c.2.starts_with("git push")
                && c.2.contains(&format!("{head}:refs/heads/{branch}"))
        },
        "git push of head",
    );
    let remove = position(
        &|c| c.0 == "finalize" && c.2.starts_with("git worktree remove"),
        "worktree remove",
    );
    assert!(
        fetch < wt
            && wt < setup_cmd
            && setup_cmd < validate
            && validate < commit
            && commit < push
            && push < remove
    );
    assert_eq!(
        rec["usage"],
        json!({"input_tokens": 0, "output_tokens": 0, "cache_read_tokens": 0, "cost_usd": 0.0, "estimated": true})
    );
    assert_eq!(rec["tools"], json!([]));
    assert_eq!(
        rec["outcome"],
        json!({
            "status": "completed", "reason_code": "published", "reason": run["outcome"]["reason"],
            "failed_stage": null,
            "explanation": format!("Completed and published: validation passed; 4 files committed and pushed on `{branch}`."),
        })
    );
    assert_eq!(
        rec["retention"],
        json!({"events_retained": true, "audit_expires_at": null})
    );

    // the stored per-file diffs are git's, base → head
    for (file, pathspec) in [
        ("calc.py", vec!["calc.py"]),
        ("docs/notes.md", vec!["docs/notes.md"]),
        ("README.md", vec!["README.md"]),
        ("test_add.py", vec!["test_calc.py", "test_add.py"]),
    ] {
        let (status, headers, text) =
            raw(&w.api, &format!("/api/v1/audit/runs/{id}/diff?path={file}")).await;
        assert_eq!(status, 200, "diff of {file}: {text}");
        assert!(
            header(&headers, "content-type").starts_with("text/x-diff"),
            "{headers:?}"
        );
        let mut args = vec![
            "diff",
            "-M",
            "--no-ext-diff",
            "--no-textconv",
            "--no-color",
            &base,
            &head,
            "--",
        ];
        args.extend(pathspec.iter().copied());
        assert_eq!(text, git(&cdir, &args), "stored diff of {file}");
    }
    let (_, _, calc) = raw(
        &w.api,
        &format!("/api/v1/audit/runs/{id}/diff?path=calc.py"),
    )
    .await;
    assert!(
        calc.contains("-    return a - b\n+    return a + b\n"),
        "{calc}"
    );
    assert_eq!(
        git(&cdir, &["show", &format!("{head}:calc.py")]),
        FIXED_CALC
    );
    id
}

/// validate#1 exits 1, repair#1 fixes it, validate#2 exits 0.
async fn repaired(w: &Worker, repo: &Repo) -> String {
    let agent = repo.agent(
        "repairs",
        "if STAGE == 'implement':\n    wrong_change()\nelif STAGE == 'repair':\n    fix()",
    );
    let job = with_ticket(repo.job("AUD-2", &agent), "AUD-2", "Repair add");
    let id = run_to_end(w, &job).await;
    let run = w.api.run(&id).await;
    let rec = record(&w.api, &id).await;
    assert_consistent(&rec, &run);
    assert_eq!(
        record_stages(&rec),
        [
            st("setup", 1, "succeeded"),
            st("context", 1, "succeeded"),
            st("implement", 1, "succeeded"),
            st("validate", 1, "failed"),
            st("validate", 2, "succeeded"),
            st("repair", 1, "succeeded"),
            st("review", 1, "skipped"),
            st("review_fix", 1, "skipped"),
            st("diff_guard", 1, "succeeded"),
            st("publish", 1, "succeeded"),
            st("finalize", 1, "succeeded"),
        ]
    );
    assert_eq!(
        validation(&rec),
        [
            cmd("validate", 1, VALIDATE, Some(1)),
            cmd("validate", 2, VALIDATE, Some(0))
        ]
    );
    let first_tail = s(&rec, "/validation/commands/0/output_tail");
    assert!(
        first_tail.contains("AssertionError") && first_tail.contains("FAILED"),
        "{first_tail}"
    );
    assert!(
        s(&rec, "/validation/commands/1/output_tail")
            .trim_end()
            .ends_with("OK")
    );
    assert_eq!(rec["validation"]["passed"], true);
    assert_eq!(
        rec["repair"],
        json!({"max_attempts": 2, "attempts": 1, "ran": true, "succeeded": true})
    );
    let agent_cmd = format!("python3 {agent}");
    assert_eq!(
        commands(&rec, "provider"),
        [
            cmd("implement", 1, &agent_cmd, Some(0)),
            cmd("repair", 1, &agent_cmd, Some(0))
        ]
    );
    // provider and validation interleave as they ran: implement, validate#1, repair#1, validate#2
    let order: Vec<String> = rec["commands"]
        .as_array()
        .expect("commands")
        .iter()
        .filter(|c| c["source"] == "provider" || c["purpose"] == "validation")
        .map(|c| format!("{}#{}", s(c, "/stage"), i(c, "/attempt")))
        .collect();
    assert_eq!(
        order,
        ["implement#1", "validate#1", "repair#1", "validate#2"]
    );
    let (base, head, branch) = (
        s(&rec, "/repository/base_commit"),
        s(&rec, "/repository/head_commit"),
        s(&rec, "/repository/branch"),
    );
    assert_eq!(repo.remote_branch(&branch).as_deref(), Some(head.as_str()));
    let c = clone(repo);
    assert_eq!(rec["files"], git_files(&c.path().join("c"), &base, &head));
    assert_eq!(
        rec["files"],
        json!([{"path": "calc.py", "old_path": null, "change": "modified", "additions": 1, "deletions": 1}])
    );
    assert_eq!(
        rec["diff_guard"],
        json!({"ran": true, "passed": true, "flags": []})
    );
    assert_eq!(rec["outcome"]["reason_code"], "published");
    assert_eq!(
        s(&rec, "/outcome/explanation"),
        format!(
            "Completed and published: validation passed after 1 repair attempt; 1 file committed and pushed on `{branch}`."
        )
    );
    id
}

/// The agent never fixes it: validate#1..3 exit 1 around repair#1..2, failed in repair.
async fn exhausted(w: &Worker, repo: &Repo) -> String {
    let agent = repo.agent("never", "wrong_change(ATTEMPT if STAGE == 'repair' else 0)");
    let job = with_ticket(repo.job("AUD-3", &agent), "AUD-3", COMMA_TITLE);
    let id = run_to_end(w, &job).await;
    let run = w.api.run(&id).await;
    let rec = record(&w.api, &id).await;
    assert_consistent(&rec, &run);
    assert_eq!(rec["ticket"]["title"], COMMA_TITLE);
    assert_eq!(
        record_stages(&rec),
        [
            st("setup", 1, "succeeded"),
            st("context", 1, "succeeded"),
            st("implement", 1, "succeeded"),
            st("validate", 1, "failed"),
            st("validate", 2, "failed"),
            st("validate", 3, "failed"),
            st("repair", 1, "succeeded"),
            st("repair", 2, "succeeded"),
            st("finalize", 1, "succeeded"),
        ]
    );
    assert_eq!(
        validation(&rec),
        [
            cmd("validate", 1, VALIDATE, Some(1)),
            cmd("validate", 2, VALIDATE, Some(1)),
            cmd("validate", 3, VALIDATE, Some(1)),
        ]
    );
    for n in 0..3 {
        let tail = s(&rec, &format!("/validation/commands/{n}/output_tail"));
        assert!(tail.contains("AssertionError"), "{tail}");
    }
    assert_eq!(rec["validation"]["passed"], false);
    assert_eq!(
        rec["repair"],
        json!({"max_attempts": 2, "attempts": 2, "ran": true, "succeeded": false})
    );
    let agent_cmd = format!("python3 {agent}");
    assert_eq!(
        commands(&rec, "provider"),
        [
            cmd("implement", 1, &agent_cmd, Some(0)),
            cmd("repair", 1, &agent_cmd, Some(0)),
            cmd("repair", 2, &agent_cmd, Some(0)),
        ]
    );
    let order: Vec<String> = rec["commands"]
        .as_array()
        .expect("commands")
        .iter()
        .filter(|c| c["source"] == "provider" || c["purpose"] == "validation")
        .map(|c| format!("{}#{}", s(c, "/stage"), i(c, "/attempt")))
        .collect();
    assert_eq!(
        order,
        [
            "implement#1",
            "validate#1",
            "repair#1",
            "validate#2",
            "repair#2",
            "validate#3"
        ]
    );
    assert!(
        !commands(&rec, "worker")
            .iter()
            .any(|c| c.2.starts_with("git push")),
        "nothing pushed"
    );
    assert_eq!(rec["repository"]["pushed"], false);
    assert_eq!(rec["repository"]["head_commit"], Value::Null);
    assert!(repo.remote_branch(&s(&rec, "/repository/branch")).is_none());
    // Not published, but the record still says what the run changed.
    assert_eq!(
        rec["files"],
        json!([{"path": "calc.py", "old_path": null, "change": "modified", "additions": 1, "deletions": 0}])
    );
    assert_eq!(
        rec["diff_guard"],
        json!({"ran": false, "passed": null, "flags": []})
    );
    assert_eq!(
        (
            &rec["outcome"]["status"],
            &rec["outcome"]["reason_code"],
            &rec["outcome"]["failed_stage"]
        ),
        (
            &json!("failed"),
            &json!("validation_failed"),
            &json!("repair")
        )
    );
    let why = s(&rec, "/outcome/explanation");
    assert_eq!(
        why,
        format!("Failed in repair: `{VALIDATE}` still exited 1 after 2 of 2 repair attempts.")
    );
    assert!(why.contains("still exited 1") && why.contains("after 2 of 2 repair attempts"));
    // the stored diff of the unpublished change
    let (status, _, diff) = raw(
        &w.api,
        &format!("/api/v1/audit/runs/{id}/diff?path=calc.py"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(diff.contains("+    # attempt 2"), "{diff}");
    let (status, body) = w
        .api
        .get(&format!("/api/v1/audit/runs/{id}/diff?path=nope.py"))
        .await;
    assert_envelope(status, &body, 404, "not_found");
    id
}

/// A protected path: blocked by the diff guard, with the flag's rule and path.
async fn guarded(w: &Worker, repo: &Repo) -> String {
    let agent = repo.agent("secretdir", "fix()\nwrite('secrets/x', 'x = 1\\n')");
    let mut job = with_ticket(repo.job("AUD-4", &agent), "AUD-4", "Guarded change");
    job["diff_guard"] = json!({"protected_paths": ["secrets/"]});
    let id = run_to_end(w, &job).await;
    let run = w.api.run(&id).await;
    let rec = record(&w.api, &id).await;
    assert_consistent(&rec, &run);
    assert_eq!(
        record_stages(&rec),
        [
            st("setup", 1, "succeeded"),
            st("context", 1, "succeeded"),
            st("implement", 1, "succeeded"),
            st("validate", 1, "succeeded"),
            st("repair", 1, "skipped"),
            st("review", 1, "skipped"),
            st("review_fix", 1, "skipped"),
            st("diff_guard", 1, "failed"),
            st("finalize", 1, "succeeded"),
        ]
    );
    assert_eq!(validation(&rec), [cmd("validate", 1, VALIDATE, Some(0))]);
    assert_eq!(rec["validation"]["passed"], true);
    assert_eq!(
        rec["repair"],
        json!({"max_attempts": 2, "attempts": 0, "ran": false, "succeeded": null})
    );
    assert_eq!(rec["diff_guard"]["ran"], true);
    assert_eq!(rec["diff_guard"]["passed"], false);
    let flags = rec["diff_guard"]["flags"].as_array().expect("flags");
    assert_eq!(flags.len(), 1, "{flags:?}");
    assert_eq!(flags[0]["rule"], "protected_path");
    assert_eq!(flags[0]["path"], "secrets/x");
    let message = s(&flags[0], "/message");
    assert!(message.contains("secrets/x"), "{message}");
    assert_eq!(
        (
            &rec["outcome"]["status"],
            &rec["outcome"]["reason_code"],
            &rec["outcome"]["failed_stage"]
        ),
        (
            &json!("blocked"),
            &json!("diff_guard"),
            &json!("diff_guard")
        )
    );
    assert_eq!(
        s(&rec, "/outcome/explanation"),
        format!("Blocked by the diff guard: {message}.")
    );
    assert_eq!(rec["repository"]["pushed"], false);
    assert_eq!(rec["repository"]["head_commit"], Value::Null);
    assert!(
        repo.remote_branch(&s(&rec, "/repository/branch")).is_none(),
        "nothing pushed"
    );
    assert_eq!(
        commands(&rec, "provider"),
        [cmd("implement", 1, &format!("python3 {agent}"), Some(0))]
    );
    id
}

/// A long-running agent: 409 while it runs (and not listed), then cancelled.
async fn cancelled(w: &Worker, repo: &Repo) -> String {
    let agent = repo.agent(
        "long",
        "sleeping_child(60)\nprint('ready', flush=True)\ntime.sleep(60)\nfix()",
    );
    let job = with_ticket(repo.job("AUD-5", &agent), "AUD-5", "Never finishes");
    let id = w.api.submit(&job).await;
    w.api.wait_ready(&id).await;
    assert_eq!(w.api.run(&id).await["status"], "running");
    let (status, body) = w.api.get(&format!("/api/v1/audit/runs/{id}")).await;
    assert_envelope(status, &body, 409, "conflict");
    let (status, body) = w
        .api
        .get(&format!("/api/v1/audit/runs/{id}/diff?path=calc.py"))
        .await;
    assert_envelope(status, &body, 409, "conflict");
    assert!(
        !list_ids(&w.api, "limit=500").await.contains(&id),
        "a running run is not in the audit list"
    );
    let (status, body) = w
        .api
        .post(&format!("/api/v1/runs/{id}/cancel"), &json!({}))
        .await;
    assert_eq!(status, 202, "cancel: {body}");
    w.api.wait_terminal(&id).await;
    w.api.wait_executors_idle().await;
    let run = w.api.run(&id).await;
    let rec = record(&w.api, &id).await;
    assert_consistent(&rec, &run);
    let got = record_stages(&rec);
    assert_eq!(
        &got[..3],
        [
            st("setup", 1, "succeeded"),
            st("context", 1, "succeeded"),
            st("implement", 1, "cancelled")
        ]
    );
    assert!(
        !got.iter().any(|x| x.0 == "validate" || x.0 == "publish"),
        "{got:?}"
    );
    assert_eq!(stages(&run), got);
    assert_eq!(validation(&rec), []);
    assert_eq!(rec["validation"]["passed"], Value::Null);
    assert_eq!(
        rec["repair"],
        json!({"max_attempts": 2, "attempts": 0, "ran": false, "succeeded": null})
    );
    let provider = commands(&rec, "provider");
    assert_eq!(provider.len(), 1, "{provider:?}");
    assert_eq!(
        (
            provider[0].0.as_str(),
            provider[0].1,
            provider[0].2.as_str()
        ),
        ("implement", 1, &*format!("python3 {agent}"))
    );
    assert_ne!(provider[0].3, Some(0), "the killed agent did not exit 0");
    assert_eq!(rec["files"], json!([]));
    assert_eq!(
        rec["diff_guard"],
        json!({"ran": false, "passed": null, "flags": []})
    );
    assert_eq!(
        (
            &rec["outcome"]["status"],
            &rec["outcome"]["reason_code"],
            &rec["outcome"]["failed_stage"]
        ),
        (
            &json!("cancelled"),
            &json!("cancelled_by_user"),
            &json!("implement")
        )
    );
    assert_eq!(
        s(&rec, "/outcome/explanation"),
        "Cancelled by a user during implement."
    );
    assert_eq!(rec["repository"]["pushed"], false);
    id
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

/// The five runs' records, the diff endpoint, downloads, errors, the list with every filter,
/// paging, the CI look-ups, the exports, records after the workspaces are gone, and 410.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_of_real_runs() {
    let repo = Repo::new();
    let w = worker(|_| {}).await;
    let runs = five_runs(&w, &repo).await;
    let api = &w.api;
    let order = runs.newest_first();

    // --- download, errors -------------------------------------------------------------------
    let (status, headers, text) = raw(
        api,
        &format!("/api/v1/audit/runs/{}?download=1", runs.happy),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        header(&headers, "content-disposition"),
        format!("attachment; filename=\"ticket-audit-{}.json\"", runs.happy)
    );
    let downloaded: Value = serde_json::from_str(&text).expect("the download is JSON");
    assert_eq!(downloaded, record(api, &runs.happy).await);
    let (_, headers, _) = raw(api, &format!("/api/v1/audit/runs/{}", runs.happy)).await;
    assert!(
        headers.get("content-disposition").is_none(),
        "no attachment without download=1"
    );

    let unknown = "01900000-0000-7000-8000-000000000000";
    for path in [
        format!("/api/v1/audit/runs/{unknown}"),
        "/api/v1/audit/runs/not-a-run-id".to_owned(),
        format!("/api/v1/audit/runs/{unknown}/diff?path=calc.py"),
        "/api/v1/audit/runs/not-a-run-id/diff?path=calc.py".to_owned(),
        format!("/api/v1/audit/runs/{}/diff?path=nope.py", runs.happy),
    ] {
        let (status, body) = api.get(&path).await;
        assert_envelope(status, &body, 404, "not_found");
    }
    for path in [
        format!("/api/v1/audit/runs/{}/diff", runs.happy),
        format!("/api/v1/audit/runs/{}/diff?path=", runs.happy),
    ] {
        let (status, body) = api.get(&path).await;
        assert_envelope(status, &body, 422, "validation_failed");
        assert_eq!(field_paths(&body), ["path"], "{body}");
    }

    // --- the list: terminal runs, newest finished first, items match the records -------------
    let items = all_items(api).await;
    assert_eq!(
        items.iter().map(|x| s(x, "/run_id")).collect::<Vec<_>>(),
        order
    );
    let finished: Vec<String> = items.iter().map(|x| s(x, "/finished_at")).collect();
    assert!(finished.windows(2).all(|w| w[0] >= w[1]), "{finished:?}");
    for item in &items {
        let id = s(item, "/run_id");
        let rec = record(api, &id).await;
        let run = api.run(&id).await;
        let adds: i64 = rec["files"]
            .as_array()
            .expect("files")
            .iter()
            .map(|f| i(f, "/additions"))
            .sum();
        let dels: i64 = rec["files"]
            .as_array()
            .expect("files")
            .iter()
            .map(|f| i(f, "/deletions"))
            .sum();
        let want = json!({
            "run_id": id, "job_id": rec["run"]["job_id"], "attempt": rec["run"]["attempt"],
            "ticket": run["ticket"], "repository": run["repository"], "branch": rec["repository"]["branch"],
            "provider": run["provider"],
            "outcome": {
                "status": rec["outcome"]["status"], "reason_code": rec["outcome"]["reason_code"],
                "reason": rec["outcome"]["reason"], "failed_stage": rec["outcome"]["failed_stage"],
            },
            "validation_passed": rec["validation"]["passed"],
            "repair_attempts": rec["repair"]["attempts"],
            "review_fixes_ran": rec["review"]["fixes_ran"],
            "files_changed": rec["files"].as_array().expect("files").len(),
            "additions": adds, "deletions": dels,
            "duration_ms": rec["run"]["duration_ms"], "usage": rec["usage"],
            "finished_at": rec["run"]["finished_at"],
        });
        for (k, v) in want.as_object().expect("object") {
            assert_eq!(&item[k], v, "list item {k} of {id}: {item:#}");
        }
    }
    let happy_item = &items[4];
    assert_eq!(
        (
            i(happy_item, "/files_changed"),
            i(happy_item, "/additions"),
            i(happy_item, "/deletions")
        ),
        (4, 3, 2)
    );

    // --- every filter ------------------------------------------------------------------------
    let r = &runs;
    let v = |xs: &[&String]| xs.iter().map(|x| (*x).clone()).collect::<Vec<String>>();
    let repo_id = s(&items[0], "/repository/id");
    let happy_branch = s(&record(api, &r.happy).await, "/repository/branch");
    let exhausted_finished = s(&record(api, &r.exhausted).await, "/run/finished_at");
    let cases: Vec<(String, Vec<String>)> = vec![
        ("status=completed".into(), v(&[&r.repaired, &r.happy])),
        (
            "status=failed,blocked".into(),
            v(&[&r.guarded, &r.exhausted]),
        ),
        ("status=cancelled".into(), v(&[&r.cancelled])),
        ("reason_code=validation_failed".into(), v(&[&r.exhausted])),
        (
            "reason_code=published,diff_guard".into(),
            v(&[&r.guarded, &r.repaired, &r.happy]),
        ),
        ("reason_code=no_changes".into(), vec![]),
        (
            "validation=passed".into(),
            v(&[&r.guarded, &r.repaired, &r.happy]),
        ),
        ("validation=failed".into(), v(&[&r.exhausted])),
        ("validation=none".into(), v(&[&r.cancelled])),
        ("repair_ran=true".into(), v(&[&r.exhausted, &r.repaired])),
        (
            "repair_ran=false".into(),
            v(&[&r.cancelled, &r.guarded, &r.happy]),
        ),
        ("review_fixes_ran=true".into(), vec![]),
        ("review_fixes_ran=false".into(), order.clone()),
        ("provider=command".into(), order.clone()),
        ("provider=claude-code-cli".into(), vec![]),
        ("repository=acme/calc".into(), order.clone()),
        (format!("repository={repo_id}"), order.clone()),
        ("repository=acme/other".into(), vec![]),
        ("ticket=AUD-3".into(), v(&[&r.exhausted])),
        ("ticket=AUD-9".into(), vec![]),
        (format!("branch={happy_branch}"), v(&[&r.happy])),
        (
            format!("since={exhausted_finished}"),
            v(&[&r.cancelled, &r.guarded, &r.exhausted]),
        ),
        (
            format!("until={exhausted_finished}"),
            v(&[&r.repaired, &r.happy]),
        ),
        (
            format!(
                "since={exhausted_finished}&until={}",
                s(&items[0], "/finished_at")
            ),
            v(&[&r.guarded, &r.exhausted]),
        ),
        ("q=again".into(), v(&[&r.exhausted])),
        ("q=HYPERLINK".into(), v(&[&r.happy])),
        ("q=aud-".into(), order.clone()),
        ("q=protected".into(), v(&[&r.guarded])),
        (
            "status=completed&repair_ran=true&validation=passed".into(),
            v(&[&r.repaired]),
        ),
    ];
    for (query, want) in &cases {
        let query = query.replace('+', "%2B");
        assert_eq!(&list_ids(api, &query).await, want, "?{query}");
    }

    // --- invalid filter values ---------------------------------------------------------------
    for (query, field) in [
        ("status=running", "status"),
        ("status=queued", "status"),
        ("status=bogus", "status"),
        ("reason_code=nope", "reason_code"),
        ("validation=maybe", "validation"),
        ("repair_ran=yes", "repair_ran"),
        ("review_fixes_ran=1", "review_fixes_ran"),
        ("since=yesterday", "since"),
        ("until=2026-13-45", "until"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=ten", "limit"),
        ("cursor=not-a-cursor", "cursor"),
    ] {
        let (status, body) = api.get(&format!("/api/v1/audit/runs?{query}")).await;
        assert_envelope(status, &body, 422, "validation_failed");
        assert_eq!(field_paths(&body), [field], "?{query}: {body}");
    }

    // --- cursor paging -----------------------------------------------------------------------
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let q = cursor
            .as_ref()
            .map_or_else(|| "limit=2".to_owned(), |c| format!("limit=2&cursor={c}"));
        let (status, body) = api.get(&format!("/api/v1/audit/runs?{q}")).await;
        assert_eq!(status, 200, "{body}");
        pages += 1;
        let got = ids(&body);
        assert!(got.len() <= 2);
        paged.extend(got);
        match body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(paged, order, "pages of 2 walk the whole list once");
    assert_eq!(pages, 3);
    let (_, body) = api.get("/api/v1/audit/runs?status=completed&limit=1").await;
    let c = str_at(&body, "/next_cursor");
    assert_eq!(
        list_ids(api, &format!("status=completed&limit=1&cursor={c}")).await,
        [r.happy.as_str()]
    );

    // --- the CI use case: find the run behind a branch ----------------------------------------
    let remote_branches: Vec<String> = repo
        .remote_branches()
        .into_iter()
        .filter(|b| b != "main")
        .collect();
    assert_eq!(
        remote_branches.len(),
        2,
        "the happy and repaired runs pushed: {remote_branches:?}"
    );
    for b in &remote_branches {
        let found = list_ids(api, &format!("branch={b}")).await;
        assert_eq!(found.len(), 1, "{b}");
        let rec = record(api, &found[0]).await;
        assert_eq!(
            repo.remote_branch(b),
            rec["repository"]["head_commit"].as_str().map(str::to_owned)
        );
    }
    assert_eq!(list_ids(api, "ticket=AUD-1").await, [r.happy.as_str()]);
    assert_eq!(
        list_ids(api, &format!("ticket=AUD-1&branch={happy_branch}")).await,
        [r.happy.as_str()]
    );

    // --- CSV export --------------------------------------------------------------------------
    let (status, headers, csv_text) = raw(api, "/api/v1/audit/export?format=csv").await;
    assert_eq!(status, 200, "{csv_text}");
    assert!(
        header(&headers, "content-type").starts_with("text/csv"),
        "{headers:?}"
    );
    let disposition = header(&headers, "content-disposition");
    assert!(
        disposition.starts_with("attachment; filename=\"ticket-audit-")
            && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    assert_eq!(
        csv_text.lines().next(),
        Some(CSV_HEADER),
        "header line, exactly"
    );
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(csv_text.as_bytes());
    let head: Vec<String> = reader
        .headers()
        .expect("CSV header")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(head.join(","), CSV_HEADER);
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.expect("a CSV record").iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(rows.len(), items.len());
    for (row, item) in rows.iter().zip(&items) {
        assert_eq!(row.len(), 25);
        assert_eq!(row[24], "false", "compliance_mode, the trailing column");
        // cost_usd is a number: compare its value, the rest cell by cell.
        let cost: f64 = row[20].parse().expect("cost_usd is a number");
        assert_eq!(
            json!(cost),
            item["usage"]["cost_usd"],
            "cost of {}",
            item["run_id"]
        );
        let (mut row, mut want) = (row.clone(), csv_expected(item));
        want.push("false".to_owned());
        row[20].clear();
        want[20].clear();
        assert_eq!(row, want, "CSV row of {}", item["run_id"]);
    }
    let titles: Vec<&str> = rows.iter().map(|r| r[4].as_str()).collect();
    assert_eq!(
        titles[4],
        format!("'{FORMULA_TITLE}"),
        "the formula title is neutralised"
    );
    assert_eq!(titles[2], COMMA_TITLE, "comma and quotes round-trip");
    assert!(csv_text.contains(&format!("\"'{}\"", FORMULA_TITLE.replace('"', "\"\""))));
    // with filters: the same rows as the filtered list
    let (_, _, filtered) = raw(api, "/api/v1/audit/export?format=csv&status=completed").await;
    let mut reader = csv::Reader::from_reader(filtered.as_bytes());
    let got: Vec<String> = reader
        .records()
        .map(|r| r.expect("record")[0].to_owned())
        .collect();
    assert_eq!(got, [r.repaired.clone(), r.happy.clone()]);
    let (_, _, default_format) = raw(api, "/api/v1/audit/export").await;
    assert_eq!(
        default_format.lines().next(),
        Some(CSV_HEADER),
        "CSV by default"
    );

    // --- NDJSON export -----------------------------------------------------------------------
    let (status, headers, nd) = raw(api, "/api/v1/audit/export?format=ndjson").await;
    assert_eq!(status, 200);
    assert!(
        header(&headers, "content-type").starts_with("application/x-ndjson"),
        "{headers:?}"
    );
    assert!(header(&headers, "content-disposition").ends_with(".ndjson\""));
    let lines: Vec<Value> = nd
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).expect("an NDJSON line");
            let cm = v.as_object_mut().and_then(|o| o.remove("compliance_mode"));
            assert_eq!(cm, Some(json!(false)), "every line says compliance_mode");
            v
        })
        .collect();
    assert_eq!(
        lines, items,
        "NDJSON lines = the list items (plus compliance_mode)"
    );
    let (_, _, nd) = raw(api, "/api/v1/audit/export?format=ndjson&ticket=AUD-4").await;
    assert_eq!(nd.lines().count(), 1);
    assert_eq!(
        serde_json::from_str::<Value>(nd.trim()).expect("json")["run_id"],
        json!(r.guarded)
    );

    for query in [
        "format=xml",
        "format=csv&status=running",
        "format=ndjson&validation=x",
    ] {
        let (status, body) = api.get(&format!("/api/v1/audit/export?{query}")).await;
        assert_envelope(status, &body, 422, "validation_failed");
    }

    // --- built from stored records only: delete the worktrees and the mirror ------------------
    let before: Vec<Value> = {
        let mut v = Vec::new();
        for id in &order {
            v.push(record(api, id).await);
        }
        v
    };
    let (_, _, calc_diff) = raw(
        api,
        &format!("/api/v1/audit/runs/{}/diff?path=calc.py", r.happy),
    )
    .await;
    let workspaces = w.data.path().join("workspaces");
    assert!(
        workspaces.join("mirrors").exists(),
        "the mirror exists before"
    );
    fs::remove_dir_all(&workspaces).expect("delete the workspaces");
    assert!(!workspaces.exists());
    for (id, want) in order.iter().zip(&before) {
        assert_eq!(
            &record(api, id).await,
            want,
            "record of {id} without its workspace"
        );
    }
    let (status, _, again) = raw(
        api,
        &format!("/api/v1/audit/runs/{}/diff?path=calc.py", r.happy),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        again, calc_diff,
        "the stored diff is served without the mirror"
    );

    // --- a pruned record answers 410 ---------------------------------------------------------
    let pruned = r.repaired.clone();
    let target = pruned.clone();
    w.server
        .state
        .db
        .writer
        .exec(1, move |c, _| {
            use mergeloom_worker::schema::runs;
            diesel::update(runs::table.find(&target))
                .set(runs::audit_retained.eq(false))
                .execute(c)?;
            Ok(())
        })
        .await
        .expect("mark the record pruned");
    let (status, body) = api.get(&format!("/api/v1/audit/runs/{pruned}")).await;
    assert_envelope(status, &body, 410, "gone");
    let (status, body) = api
        .get(&format!("/api/v1/audit/runs/{pruned}/diff?path=calc.py"))
        .await;
    assert_envelope(status, &body, 410, "gone");
    let (status, body) = api
        .get(&format!("/api/v1/audit/runs/{pruned}?download=1"))
        .await;
    assert_envelope(status, &body, 410, "gone");
    assert!(
        !list_ids(api, "limit=500").await.contains(&pruned),
        "a pruned record is not listed"
    );
    assert_eq!(
        record(api, &r.happy).await,
        before[4],
        "other records are untouched"
    );

    w.stop().await;
}

/// Queued runs never appear in the list or the exports, and their record is 409 until they end.
#[tokio::test]
async fn queued_runs_are_not_audited_until_they_end() {
    let server = TestServer::start().await; // no executors: runs stay queued
    let first = server.submit_run("Q-1").await;
    let second = server.submit_run("Q-2").await;
    let api = Api {
        base: server.url(""),
        http: server.http.clone(),
    };
    assert_eq!(server.run(&first).await["status"], "queued");
    assert_eq!(list_ids(&api, "").await, Vec::<String>::new());
    assert_eq!(list_ids(&api, "ticket=Q-1").await, Vec::<String>::new());
    let (status, body) = api.get(&format!("/api/v1/audit/runs/{first}")).await;
    assert_envelope(status, &body, 409, "conflict");
    let (_, _, csv_text) = raw(&api, "/api/v1/audit/export?format=csv").await;
    assert_eq!(csv_text, format!("{CSV_HEADER}\r\n"), "only the header");
    let (_, _, nd) = raw(&api, "/api/v1/audit/export?format=ndjson").await;
    assert_eq!(nd, "");

    // Cancelled while queued: now terminal, listed and audited; the other stays out.
    server.cancel(&first).await;
    assert_eq!(list_ids(&api, "").await, [first.as_str()]);
    let rec = record(&api, &first).await;
    assert_eq!(rec["schema"], SCHEMA);
    assert_eq!(rec["outcome"]["status"], "cancelled");
    assert_eq!(rec["outcome"]["reason_code"], "cancelled_by_user");
    assert_eq!(rec["ticket"]["key"], "Q-1");
    assert_eq!(rec["commands"], json!([]), "nothing ran");
    assert_eq!(rec["files"], json!([]));
    assert!(!list_ids(&api, "limit=500").await.contains(&second));
    let (status, body) = api.get(&format!("/api/v1/audit/runs/{second}")).await;
    assert_envelope(status, &body, 409, "conflict");
    server.stop().await;
}
