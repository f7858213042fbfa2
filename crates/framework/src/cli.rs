//! The command line every Stheno binary gets: `serve` (default), `migrate`,
//! `seed`, `user create --email --password`, `db generate <module>`.

use std::path::PathBuf;

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
    /// Database tools.
    #[command(subcommand)]
    Db(DbCommand),
}

#[derive(Debug, Subcommand, PartialEq, Eq)]
pub enum DbCommand {
    /// Migrate, then write the SQL migration that adds what a module's
    /// entities declare and the database lacks (tables, columns, indexes,
    /// unique constraints) to `migrations/<module>/`.
    Generate {
        /// The module key (`brand`).
        module: String,
        /// The directory holding `migrations/` (default: the current one).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
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
        let cli = Cli::try_parse_from(["stheno", "db", "generate", "brand"]).unwrap();
        assert_eq!(
            cli.command(),
            &Command::Db(DbCommand::Generate {
                module: "brand".into(),
                dir: None
            })
        );
        let cli =
            Cli::try_parse_from(["stheno", "db", "generate", "brand", "--dir", "crates/brand"])
                .unwrap();
        assert_eq!(
            cli.command(),
            &Command::Db(DbCommand::Generate {
                module: "brand".into(),
                dir: Some("crates/brand".into())
            })
        );
        assert!(Cli::try_parse_from(["stheno", "db", "generate"]).is_err());
    }
}
