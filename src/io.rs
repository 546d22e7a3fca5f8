//! Files pairscope writes: always atomically (a temporary file in the same folder, flushed,
//! then renamed over the target), so a failed write leaves the old file intact and never a
//! partial one.

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file path"))?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    // The temporary file is ours; the write's own error is the one to report.
    if result.is_err()
        && let Err(e) = std::fs::remove_file(&tmp)
    {
        log::warn!("could not remove {}: {e}", tmp.display());
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_no_temporary() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path();
        let path = dir.join("a.txt");
        write_atomic(&path, b"one").expect("write");
        write_atomic(&path, b"two").expect("write");
        assert_eq!(std::fs::read(&path).expect("read"), b"two");
        let left: Vec<_> = std::fs::read_dir(dir).expect("dir").collect();
        assert_eq!(left.len(), 1, "only the target remains");
    }

    #[test]
    fn a_failed_rename_leaves_the_old_target_and_no_temporary() {
        // A target that cannot be replaced (a non-empty folder): the rename fails after the
        // temporary file was written.
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path();
        let target = dir.join("out.json");
        std::fs::create_dir_all(&target).expect("target folder");
        std::fs::write(target.join("kept.txt"), b"old").expect("old content");
        assert!(write_atomic(&target, b"new").is_err());
        assert_eq!(
            std::fs::read(target.join("kept.txt")).expect("kept"),
            b"old"
        );
        let names: Vec<_> = std::fs::read_dir(dir)
            .expect("dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(
            names,
            vec![std::ffi::OsString::from("out.json")],
            "no temporary left"
        );
    }

    #[test]
    fn a_failed_write_leaves_nothing() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let missing = tmp.path().join("no-such-dir/x/y.txt");
        assert!(write_atomic(&missing, b"x").is_err());
        assert!(!missing.exists());
    }
}
