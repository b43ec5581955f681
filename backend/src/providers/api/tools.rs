//! The tools the agent loop offers the model, and their execution in the worktree. Every path goes
//! through the [`Sandbox`]; `run_command` must pass the allowed-commands list and runs as a
//! recorded provider command with a timeout; `finish` ends the step (in review, with the verdict
//! the pipeline reads from the review file). A refusal is an error result the model sees, marked
//! `refused` so the loop reports it.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::sandbox::Sandbox;
use super::wire::{ToolCall, ToolSpec};
use crate::executor::process::{self, Ended, ProcessSpec, RunCtx};
use crate::jobspec::{is_allowed, program_basename};
use crate::providers::Step;

/// Longest tool result handed back to the model.
const MAX_RESULT_BYTES: usize = 60 * 1024;
/// Most entries `list_files` and `search_text` return.
const MAX_ENTRIES: usize = 1000;
/// Largest file `search_text` looks into.
const MAX_SEARCH_FILE: u64 = 2 << 20;

/// What a tool call produced.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolOutput {
    pub content: String,
    pub ok: bool,
    /// Why the call was refused (a path escaping the worktree, a command not allowed, …).
    pub refused: Option<String>,
    /// `finish` was called with this summary.
    pub finished: Option<String>,
}

impl ToolOutput {
    fn ok(content: impl Into<String>) -> Self {
        Self {
            content: cap(content.into()),
            ok: true,
            refused: None,
            finished: None,
        }
    }

    fn error(content: impl Into<String>) -> Self {
        Self {
            content: content.into(),
            ok: false,
            refused: None,
            finished: None,
        }
    }

    fn refused(reason: impl Into<String>) -> Self {
        let reason = reason.into();
        Self {
            content: format!("refused: {reason}"),
            ok: false,
            refused: Some(reason),
            finished: None,
        }
    }
}

fn cap(mut s: String) -> String {
    if s.len() > MAX_RESULT_BYTES {
        let mut end = MAX_RESULT_BYTES;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        let total = s.len();
        s.truncate(end);
        s.push_str(&format!("\n… [cut: {total} bytes in all]"));
    }
    s
}

/// The tools offered in a stage (review: read-only tools plus `finish` with a verdict).
#[must_use]
pub fn specs(review: bool) -> Vec<ToolSpec> {
    let path = json!({"type": "string", "description": "path relative to the repository root"});
    let mut tools = vec![
        ToolSpec {
            name: "list_files",
            description: "List files under a directory of the repository (recursive, .git excluded).",
            schema: json!({"type": "object", "properties": {"path": path}, "required": []}),
        },
        ToolSpec {
            name: "read_file",
            description: "Read a text file of the repository.",
            schema: json!({"type": "object", "properties": {"path": path}, "required": ["path"]}),
        },
    ];
    if !review {
        tools.push(ToolSpec {
            name: "write_file",
            description: "Create or overwrite a file with the given content.",
            schema: json!({"type": "object", "properties": {"path": path, "content": {"type": "string"}},
                "required": ["path", "content"]}),
        });
        tools.push(ToolSpec {
            name: "edit_file",
            description: "Replace one exact occurrence of old_text with new_text in a file. Fails when old_text is not found or occurs more than once.",
            schema: json!({"type": "object", "properties": {"path": path, "old_text": {"type": "string"},
                "new_text": {"type": "string"}}, "required": ["path", "old_text", "new_text"]}),
        });
    }
    tools.push(ToolSpec {
        name: "search_text",
        description: "Find lines containing a literal text in the repository's files.",
        schema: json!({"type": "object", "properties": {"text": {"type": "string"}, "path": path},
            "required": ["text"]}),
    });
    tools.push(ToolSpec {
        name: "run_command",
        description: "Run a program (argv array, no shell) in the repository root. Only programs on the worker's allowed-commands list may run.",
        schema: json!({"type": "object", "properties": {
            "argv": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "timeout_seconds": {"type": "integer", "minimum": 1}}, "required": ["argv"]}),
    });
    tools.push(ToolSpec {
        name: "show_diff",
        description: "Show the changes made so far (git diff against the starting commit, plus new files).",
        schema: json!({"type": "object", "properties": {}, "required": []}),
    });
    let finish = if review {
        ToolSpec {
            name: "finish",
            description: "End the review with a summary and the verdict.",
            schema: json!({"type": "object", "properties": {
                "summary": {"type": "string"},
                "verdict": {"type": "object", "properties": {
                    "approved": {"type": "boolean"},
                    "findings": {"type": "array", "items": {"type": "object", "properties": {
                        "severity": {"type": "string", "enum": ["low", "medium", "high"]},
                        "message": {"type": "string"}, "path": {"type": "string"},
                        "line": {"type": "integer"}}, "required": ["message"]}}},
                    "required": ["approved", "findings"]}},
                "required": ["summary", "verdict"]}),
        }
    } else {
        ToolSpec {
            name: "finish",
            description: "End the step with a short summary of what was changed.",
            schema: json!({"type": "object", "properties": {"summary": {"type": "string"}},
                "required": ["summary"]}),
        }
    };
    tools.push(finish);
    tools
}

