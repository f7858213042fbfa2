//! The command line every Stheno binary gets: `serve` (default), `migrate`,
//! `seed`, `user create --email --password`.

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
    /// Manage admin users.
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(Debug, Subcommand, PartialEq, Eq)]
pub enum UserCommand {
    /// Create an admin user who logs in with email and password
    /// (`POST /auth/user/emailpass`).
    Create {
        #[arg(long)]
        email: String,
        /// The password (or set STHENO_USER_PASSWORD, which keeps it out of
        /// the process list).
        #[arg(long, env = "STHENO_USER_PASSWORD", hide_env_values = true)]
        password: String,
    },
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
        let cli = Cli::try_parse_from([
            "stheno",
            "user",
            "create",
            "--email",
            "a@b.c",
            "--password",
            "x",
        ])
        .unwrap();
        assert_eq!(
            cli.command(),
            &Command::User(UserCommand::Create {
                email: "a@b.c".into(),
                password: "x".into()
            })
        );
    }
}
