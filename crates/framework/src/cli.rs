//! The command line every Stheno binary gets.

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(about = "A Stheno commerce server", long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand, PartialEq, Eq)]
pub enum Command {
    /// Run pending migrations, then serve HTTP (the default).
    Serve,
    /// Create the database if missing and apply pending migrations.
    Migrate,
    /// Migrate, then load the application's demo data.
    Seed,
}

impl Cli {
    /// The command to run; `serve` when none is given.
    pub fn command(&self) -> &Command {
        self.command.as_ref().unwrap_or(&Command::Serve)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serve_is_the_default() {
        let cli = Cli::try_parse_from(["stheno"]).unwrap();
        assert_eq!(cli.command(), &Command::Serve);
        let cli = Cli::try_parse_from(["stheno", "seed"]).unwrap();
        assert_eq!(cli.command(), &Command::Seed);
        assert!(Cli::try_parse_from(["stheno", "bogus"]).is_err());
    }
}