/// What tools need to run.
pub struct ToolEnv<'a> {
    pub ctx: &'a RunCtx,
    pub step: &'a Step,
    pub sandbox: &'a Sandbox,
    pub allowed_commands: &'a [String],
    pub command_timeout: Duration,
    /// When the step's time is up: a command never runs past it (it ends a moment before, so its
    /// process group is stopped and recorded by the process runner, not abandoned).
    pub deadline: Instant,
    /// Set while a command runs, so that a stop waits for the runner to end it.
    pub busy: &'a AtomicBool,
}

impl ToolEnv<'_> {
    fn review(&self) -> bool {
        self.step.review_file.is_some()
    }

    /// Runs one tool call.
    pub async fn execute(&self, call: &ToolCall) -> ToolOutput {
        let input = match &call.input {
            Ok(v) => v,
            Err(raw) => {
                return ToolOutput::error(format!(
                    "the arguments are not a JSON object: {}",
                    raw.chars().take(200).collect::<String>()
                ));
            }
        };
        let s = |k: &str| input.get(k).and_then(Value::as_str);
        match call.name.as_str() {
            "list_files" => self.list_files(s("path").unwrap_or(".")),
            "read_file" => match s("path") {
                Some(p) => self.read_file(p),
                None => ToolOutput::error("missing `path`"),
            },
            "write_file" | "edit_file" if self.review() => {
                ToolOutput::refused("the review step may not change files")
            }
            "write_file" => match (s("path"), s("content")) {
                (Some(p), Some(c)) => self.write_file(p, c),
                _ => ToolOutput::error("missing `path` or `content`"),
            },
            "edit_file" => match (s("path"), s("old_text"), s("new_text")) {
                (Some(p), Some(o), Some(n)) => self.edit_file(p, o, n),
                _ => ToolOutput::error("missing `path`, `old_text` or `new_text`"),
            },
            "search_text" => match s("text") {
                Some(t) if !t.is_empty() => self.search_text(t, s("path").unwrap_or(".")),
                _ => ToolOutput::error("missing `text`"),
            },
            "run_command" => self.run_command(input).await,
            "show_diff" => self.show_diff().await,
            "finish" => self.finish(input),
            other => ToolOutput::error(format!("unknown tool {other:?}")),
        }
    }

    fn resolve(&self, raw: &str) -> Result<std::path::PathBuf, ToolOutput> {
        self.sandbox
            .resolve(raw)
            .map_err(|e| ToolOutput::refused(e.to_string()))
    }

    fn list_files(&self, raw: &str) -> ToolOutput {
        let dir = match self.resolve(raw) {
            Ok(d) => d,
            Err(o) => return o,
        };
        let mut out = Vec::new();
        let mut truncated = false;
        walk(&dir, &mut |p| {
            if out.len() >= MAX_ENTRIES {
                truncated = true;
                return false;
            }
            out.push(self.sandbox.relative(p));
            true
        });
        out.sort();
        let mut text = out.join("\n");
        if truncated {
            text.push_str(&format!("\n… (first {MAX_ENTRIES} entries)"));
        }
        if text.is_empty() {
            text = "(no files)".into();
        }
        ToolOutput::ok(text)
    }

    fn read_file(&self, raw: &str) -> ToolOutput {
        let path = match self.resolve(raw) {
            Ok(p) => p,
            Err(o) => return o,
        };
        match std::fs::read(&path) {
            Ok(bytes) => ToolOutput::ok(String::from_utf8_lossy(&bytes).into_owned()),
            Err(e) => ToolOutput::error(format!("cannot read {raw}: {e}")),
        }
    }

    fn write_file(&self, raw: &str, content: &str) -> ToolOutput {
        let path = match self.resolve(raw) {
            Ok(p) => p,
            Err(o) => return o,
        };
        let result = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, content));
        match result {
            Ok(()) => ToolOutput::ok(format!("wrote {raw} ({} bytes)", content.len())),
            Err(e) => ToolOutput::error(format!("cannot write {raw}: {e}")),
        }
    }

    fn edit_file(&self, raw: &str, old: &str, new: &str) -> ToolOutput {
        let path = match self.resolve(raw) {
            Ok(p) => p,
            Err(o) => return o,
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => return ToolOutput::error(format!("cannot read {raw}: {e}")),
        };
        if old.is_empty() {
            return ToolOutput::error("`old_text` is empty");
        }
        match text.matches(old).count() {
            0 => ToolOutput::error(format!("old_text was not found in {raw}")),
            1 => match std::fs::write(&path, text.replacen(old, new, 1)) {
                Ok(()) => ToolOutput::ok(format!("edited {raw}")),
                Err(e) => ToolOutput::error(format!("cannot write {raw}: {e}")),
            },
            n => ToolOutput::error(format!(
                "old_text occurs {n} times in {raw}; give more context so it is unique"
            )),
        }
    }

    fn search_text(&self, needle: &str, raw: &str) -> ToolOutput {
        let dir = match self.resolve(raw) {
            Ok(d) => d,
            Err(o) => return o,
        };
        let mut hits = Vec::new();
        walk(&dir, &mut |p| {
            // A symlinked file is searched only when it resolves inside the worktree.
            let rel = self.sandbox.relative(p);
            if self.sandbox.resolve(&rel).is_err()
                || std::fs::metadata(p).is_ok_and(|m| m.len() > MAX_SEARCH_FILE)
            {
                return true;
            }
            let Ok(text) = std::fs::read_to_string(p) else {
                return true;
            };
            for (i, line) in text.lines().enumerate() {
                if line.contains(needle) {
                    hits.push(format!("{}:{}: {}", self.sandbox.relative(p), i + 1, line));
                    if hits.len() >= MAX_ENTRIES {
                        return false;
                    }
                }
            }
            true
        });
        if hits.is_empty() {
            return ToolOutput::ok("no matches");
        }
        ToolOutput::ok(hits.join("\n"))
    }

    async fn run_command(&self, input: &Value) -> ToolOutput {
        let argv: Option<Vec<String>> = input.get("argv").and_then(Value::as_array).map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        });
        let Some(argv) = argv.filter(|a| !a.is_empty()) else {
            return ToolOutput::error("`argv` must be a non-empty array of strings");
        };
        let program = &argv[0];
        if !is_allowed(program, self.allowed_commands) {
            return ToolOutput::refused(format!(
                "{:?} is not on the allowed-commands list ({})",
                program_basename(program),
                self.allowed_commands.join(", ")
            ));
        }
        let left = self
            .deadline
            .saturating_duration_since(Instant::now())
            .saturating_sub(Duration::from_secs(1))
            .max(Duration::from_millis(100));
        let timeout = input
            .get("timeout_seconds")
            .and_then(Value::as_u64)
            .map_or(self.command_timeout, |s| {
                Duration::from_secs(s.max(1)).min(self.command_timeout)
            })
            .min(left);
        let spec = ProcessSpec {
            argv: argv.clone(),
            cwd: self.sandbox.root().to_path_buf(),
            env: vec![
                ("MERGELOOM_STAGE".to_owned(), self.step.stage.clone()),
                (
                    "MERGELOOM_ATTEMPT".to_owned(),
                    self.step.attempt.to_string(),
                ),
            ],
            stdin: None,
            timeout,
            stage: self.step.stage.clone(),
            attempt: self.step.attempt,
            source: "provider",
            log_source: "provider",
            capture_stdout: false,
            stdout_lines: None,
        };
        self.busy.store(true, Ordering::SeqCst);
        let result = process::run(self.ctx, spec).await;
        self.busy.store(false, Ordering::SeqCst);
        match result {
            Ok(out) => {
                let text = format!("{} {}\n{}", argv.join(" "), out.describe(), out.output);
                match out.ended {
                    Ended::Exited(Some(0)) => ToolOutput::ok(text),
                    _ => ToolOutput::error(cap(text)),
                }
            }
            Err(e) => ToolOutput::error(format!("the command could not be recorded: {e}")),
        }
    }

    async fn show_diff(&self) -> ToolOutput {
        let git = |args: &[&str]| {
            let mut c = tokio::process::Command::new("git");
            c.args([
                "-c",
                "core.hooksPath=/dev/null",
                "-c",
                "core.fsmonitor=false",
            ])
            .args(args)
            .current_dir(self.sandbox.root())
            .env("GIT_TERMINAL_PROMPT", "0")
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true);
            c
        };
        let diff = git(&["diff", "--no-color", "--no-ext-diff", "HEAD", "--"])
            .output()
            .await;
        let untracked = git(&["ls-files", "--others", "--exclude-standard", "-z"])
            .output()
            .await;
        match (diff, untracked) {
            (Ok(d), Ok(u)) if d.status.success() => {
                let mut text = String::from_utf8_lossy(&d.stdout).into_owned();
                let new: Vec<String> = u
                    .stdout
                    .split(|b| *b == 0)
                    .filter(|s| !s.is_empty())
                    .map(|s| String::from_utf8_lossy(s).into_owned())
                    .collect();
                if !new.is_empty() {
                    text.push_str(&format!("\nNew files:\n{}\n", new.join("\n")));
                }
                if text.trim().is_empty() {
                    text = "(no changes)".into();
                }
                ToolOutput::ok(self.ctx.redactor.redact(&text))
            }
            (Ok(d), _) => ToolOutput::error(format!(
                "git diff failed: {}",
                String::from_utf8_lossy(&d.stderr)
            )),
            (Err(e), _) => ToolOutput::error(format!("git diff could not run: {e}")),
        }
    }

    fn finish(&self, input: &Value) -> ToolOutput {
        let summary = input
            .get("summary")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        if let Some(file) = &self.step.review_file {
            let Some(verdict) = input.get("verdict").filter(|v| v.is_object()) else {
                return ToolOutput::error(
                    "the review must end with `verdict`: {\"approved\": bool, \"findings\": [...]}",
                );
            };
            if !verdict.get("approved").is_some_and(Value::is_boolean) {
                return ToolOutput::error("`verdict.approved` must be true or false");
            }
            if let Err(e) = std::fs::write(file, verdict.to_string()) {
                return ToolOutput::error(format!("cannot write the verdict: {e}"));
            }
        }
        ToolOutput {
            content: "finished".into(),
            ok: true,
            refused: None,
            finished: Some(summary),
        }
    }
}

