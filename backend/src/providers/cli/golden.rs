//! Golden tests: every recorded transcript in `backend/tests/fixtures/providers/` (copied from
//! the shared fixture set; see its SOURCES.md) parses into the normalized events and the success
//! decision written out below. The expectations were written by reading each transcript, not by
//! running the parser; for the long sessions they are the counts SOURCES.md states plus the
//! first events, the file changes and the final usage.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::claude::ClaudeParser;
use super::codex::CodexParser;
use super::events::{Norm, Parsed, StreamParser, Verdict};
use super::gemini::GeminiParser;

fn fixture(path: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/providers")
        .join(path);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
}

fn short(s: &str) -> String {
    let line = s.lines().next().unwrap_or("");
    let mut out: String = line.chars().take(50).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// One line per normalized event, in a form that is easy to write by hand.
fn show(p: &Parsed) -> String {
    match &p.norm {
        Norm::Session {
            session_id,
            model,
            tools,
            version,
        } => format!(
            "session {} {} tools={} version={}",
            session_id.as_deref().unwrap_or("-"),
            model.as_deref().unwrap_or("-"),
            tools.len(),
            version.as_deref().unwrap_or("-")
        ),
        Norm::Message { text } => format!("message {}", short(text)),
        Norm::Reasoning { text } => format!("reasoning {}", short(text)),
        Norm::ToolStarted { id, name, .. } => format!("tool.started {id} {name}"),
        Norm::ToolCompleted { id, name, ok, .. } => {
            format!(
                "tool.completed {id} {name} {}",
                if *ok { "ok" } else { "error" }
            )
        }
        Norm::CommandStarted { id, command } => format!("command.started {id} {command}"),
        Norm::CommandFinished { id, exit_code, .. } => {
            format!("command.finished {id} exit={exit_code:?}")
        }
        Norm::FileChanged { path, change } => format!("file.changed {change} {path}"),
        Norm::Usage { usage, total } => format!(
            "usage in={} cached={} out={} cost={:.6} {}",
            usage.input_tokens,
            usage.cache_read_tokens,
            usage.output_tokens,
            usage.cost_usd,
            if *total { "total" } else { "delta" }
        ),
        Norm::Warning { message } => format!("warning {}", short(message)),
        Norm::Error { category, message } => {
            format!("error {} {}", category.as_str(), short(message))
        }
        Norm::Log { text } => format!("log {}", short(text)),
    }
}

fn run(mut parser: Box<dyn StreamParser>, path: &str, exit: Option<i32>) -> (Vec<Parsed>, Verdict) {
    let mut out = Vec::new();
    for line in fixture(path).lines() {
        out.extend(parser.feed(line));
    }
    out.extend(parser.finish());
    let v = parser.verdict(exit);
    (out, v)
}

fn lines(parsed: &[Parsed]) -> Vec<String> {
    parsed.iter().map(show).collect()
}

fn verdict(v: &Verdict) -> String {
    match v {
        Verdict::Success => "success".into(),
        Verdict::Failure { category, message } => {
            format!("failure {} {}", category.as_str(), short(message))
        }
    }
}

fn assert_events(parsed: &[Parsed], want: &[&str]) {
    let got = lines(parsed);
    assert_eq!(got, want, "\ngot:\n{}", got.join("\n"));
}

/// Events of a kind (the first word of `show`), counted by their second word (tool name etc.).
fn count(parsed: &[Parsed], kind: &str, field: usize) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for l in lines(parsed) {
        let words: Vec<&str> = l.split(' ').collect();
        if words[0] == kind {
            *m.entry(words.get(field).copied().unwrap_or("").to_owned())
                .or_default() += 1;
        }
    }
    m
}

fn claude() -> Box<dyn StreamParser> {
    Box::new(ClaudeParser::new(None))
}

fn codex(model: Option<&str>) -> Box<dyn StreamParser> {
    Box::new(CodexParser::new(model.map(str::to_owned), None))
}

