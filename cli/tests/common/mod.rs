//! Helpers shared by the CLI end-to-end tests: reading a finished `herald` run and rendering
//! it as the transcript that snapshots record.

use std::process::Output;

/// The exit code (herald never dies by a signal in these tests).
pub fn exit_code(output: &Output) -> i32 {
    output
        .status
        .code()
        .expect("herald exited normally, not by a signal")
}

/// What herald printed on stdout.
pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

/// What herald printed on stderr.
pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

/// `herald` and its arguments, as typed.
pub fn command_line(args: &[&str]) -> String {
    std::iter::once("herald")
        .chain(args.iter().copied())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The snapshot of one run: the command, its exit code, stdout and stderr.
pub fn transcript(args: &[&str], output: &Output) -> String {
    format!(
        "$ {}\nexit code: {}\n----- stdout -----\n{}----- stderr -----\n{}",
        command_line(args),
        exit_code(output),
        stdout(output),
        stderr(output)
    )
}