/// Visits the files under `dir` (not `.git`, not through symlinked directories) until `visit`
/// returns false.
fn walk(dir: &Path, visit: &mut dyn FnMut(&Path) -> bool) -> bool {
    let Ok(meta) = std::fs::symlink_metadata(dir) else {
        return true;
    };
    if !meta.is_dir() {
        return visit(dir);
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return true;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for e in entries {
        if e.file_name() == ".git" {
            continue;
        }
        let p = e.path();
        let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
        let go_on = if is_dir { walk(&p, visit) } else { visit(&p) };
        if !go_on {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use async_trait::async_trait;

    use super::*;
    use crate::db::runs::Transition;
    use crate::executor::process::{OutputBudget, Stop};
    use crate::executor::redact::Redactor;
    use crate::ids::RunId;
    use crate::model::Run;
    use crate::sink::{
        CommandEnd, CommandStart, EventSink, FileChange, NewEvent, RunPatch, SinkError,
    };

    /// A sink that keeps nothing (the file tools record nothing themselves).
    struct NullSink;

    #[async_trait]
    impl EventSink for NullSink {
        async fn append(&self, _: RunId, e: Vec<NewEvent>) -> Result<Vec<i64>, SinkError> {
            Ok((1..=e.len() as i64).collect())
        }
        async fn transition(&self, _: RunId, _: Transition) -> Result<Run, SinkError> {
            Err(SinkError::Storage("not in this test".into()))
        }
        async fn stage_started(&self, _: RunId, _: &str, _: i32) -> Result<i64, SinkError> {
            Ok(1)
        }
        async fn stage_finished(
            &self,
            _: RunId,
            _: &str,
            _: i32,
            _: &str,
            _: Option<String>,
        ) -> Result<i64, SinkError> {
            Ok(1)
        }
        async fn command_started(&self, _: RunId, _: CommandStart) -> Result<i32, SinkError> {
            Ok(1)
        }
        async fn command_finished(&self, _: RunId, _: i32, _: CommandEnd) -> Result<(), SinkError> {
            Ok(())
        }
        async fn file_changes(&self, _: RunId, _: Vec<FileChange>) -> Result<(), SinkError> {
            Ok(())
        }
        async fn update_run(&self, _: RunId, _: RunPatch) -> Result<(), SinkError> {
            Ok(())
        }
    }

    fn call(name: &str, input: Value) -> ToolCall {
        ToolCall {
            id: "c1".into(),
            name: name.into(),
            input: Ok(input),
        }
    }

    #[tokio::test]
    async fn file_tools_edit_exactly_and_refuse_escapes_and_commands() {
        let tree = tempfile::tempdir().expect("tree");
        std::fs::write(tree.path().join("a.py"), "x = 1\ny = 1\n").expect("a.py");
        let (_tx, stop) = tokio::sync::watch::channel(Stop::None);
        let ctx = RunCtx {
            run_id: RunId::new(),
            sink: Arc::new(NullSink),
            redactor: Arc::new(Redactor::new(Vec::new())),
            stop,
            budget: Arc::new(OutputBudget::new(0)),
            env: Vec::new(),
            usage: Arc::default(),
        };
        let step = Step {
            stage: "implement".into(),
            attempt: 1,
            prompt: String::new(),
            worktree: tree.path().to_path_buf(),
            prompt_file: tree.path().join("p.md"),
            validation_output_file: None,
            review_file: None,
            timeout: Duration::from_secs(60),
            ticket_key: "T-1".into(),
        };
        let sandbox = Sandbox::new(tree.path()).expect("sandbox");
        let busy = AtomicBool::new(false);
        let env = ToolEnv {
            ctx: &ctx,
            step: &step,
            sandbox: &sandbox,
            allowed_commands: &["python3".to_owned()],
            command_timeout: Duration::from_secs(10),
            deadline: Instant::now() + Duration::from_secs(60),
            busy: &busy,
        };
        let ambiguous = env
            .execute(&call(
                "edit_file",
                json!({"path": "a.py", "old_text": "= 1", "new_text": "= 2"}),
            ))
            .await;
        assert!(
            !ambiguous.ok && ambiguous.content.contains("2 times"),
            "{ambiguous:?}"
        );
        let edited = env
            .execute(&call(
                "edit_file",
                json!({"path": "a.py", "old_text": "y = 1", "new_text": "y = 2"}),
            ))
            .await;
        assert!(edited.ok, "{edited:?}");
        assert_eq!(
            std::fs::read_to_string(tree.path().join("a.py")).expect("a.py"),
            "x = 1\ny = 2\n"
        );
        let wrote = env
            .execute(&call(
                "write_file",
                json!({"path": "pkg/new.py", "content": "z = 3\n"}),
            ))
            .await;
        assert!(wrote.ok, "{wrote:?}");
        let found = env
            .execute(&call("search_text", json!({"text": "z = 3"})))
            .await;
        assert_eq!(found.content, "pkg/new.py:1: z = 3");
        let listed = env.execute(&call("list_files", json!({}))).await;
        assert_eq!(listed.content, "a.py\npkg/new.py");
        let escape = env
            .execute(&call("read_file", json!({"path": "../x"})))
            .await;
        assert!(escape.refused.is_some() && !escape.ok, "{escape:?}");
        let command = env
            .execute(&call("run_command", json!({"argv": ["bash", "-c", "id"]})))
            .await;
        assert!(command.refused.is_some(), "{command:?}");
        let bad = ToolCall {
            id: "c2".into(),
            name: "read_file".into(),
            input: Err("{not json".into()),
        };
        assert!(!env.execute(&bad).await.ok);
        let done = env
            .execute(&call("finish", json!({"summary": "did it"})))
            .await;
        assert_eq!(done.finished.as_deref(), Some("did it"));
    }
}
