//! The sample job: a small Python project with a real bug, a bare "remote" beside it, and a
//! bundled sample agent that fixes the bug imperfectly first — so a newcomer sees validation fail,
//! repair run and a branch published, with no AI provider and no network. The job is submitted
//! through the normal command-provider path.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::jobspec::{
    JobSpec, SpecDiffGuard, SpecProvider, SpecRepository, SpecTicket, SpecValidation, canonical_url,
};

const PRICING: &str = include_str!("pricing.py");
const TEST_PRICING: &str = include_str!("test_pricing.py");
const AGENTS: &str = include_str!("AGENTS.md");
const AGENT: &str = include_str!("sample_agent.py");

/// Failures preparing the sample repository.
#[derive(Debug, thiserror::Error)]
pub enum SampleError {
    #[error("sample repository: {0}")]
    Io(#[from] std::io::Error),
    #[error("sample repository: git {0}")]
    Git(String),
}

fn git(dir: &Path, args: &[&str]) -> Result<(), SampleError> {
    // Fixed identity and dates: the sample's history is the same commit every time.
    let out = Command::new("git")
        .args([
            "-c",
            "core.hooksPath=/dev/null",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "mergeloom sample")
        .env("GIT_AUTHOR_EMAIL", "sample@mergeloom.invalid")
        .env("GIT_COMMITTER_NAME", "mergeloom sample")
        .env("GIT_COMMITTER_EMAIL", "sample@mergeloom.invalid")
        .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()?;
    if out.status.success() {
        Ok(())
    } else {
        Err(SampleError::Git(format!(
            "{} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

/// Creates (or resets) the sample remote under `<data-dir>/samples` and writes the sample agent.
/// Returns the remote's path and the agent's path.
pub fn prepare(data_dir: &Path) -> Result<(PathBuf, PathBuf), SampleError> {
    let root = std::path::absolute(data_dir.join("samples"))?;
    std::fs::create_dir_all(&root)?;
    let remote = root.join("sample-shop.git");
    let work = root.join("sample-shop-work");
    if work.exists() {
        std::fs::remove_dir_all(&work)?;
    }
    std::fs::create_dir_all(&work)?;
    std::fs::write(work.join("pricing.py"), PRICING)?;
    std::fs::write(work.join("test_pricing.py"), TEST_PRICING)?;
    std::fs::write(work.join("AGENTS.md"), AGENTS)?;
    std::fs::write(work.join(".gitignore"), "__pycache__/\n")?;
    git(&work, &["init", "--quiet", "--initial-branch=main"])?;
    git(&work, &["add", "--all"])?;
    git(
        &work,
        &[
            "commit",
            "--quiet",
            "-m",
            "Sample shop: prices with a discount bug",
        ],
    )?;
    if !remote.join("HEAD").exists() {
        let r = remote.to_string_lossy().into_owned();
        git(
            &root,
            &[
                "init",
                "--quiet",
                "--bare",
                "--initial-branch=main",
                "--",
                &r,
            ],
        )?;
    }
    let r = remote.to_string_lossy().into_owned();
    // Reset the remote's main to the pristine sample (run branches are left alone).
    git(
        &work,
        &["push", "--quiet", "--force", "--", &r, "main:main"],
    )?;
    std::fs::remove_dir_all(&work)?;
    let agent = root.join("sample_agent.py");
    std::fs::write(&agent, AGENT)?;
    Ok((remote, agent))
}

/// The sample job's spec for a prepared remote and agent.
#[must_use]
pub fn job_spec(remote: &Path, agent: &Path) -> JobSpec {
    let url = remote.to_string_lossy().into_owned();
    JobSpec {
        ticket: SpecTicket {
            key: "SAMPLE-1".into(),
            title: "Fix the discount calculation".into(),
            body: Some(
                "`apply_discount(price, percent)` subtracts the percentage instead of applying it. \
                 Make it return the discounted price rounded to cents; `python3 -m unittest` must pass."
                    .into(),
            ),
            url: None,
            source: Some("sample".into()),
        },
        repository: SpecRepository {
            canonical_url: canonical_url(&url),
            clone_url: url,
            name: "sample/sample-shop".into(),
            base_ref: Some("main".into()),
        },
        provider: SpecProvider {
            id: Some("command".into()),
            model: None,
            command: Some(vec!["python3".into(), agent.to_string_lossy().into_owned()]),
        },
        validation: SpecValidation {
            mode: Some("required".into()),
            setup_commands: Vec::new(),
            commands: vec![vec!["python3".into(), "-m".into(), "unittest".into(), "-v".into()]],
        },
        max_repair_attempts: None,
        review_enabled: false,
        diff_guard: SpecDiffGuard {
            max_files: None,
            max_lines: None,
            protected_paths: Vec::new(),
        },
        push: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepare_is_repeatable() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (remote, agent) = prepare(dir.path()).expect("first");
        let (remote2, _) = prepare(dir.path()).expect("again");
        assert_eq!(remote, remote2);
        assert!(agent.exists());
        assert!(remote.join("refs/heads/main").exists() || remote.join("packed-refs").exists());
        let spec = job_spec(&remote, &agent);
        assert_eq!(
            spec.provider.command.as_ref().map(|c| c[0].as_str()),
            Some("python3")
        );
    }
}
