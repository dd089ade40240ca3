//! The regwatch binary: parse the command line, set up logging, dispatch.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = regwatch::cli::Cli::parse();
    // The demo prints its own story; its per-source log lines would only bury it.
    let quiet = matches!(cli.command, regwatch::cli::Command::Demo(_));
    regwatch::telemetry::init(cli.log_format, cli.verbose, quiet);
    match regwatch::cli::dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            // Errors may quote scraped text or URLs: escaped, credentials masked, line breaks kept.
            let text = format!("{e:#}");
            let text = regwatch::redact::text(&text);
            eprintln!("error: {}", regwatch::escape::controls_except(&text, &['\n']));
            ExitCode::FAILURE
        }
    }
}