fn gemini() -> Box<dyn StreamParser> {
    Box::new(GeminiParser::new(None, None))
}

// ---- Claude Code --------------------------------------------------------------------------

#[test]
fn claude_minimal_text_answer() {
    let (p, v) = run(
        claude(),
        "claude-code/agentcmd-minimal-text-answer.jsonl",
        Some(0),
    );
    assert_events(
        &p,
        &[
            "session 13a34b05-d65d-4e6e-bb70-00ef7be077a8 claude-sonnet-4-5-20250929 tools=16 version=2.0.28",
            "message 4",
            // 3 input + 21588 cache writes + 0 cache reads.
            "usage in=21591 cached=0 out=2 cost=0.000000 delta",
            "usage in=21591 cached=0 out=5 cost=0.081039 total",
        ],
    );
    assert_eq!(verdict(&v), "success");
    assert!(
        p.iter().all(|e| e.raw.is_some()),
        "every event keeps its line"
    );
}

#[test]
fn claude_older_stream_without_uuids_or_model_usage() {
    let (p, v) = run(
        claude(),
        "claude-code/veetil-opus4-single-turn-london.jsonl",
        Some(0),
    );
    assert_events(
        &p,
        &[
            "session acc21b20-13b3-423c-9191-01925b546d5b claude-opus-4-20250514 tools=16 version=-",
            "message London",
            "usage in=15346 cached=0 out=1 cost=0.000000 delta",
            "usage in=15346 cached=0 out=5 cost=0.288222 total",
        ],
    );
    assert_eq!(verdict(&v), "success");
}

#[test]
fn claude_success_subtype_with_is_error_is_a_failure() {
    let (p, v) = run(
        claude(),
        "claude-code/hive-mind-model-not-found-404.jsonl",
        Some(0),
    );
    assert_events(
        &p,
        &[
            "session 16a26db9-fd28-4a13-b08f-8b06aed6552c oups tools=39 version=2.0.55",
            "message API Error: 404 {\"type\":\"error\",\"error\":{\"type\":\"no…",
            // The synthetic message's usage is all zeros: nothing to count. The result's cost
            // covers the CLI's own side calls (modelUsage of two other models).
            "usage in=0 cached=0 out=0 cost=0.027108 total",
            "error api API Error: 404 {\"type\":\"error\",\"error\":{\"type\":\"no…",
        ],
    );
    assert_eq!(
        verdict(&v),
        "failure api API Error: 404 {\"type\":\"error\",\"error\":{\"type\":\"no…"
    );
    // Exit status 0 does not make it a success either way.
    assert_ne!(
        ClaudeParser::new(None).verdict(Some(0)),
        Verdict::Success,
        "no result line is never a success"
    );
}

