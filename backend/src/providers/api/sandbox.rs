//! Paths the model names, resolved inside the worktree. Refused: absolute paths, any `..`
//! component, the `.git` directory, and anything whose existing part resolves (through symlinks)
//! outside the worktree — including a dangling symlink, whose target cannot be checked. A path
//! whose tail does not exist yet (a file to write) is checked through its deepest existing
//! ancestor; the missing components are plain names, so they cannot leave it.

use std::path::{Component, Path, PathBuf};

/// Why a path was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SandboxError {
    #[error("path {0:?} is absolute; give a path relative to the repository root")]
    Absolute(String),
    #[error("path {0:?} contains `..`; paths must stay inside the repository")]
    ParentDir(String),
    #[error("path {0:?} is inside .git, which tools may not touch")]
    GitDir(String),
    #[error("path {0:?} resolves outside the repository (through a symlink)")]
    Escapes(String),
    #[error("path {0:?} cannot be resolved: {1}")]
    Unresolvable(String, String),
}

/// The worktree root, canonicalized once.
#[derive(Debug, Clone)]
pub struct Sandbox {
    root: PathBuf,
}

impl Sandbox {
    /// A sandbox rooted at `worktree` (which must exist).
    pub fn new(worktree: &Path) -> std::io::Result<Self> {
        Ok(Self {
            root: worktree.canonicalize()?,
        })
    }

    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Resolves `raw` to a path inside the worktree (`""` and `"."` are the root itself).
    pub fn resolve(&self, raw: &str) -> Result<PathBuf, SandboxError> {
        let path = Path::new(raw);
        let mut rel = PathBuf::new();
        for c in path.components() {
            match c {
                Component::Prefix(_) | Component::RootDir => {
                    return Err(SandboxError::Absolute(raw.to_owned()));
                }
                Component::ParentDir => return Err(SandboxError::ParentDir(raw.to_owned())),
                Component::CurDir => {}
                Component::Normal(n) => rel.push(n),
            }
        }
        if rel
            .components()
            .next()
            .is_some_and(|c| c.as_os_str() == ".git")
        {
            return Err(SandboxError::GitDir(raw.to_owned()));
        }
        let full = self.root.join(&rel);
        // The deepest ancestor that exists (as an entry: a dangling symlink counts).
        let mut existing = full.clone();
        let mut missing: Vec<std::ffi::OsString> = Vec::new();
        while std::fs::symlink_metadata(&existing).is_err() {
            let Some(name) = existing.file_name().map(ToOwned::to_owned) else {
                break;
            };
            missing.push(name);
            if !existing.pop() {
                break;
            }
        }
        let canonical = existing.canonicalize().map_err(|e| {
            if std::fs::symlink_metadata(&existing).is_ok_and(|m| m.file_type().is_symlink()) {
                SandboxError::Escapes(raw.to_owned())
            } else {
                SandboxError::Unresolvable(raw.to_owned(), e.to_string())
            }
        })?;
        if !canonical.starts_with(&self.root) {
            return Err(SandboxError::Escapes(raw.to_owned()));
        }
        let mut out = canonical;
        for name in missing.into_iter().rev() {
            out.push(name);
        }
        Ok(out)
    }

    /// `path` relative to the root, for messages (`.` for the root).
    #[must_use]
    pub fn relative(&self, path: &Path) -> String {
        match path.strip_prefix(&self.root) {
            Ok(p) if p.as_os_str().is_empty() => ".".to_owned(),
            Ok(p) => p.display().to_string(),
            Err(_) => path.display().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn setup() -> (tempfile::TempDir, tempfile::TempDir, Sandbox) {
        let tree = tempfile::tempdir().expect("tree");
        let outside = tempfile::tempdir().expect("outside");
        std::fs::create_dir_all(tree.path().join("src")).expect("src");
        std::fs::write(tree.path().join("src/a.py"), "x").expect("a.py");
        std::fs::write(outside.path().join("secret"), "s").expect("secret");
        symlink(outside.path(), tree.path().join("out")).expect("dir link");
        symlink(outside.path().join("secret"), tree.path().join("leak")).expect("file link");
        symlink(outside.path().join("nothing"), tree.path().join("dangling")).expect("dangling");
        symlink("src/a.py", tree.path().join("inside")).expect("inner link");
        let sb = Sandbox::new(tree.path()).expect("sandbox");
        (tree, outside, sb)
    }

    #[test]
    fn paths_inside_resolve_including_new_files() {
        let (_t, _o, sb) = setup();
        let root = sb.root().to_path_buf();
        assert_eq!(sb.resolve("src/a.py"), Ok(root.join("src/a.py")));
        assert_eq!(sb.resolve("./src/new/b.py"), Ok(root.join("src/new/b.py")));
        assert_eq!(sb.resolve(""), Ok(root.clone()));
        assert_eq!(sb.resolve("."), Ok(root.clone()));
        assert_eq!(sb.resolve("inside"), Ok(root.join("src/a.py")));
        assert_eq!(sb.relative(&root.join("src/a.py")), "src/a.py");
    }

    #[test]
    fn escapes_are_refused() {
        let (_t, o, sb) = setup();
        assert!(matches!(
            sb.resolve("../../etc/passwd"),
            Err(SandboxError::ParentDir(_))
        ));
        assert!(matches!(
            sb.resolve("src/../../x"),
            Err(SandboxError::ParentDir(_))
        ));
        assert!(matches!(
            sb.resolve("/etc/passwd"),
            Err(SandboxError::Absolute(_))
        ));
        let abs = o.path().join("secret").display().to_string();
        assert!(matches!(sb.resolve(&abs), Err(SandboxError::Absolute(_))));
        assert!(matches!(sb.resolve("leak"), Err(SandboxError::Escapes(_))));
        assert!(matches!(
            sb.resolve("out/secret"),
            Err(SandboxError::Escapes(_))
        ));
        assert!(matches!(
            sb.resolve("out/new-file"),
            Err(SandboxError::Escapes(_))
        ));
        assert!(matches!(
            sb.resolve("dangling"),
            Err(SandboxError::Escapes(_))
        ));
        assert!(matches!(
            sb.resolve(".git/hooks/pre-commit"),
            Err(SandboxError::GitDir(_))
        ));
    }
}
