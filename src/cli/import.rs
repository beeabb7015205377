//! `andon queue import --gh [--label L] [--dry-run]`: open issues into plan drafts, each line
//! saying what became of one issue and what the human does next.

use andon::engine::forge::{gh, import};
use andon_core::sanitize::one_line;

use super::repo::{self, bad_input, EXIT_OK};

pub fn run(repo: &repo::Repo, label: Option<&str>, dry_run: bool) -> i32 {
    let root = repo.git.repo_root();
    let issues = gh::ready(root).and_then(|()| gh::open_issues(root, label));
    let issues = match issues {
        Ok(i) => i,
        Err(e) => return bad_input(&e.to_input_error()),
    };
    if issues.len() >= gh::ISSUE_LIMIT {
        eprintln!(
            "andon: only the newest {} open issues were listed; import by --label to reach the others",
            gh::ISSUE_LIMIT
        );
    }
    if issues.is_empty() {
        match label {
            Some(l) => println!("no open issues labelled {l}"),
            None => println!("no open issues"),
        }
        return EXIT_OK;
    }
    let drafts = match import::import(root, issues, dry_run) {
        Ok(d) => d,
        Err(e) => return bad_input(&e),
    };
    let mut written = 0;
    for d in &drafts {
        let issue = format!("#{} {}", d.issue.number, one_line(&d.issue.title, 60));
        let path = d.path.display();
        match &d.outcome {
            import::Outcome::Written => {
                written += 1;
                println!("wrote {path}  ({issue})");
            }
            import::Outcome::WouldWrite => {
                written += 1;
                println!("would write {path}  ({issue}):\n");
                for line in d.text.lines() {
                    println!("    {line}");
                }
                println!();
            }
            import::Outcome::Imported(at) => {
                println!("skipped {issue}: imported already as {}", at.display());
            }
            import::Outcome::NameTaken => println!(
                "skipped {issue}: {path} exists and is not its draft (rename that file to import it)"
            ),
        }
    }
    let skipped = drafts.len() - written;
    if dry_run {
        println!("dry run: {written} drafts would be written, {skipped} skipped; nothing written");
    } else if written > 0 {
        println!(
            "{written} drafts written, {skipped} skipped. Each has no check yet: add a [[checks]] \
             table that fails now and passes once the issue is resolved, commit the plan, then \
             `andon queue add plans/<draft>.md`"
        );
    } else {
        println!("nothing written: all {skipped} open issues were skipped");
    }
    EXIT_OK
}
