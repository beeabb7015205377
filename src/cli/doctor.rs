//! `andon doctor [--json]`: what is installed and supported — agent CLIs and their versions,
//! git and libgit2, this repository and its config, the terminal — one line per finding, and
//! for each problem the fix. Exit 1 when something andon needs is missing.

use std::io::IsTerminal;

use clap::Args;

use andon::engine::queries::doctor::{self, Finding, Level};

use super::output::use_color;
use super::repo;

#[derive(Args, Debug)]
pub struct DoctorArgs {
    /// Print one JSON array of findings.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: DoctorArgs) -> i32 {
    let mut findings = vec![Finding {
        level: Level::Ok,
        subject: "andon".into(),
        detail: env!("CARGO_PKG_VERSION").into(),
        fix: None,
    }];
    match repo::open() {
        Ok(r) => {
            findings.push(Finding {
                level: Level::Ok,
                subject: "repository".into(),
                detail: r.git.repo_root().display().to_string(),
                fix: None,
            });
            match repo::config(&r) {
                Ok(config) => {
                    findings.push(Finding {
                        level: Level::Ok,
                        subject: "config".into(),
                        detail: format!(
                            "{} agent profiles, default `{}`",
                            config.agents.len(),
                            config.default_agent
                        ),
                        fix: None,
                    });
                    findings.extend(doctor::agents(&config, r.git.repo_root()));
                    let landlock = |s: &Option<andon_core::sandbox::SandboxSetting>| {
                        s.as_ref()
                            .is_some_and(|s| s.mode == andon_core::sandbox::SandboxMode::Landlock)
                    };
                    let required = landlock(&config.sandbox.mode)
                        || config.agents.values().any(|p| landlock(&p.sandbox));
                    let chosen_off = config
                        .sandbox
                        .mode
                        .as_ref()
                        .is_some_and(|s| s.mode == andon_core::sandbox::SandboxMode::Off);
                    findings.push(doctor::landlock(required, chosen_off));
                    findings.push(doctor::namespaces());
                }
                Err(e) => findings.push(Finding {
                    level: Level::Problem,
                    subject: "config".into(),
                    detail: e.to_string(),
                    fix: None,
                }),
            }
        }
        Err(e) => {
            findings.push(Finding {
                level: Level::Note,
                subject: "repository".into(),
                detail: e.to_string(),
                fix: None,
            });
            findings.push(doctor::landlock(false, false));
            findings.push(doctor::namespaces());
        }
    }
    findings.extend(doctor::git());
    let env = |k: &str| std::env::var(k).ok();
    let tty = std::io::stdout().is_terminal();
    let size = if tty {
        crossterm::terminal::size().ok()
    } else {
        None
    };
    findings.extend(doctor::terminal(&env, tty, size));
    let failed = findings.iter().any(|f| f.level == Level::Problem);
    if args.json {
        match serde_json::to_string_pretty(&findings) {
            Ok(text) => println!("{text}"),
            Err(e) => super::output::error(&e),
        }
    } else {
        let color = use_color();
        for f in &findings {
            let (mark, code) = match f.level {
                Level::Ok => ("✓", "32"),
                Level::Note => ("·", "33"),
                Level::Problem => ("✗", "31"),
            };
            let mark = if color {
                format!("\x1b[{code}m{mark}\x1b[0m")
            } else {
                mark.to_string()
            };
            println!("{mark} {:<16} {}", f.subject, f.detail);
            if let Some(fix) = &f.fix {
                println!("  {:<16} fix: {fix}", "");
            }
        }
    }
    i32::from(failed)
}