#[test]
fn claude_long_session_with_bash_edit_write_and_todowrite() {
    let (p, v) = run(
        claude(),
        "claude-code/hive-mind-bash-edit-write-todowrite-success.jsonl",
        Some(0),
    );
    assert_eq!(verdict(&v), "success");
    let got = lines(&p);
    assert_eq!(
        got[..4],
        [
            "session 3b09acec-2c2f-4d29-bfe8-77480cedc28b claude-sonnet-4-5-20250929 tools=15 version=-",
            "message I'll start by gathering information about the issu…",
            // msg_01SeQq…'s usage, counted once although three lines repeat it.
            got[2].as_str(),
            "tool.started toolu_01LcWGJLGzXxtJgGdGHJMJnF Bash",
        ]
    );
    assert!(
        got[2].starts_with("usage ") && got[2].ends_with(" delta"),
        "{}",
        got[2]
    );
    assert_eq!(
        got[4],
        "command.started toolu_01LcWGJLGzXxtJgGdGHJMJnF gh issue view https://github.com/link-foundation/test-anywhere/issues/3"
    );
    // SOURCES.md: Bash ×17, Glob ×3, Read ×4, TodoWrite ×9, Write ×1, Edit ×1.
    let want: BTreeMap<String, usize> = [
        ("Bash", 17),
        ("Edit", 1),
        ("Glob", 3),
        ("Read", 4),
        ("TodoWrite", 9),
        ("Write", 1),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(count(&p, "tool.started", 2), want);
    assert_eq!(count(&p, "tool.completed", 2), want, "every call completed");
    assert_eq!(count(&p, "command.started", 0).values().sum::<usize>(), 17);
    assert_eq!(
        count(&p, "command.finished", 2),
        [("exit=Some(0)".to_owned(), 17)].into()
    );
    assert_eq!(
        got.iter()
            .filter(|l| l.starts_with("file.changed"))
            .collect::<Vec<_>>(),
        [
            "file.changed written /tmp/gh-issue-solver-1760502938519/.github/workflows/publish.yml",
            "file.changed modified /tmp/gh-issue-solver-1760502938519/package.json",
        ]
    );
    // 26 assistant messages: one usage delta each, then the result's total.
    assert_eq!(got.iter().filter(|l| l.ends_with(" delta")).count(), 26);
    assert_eq!(
        got.last().map(String::as_str),
        // 183 + 23489 cache writes + 614952 cache reads.
        Some("usage in=638624 cached=614952 out=7564 cost=0.410915 total")
    );
}

#[test]
fn claude_session_with_a_call_that_never_completed() {
    let (p, v) = run(
        claude(),
        "claude-code/hive-mind-bash-todowrite-ci-check-success.jsonl",
        Some(0),
    );
    assert_eq!(verdict(&v), "success");
    assert_eq!(
        lines(&p)[0],
        "session 2fac7ddd-70a0-4be9-87fa-640d3f33eaf2 claude-sonnet-4-5-20250929 tools=15 version=-"
    );
    assert_eq!(
        count(&p, "tool.started", 2),
        [("Bash".to_owned(), 11), ("TodoWrite".to_owned(), 3)].into()
    );
    // `gh pr view 4 --repo konard/p-vs-np` (toolu_015Q1H…) has no tool_result in the stream.
    assert_eq!(
        count(&p, "tool.completed", 2),
        [("Bash".to_owned(), 10), ("TodoWrite".to_owned(), 3)].into()
    );
    assert!(
        lines(&p).contains(
            &"command.started toolu_015Q1HitDJRTgo4uh2h5wMhm gh pr view 4 --repo konard/p-vs-np"
                .to_owned()
        )
    );
    assert_eq!(
        lines(&p).last().map(String::as_str),
        Some("usage in=188910 cached=170697 out=1892 cost=0.160203 total")
    );
}

// ---- Codex --------------------------------------------------------------------------------

#[test]
fn codex_bash_ls() {
    let (p, v) = run(codex(None), "codex/agentcmd-bash-ls-success.jsonl", Some(0));
    assert_events(
        &p,
        &[
            "session 019a2d7a-6455-7170-a661-c6d8b94c630a - tools=0 version=-",
            "reasoning **Preparing to list files with bash shell**",
            "tool.started item_1 command_execution",
            "command.started item_1 bash -lc ls",
            "command.finished item_1 exit=Some(0)",
            "tool.completed item_1 command_execution ok",
            "message Files here: `stream-output-1.jsonl`, `stream-outpu…",
            // No model named: tokens counted, cost unknown (0, estimated).
            "usage in=6040 cached=4992 out=129 cost=0.000000 delta",
        ],
    );
    assert_eq!(verdict(&v), "success");
    let (_, v) = run(codex(None), "codex/agentcmd-bash-ls-success.jsonl", Some(1));
    assert_eq!(
        verdict(&v),
        "failure cli Codex completed its turn but exited 1",
        "turn.completed needs exit 0 too"
    );
}

#[test]
fn codex_file_change_only_completes() {
    let (p, v) = run(codex(None), "codex/agentcmd-file-change-add.jsonl", Some(0));
    assert_events(
        &p,
        &[
            "session 019a2d7a-8e1c-7111-b1a6-8cec551a55a0 - tools=0 version=-",
            "reasoning **Creating new file with patch**",
            "tool.started item_1 file_change",
            "file.changed added /private/tmp/codex-research-test/hello.txt",
            "tool.completed item_1 file_change ok",
            "message Created `hello.txt` containing `Hello from Codex`.",
            "usage in=6008 cached=4096 out=51 cost=0.000000 delta",
        ],
    );
    assert_eq!(verdict(&v), "success");
}

#[test]
fn codex_cat_file_with_two_reasoning_items() {
    let (p, v) = run(
        codex(None),
        "codex/agentcmd-cat-file-two-reasoning.jsonl",
        Some(0),
    );
    assert_events(
        &p,
        &[
            "session 019a2d7b-231d-7290-acc1-6bc6571440da - tools=0 version=-",
            "reasoning **Preparing to read file with bash shell**",
            "tool.started item_1 command_execution",
            "command.started item_1 bash -lc 'cat test.js'",
            "command.finished item_1 exit=Some(0)",
            "tool.completed item_1 command_execution ok",
            "reasoning **Preparing response description**",
            "message `test.js` simply contains `console.log('Hello Worl…",
            "usage in=6087 cached=5120 out=204 cost=0.000000 delta",
        ],
    );
    assert_eq!(verdict(&v), "success");
}

#[test]
fn codex_command_output_with_a_stderr_warning_is_still_exit_0() {
    let (p, v) = run(
        codex(None),
        "codex/agentcmd-zsh-ls-stderr-warning.jsonl",
        Some(0),
    );
    assert_events(
        &p,
        &[
            "session 019a2d7b-7fb8-78e1-8cfa-5bdbe274a3aa - tools=0 version=-",
            "reasoning **Listing files in directory**",
            "tool.started item_1 command_execution",
            "command.started item_1 zsh -lc ls",
            "command.finished item_1 exit=Some(0)",
            "tool.completed item_1 command_execution ok",
            "reasoning **Preparing summary with caution**",
            "message Found 1 text file `hello.txt`, 5 JSONL logs `strea…",
            "usage in=6086 cached=2944 out=223 cost=0.000000 delta",
        ],
    );
    assert_eq!(verdict(&v), "success");
    let Norm::CommandFinished { output, .. } = &p[4].norm else {
        panic!("command.finished expected");
    };
    assert!(output.starts_with("/opt/homebrew/Library/Homebrew/cmd/shellenv.sh: line 18"));
}

#[test]
fn codex_401_reconnects_then_turn_failed() {
    let (p, v) = run(
        codex(Some("gpt-5")),
        "codex/hive-mind-unauthorized-401-reconnect-turn-failed.jsonl",
        Some(1),
    );
    assert_events(
        &p,
        &[
            "session 019a72db-80ed-7911-8a8a-94994ffc009b gpt-5 tools=0 version=-",
            "warning Reconnecting... 1/5",
            "warning Reconnecting... 2/5",
            "warning Reconnecting... 3/5",
            "warning Reconnecting... 4/5",
            "warning Reconnecting... 5/5",
            "error auth exceeded retry limit, last status: 401 Unauthorize…",
            "error auth exceeded retry limit, last status: 401 Unauthorize…",
        ],
    );
    assert_eq!(
        verdict(&v),
        "failure auth exceeded retry limit, last status: 401 Unauthorize…"
    );
    // turn.failed decides even if the process exited 0.
    let (_, v) = run(
        codex(None),
        "codex/hive-mind-unauthorized-401-reconnect-turn-failed.jsonl",
        Some(0),
    );
    assert!(matches!(v, Verdict::Failure { .. }));
}

#[test]
fn codex_usage_limit_is_billing() {
    let (p, v) = run(
        codex(None),
        "codex/hive-mind-usage-limit-turn-failed.jsonl",
        Some(1),
    );
    assert_events(
        &p,
        &[
            "session 019a7c5a-60fa-7fb0-bac2-dd0f9e41f566 - tools=0 version=-",
            "error billing You've hit your usage limit. To get more access no…",
            "error billing You've hit your usage limit. To get more access no…",
        ],
    );
    assert_eq!(
        verdict(&v),
        "failure billing You've hit your usage limit. To get more access no…"
    );
}

#[test]
fn codex_long_run_with_todo_list_file_changes_and_commands() {
    let (p, v) = run(
        codex(Some("gpt-5")),
        "codex/hive-mind-todo-list-file-changes-commands.jsonl",
        Some(0),
    );
    assert_eq!(verdict(&v), "success");
    let got = lines(&p);
    assert_eq!(
        got[0],
        "session 019a3fe0-82fb-7e31-8e96-1d5c0544fd8a gpt-5 tools=0 version=-"
    );
    assert_eq!(count(&p, "reasoning", 0).values().sum::<usize>(), 10);
    assert_eq!(count(&p, "message", 0).values().sum::<usize>(), 3);
    let tools: BTreeMap<String, usize> = [
        ("command_execution", 6),
        ("file_change", 3),
        ("todo_list", 1),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(count(&p, "tool.started", 2), tools);
    assert_eq!(count(&p, "tool.completed", 2), tools);
    assert_eq!(
        count(&p, "command.finished", 2),
        [("exit=Some(0)".to_owned(), 6)].into()
    );
    assert_eq!(
        got.iter()
            .filter(|l| l.starts_with("file.changed"))
            .collect::<Vec<_>>(),
        [
            "file.changed added /tmp/gh-issue-solver-1762008239822/main.v",
            "file.changed added /tmp/gh-issue-solver-1762008239822/hello.v",
            "file.changed added /tmp/gh-issue-solver-1762008239822/hello_test.v",
        ]
    );
    // gpt-5: 13296 uncached × $1.25 + 163840 cached × $0.125 + 2836 out × $10, per million.
    assert_eq!(
        got.last().map(String::as_str),
        Some("usage in=177136 cached=163840 out=2836 cost=0.065460 delta")
    );
    assert!(
        !got.iter().any(|l| l.starts_with("log ")),
        "every line is understood"
    );
}

#[test]
fn codex_follow_up_run() {
    let (p, v) = run(
        codex(Some("gpt-5")),
        "codex/hive-mind-followup-run-todo-list-commands.jsonl",
        Some(0),
    );
    assert_eq!(verdict(&v), "success");
    assert_eq!(
        lines(&p)[0],
        "session 019a3fe1-fd7f-7d41-8cae-d163ad45efae gpt-5 tools=0 version=-"
    );
    assert_eq!(count(&p, "reasoning", 0).values().sum::<usize>(), 7);
    assert_eq!(count(&p, "message", 0).values().sum::<usize>(), 2);
    assert_eq!(
        count(&p, "tool.completed", 2),
        [
            ("command_execution".to_owned(), 7),
            ("todo_list".to_owned(), 1)
        ]
        .into()
    );
    assert_eq!(
        count(&p, "command.finished", 2),
        [("exit=Some(0)".to_owned(), 7)].into()
    );
    // 11083 × 1.25 + 90752 × 0.125 + 2113 × 10 = 13853.75 + 11344 + 21130 → $0.046328
    assert_eq!(
        lines(&p).last().map(String::as_str),
        Some("usage in=101835 cached=90752 out=2113 cost=0.046328 delta")
    );
}

// ---- Gemini -------------------------------------------------------------------------------

#[test]
fn gemini_say_hello() {
    let (p, v) = run(
        gemini(),
        "gemini-cli/agentcmd-say-hello-no-tools.jsonl",
        Some(0),
    );
    assert_events(
        &p,
        &[
            "session 2aa2472d-f175-41f6-a5a9-fd4f42cc345a gemini-2.5-pro tools=0 version=-",
            "message Hello! I'm ready to help. What can I do for you?",
            // gemini-2.5-pro: 7352 × $1.25 + 16 × $10 per million.
            "usage in=7352 cached=0 out=16 cost=0.009350 total",
        ],
    );
    assert_eq!(verdict(&v), "success");
}

#[test]
fn gemini_read_file() {
    let (p, v) = run(
        gemini(),
        "gemini-cli/agentcmd-read-file-tool.jsonl",
        Some(0),
    );
    assert_events(
        &p,
        &[
            "session 9c9a14e1-2b8f-443b-8cec-61516ff39741 gemini-2.5-pro tools=0 version=-",
            "tool.started read_file-1761734190726-4dfc76eb0c846 read_file",
            "tool.completed read_file-1761734190726-4dfc76eb0c846 read_file ok",
            "message The file /private/tmp/gemini-test/sample.txt conta…",
            "usage in=11068 cached=0 out=44 cost=0.014275 total",
        ],
    );
    assert_eq!(verdict(&v), "success");
}

#[test]
fn gemini_write_file() {
    let (p, v) = run(
        gemini(),
        "gemini-cli/agentcmd-write-file-tool.jsonl",
        Some(0),
    );
    assert_events(
        &p,
        &[
            "session f96c76b0-f4ed-448c-833c-16856e3585c7 gemini-2.5-pro tools=0 version=-",
            "tool.started write_file-1761734206262-8f3d4cee1f321 write_file",
            "file.changed written /tmp/gemini-test/created.txt",
            "tool.completed write_file-1761734206262-8f3d4cee1f321 write_file ok",
            // "Done.\n": the short form marks the cut newline.
            "message Done.…",
            // $0.0138675 exactly; its nearest f64 lies just below, so it rounds down.
            "usage in=10902 cached=0 out=24 cost=0.013867 total",
        ],
    );
    assert_eq!(verdict(&v), "success");
}

#[test]
fn gemini_read_replace_read() {
    let (p, v) = run(
        gemini(),
        "gemini-cli/agentcmd-edit-file-read-replace-read.jsonl",
        Some(0),
    );
    assert_events(
        &p,
        &[
            "session 453aa339-7d2b-4709-a41a-b0b73beaff85 gemini-2.5-pro tools=0 version=-",
            "tool.started read_file-1761734225259-ef6c719c767c read_file",
            "tool.completed read_file-1761734225259-ef6c719c767c read_file ok",
            "tool.started replace-1761734228885-7a63ed9561c45 replace",
            "file.changed modified /private/tmp/gemini-test/created.txt",
            "tool.completed replace-1761734228885-7a63ed9561c45 replace ok",
            "tool.started read_file-1761734231198-1c505312bf0b read_file",
            "tool.completed read_file-1761734231198-1c505312bf0b read_file ok",
            "message Done.",
            // $0.0278875 exactly; its nearest f64 lies just below, so it rounds down.
            "usage in=21694 cached=0 out=77 cost=0.027887 total",
        ],
    );
    assert_eq!(verdict(&v), "success");
    // Without its result line a Gemini run is not a success, whatever the exit status.
    let mut g = GeminiParser::new(None, None);
    g.feed(r#"{"type":"init","session_id":"s","model":"m"}"#);
    assert!(matches!(g.verdict(Some(0)), Verdict::Failure { .. }));
}

#[test]
fn unknown_types_and_non_json_lines_are_logs_never_failures() {
    for mut parser in [claude(), codex(None), gemini()] {
        let out = parser.feed("not json at all");
        assert_eq!(lines(&out), ["log not json at all"]);
        let out = parser.feed(r#"{"type":"something_new","x":1}"#);
        assert_eq!(lines(&out), [r#"log {"type":"something_new","x":1}"#]);
    }
}
