//! Which peer binaries are installed, and what to do when one is missing.
//!
//! Rule: outside CI a missing peer skips the test with a message on stderr; under CI
//! (`CI` set to anything but empty, `0` or `false`) a missing peer fails the test, so a broken CI
//! image cannot turn the interop matrix into a silent pass.

use std::path::PathBuf;

/// True when the environment says we run under CI (`CI=true`, as GitHub Actions and most CI
/// systems set it).
pub fn under_ci() -> bool {
    match std::env::var("CI") {
        Ok(value) => {
            let value = value.trim().to_ascii_lowercase();
            !(value.is_empty() || value == "0" || value == "false")
        }
        Err(_) => false,
    }
}

/// Finds `program` on `PATH`, like `command -v`.
pub fn find_program(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// Checks that every program in `programs` is installed. Returns `true` if all are. If one is
/// missing: under CI this panics (the test fails); otherwise it prints why the test is skipped
/// and returns `false`, and the caller returns early.
///
/// ```no_run
/// if !interop::tools::require(&["openssl", "gnutls-cli"], "my_test") {
///     return;
/// }
/// ```
pub fn require(programs: &[&str], test: &str) -> bool {
    let missing: Vec<&str> = programs
        .iter()
        .copied()
        .filter(|program| find_program(program).is_none())
        .collect();
    if missing.is_empty() {
        return true;
    }
    let hint = if missing.iter().any(|p| p.starts_with("gnutls")) {
        " (install it: apt-get install -y gnutls-bin, or run ./scripts/test)"
    } else {
        ""
    };
    if under_ci() {
        panic!(
            "{test}: required peer program(s) not installed: {}{hint}; under CI a missing peer is a failure",
            missing.join(", ")
        );
    }
    eprintln!(
        "SKIPPED {test}: required peer program(s) not installed: {}{hint}",
        missing.join(", ")
    );
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_sh_and_not_nonsense() {
        assert!(find_program("sh").is_some());
        assert!(find_program("definitely-not-a-program-lucid-xyz").is_none());
    }

    #[test]
    fn missing_program_skips_outside_ci_and_fails_under_ci() {
        assert!(require(&["sh"], "present"));
        let outcome =
            std::panic::catch_unwind(|| require(&["definitely-not-a-program-lucid-xyz"], "t"));
        if under_ci() {
            assert!(outcome.is_err(), "under CI a missing peer must fail");
        } else {
            assert_eq!(outcome.ok(), Some(false), "outside CI a missing peer skips");
        }
    }
}
