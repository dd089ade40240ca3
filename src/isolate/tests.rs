//! How a helper's end is read. The helper itself runs in `tests/hostile_attachments.rs`,
//! where the real binary exists.

use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::time::Duration;

use rstest::rstest;

use super::outcome::read;
use super::*;

const LIMITS: Limits = Limits { memory: 512 * 1024 * 1024, time: Duration::from_secs(60) };

fn exited(code: i32) -> ExitStatus {
    ExitStatus::from_raw(code << 8)
}

fn signalled(signal: i32) -> ExitStatus {
    ExitStatus::from_raw(signal)
}

fn unreadable(why: &str) -> Result<Vec<String>, Failure> {
    Err(Failure::Unreadable(why.to_owned()))
}

#[rstest]
#[case::lines(exited(0), r#"{"lines":["第一条","第二条"]}"#, "", Ok(vec!["第一条".to_owned(), "第二条".to_owned()]))]
#[case::unreadable_answer(
    exited(0),
    r#"{"unreadable":"PDF has no text layer"}"#,
    "",
    unreadable("PDF has no text layer")
)]
#[case::allocation_failure(
    signalled(6),
    "",
    "memory allocation of 267170304 bytes failed\n",
    unreadable("text extraction needed more than 512 MiB")
)]
#[case::cpu_limit(signalled(24), "", "", unreadable("text extraction took longer than 1m"))]
#[case::stack_overflow(
    signalled(11),
    "",
    "\nthread 'main' has overflowed its stack\nfatal runtime error: stack overflow\n",
    unreadable("the parser overflowed its stack on this file")
)]
#[case::other_signal(signalled(11), "", "", unreadable("the parser crashed on this file (signal 11)"))]
#[case::panic_exit(
    exited(101),
    "",
    "thread 'main' panicked at x\nboom\n",
    unreadable("text extraction failed (exit 101): boom")
)]
#[case::no_limits(
    exited(3),
    "",
    "could not set resource limits: Operation not permitted (os error 1)\n",
    Err(Failure::NotRun("the helper could not limit itself: could not set resource limits: Operation not permitted (os error 1)".into()))
)]
#[case::killed_by_someone_else(
    signalled(9),
    "",
    "",
    Err(Failure::NotRun("the helper was killed (signal 9); the machine may be short of memory".into()))
)]
fn a_helpers_end_is_read_into_a_reason(
    #[case] status: ExitStatus,
    #[case] out: &str,
    #[case] err: &str,
    #[case] expected: Result<Vec<String>, Failure>,
) {
    assert_eq!(read(&LIMITS, status, out.as_bytes(), err), expected);
}

#[test]
fn a_garbled_answer_is_no_reason_to_blame_the_file() {
    let got = read(&LIMITS, exited(0), b"{\"lines\": [", "");
    assert!(matches!(got, Err(Failure::NotRun(_))), "{got:?}");
}

#[rstest]
#[case(512 * 1024 * 1024, "512 MiB")]
#[case(1 << 30, "1 GiB")]
#[case(1536 * 1024, "1536 KiB")]
#[case(1000, "1000 bytes")]
fn sizes_read_as_configured(#[case] bytes: u64, #[case] expected: &str) {
    assert_eq!(size(bytes), expected);
}

#[test]
fn cpu_seconds_round_up() {
    let limits = |ms| Limits { memory: 1, time: Duration::from_millis(ms) };
    assert_eq!(limits(60_000).cpu_seconds(), 60);
    assert_eq!(limits(1_500).cpu_seconds(), 2);
    assert_eq!(limits(10).cpu_seconds(), 1);
}

#[tokio::test]
async fn a_helper_that_cannot_start_is_not_the_files_fault() {
    let extractor = Extractor::new(PathBuf::from("/nonexistent/regwatch"), LIMITS);
    let got = extractor.extract_text(AttachmentFormat::Pdf, Bytes::from_static(b"%PDF-1.4")).await;
    assert!(matches!(&got, Err(Failure::NotRun(why)) if why.contains("/nonexistent/regwatch")), "{got:?}");
}
