//! Control characters in the names andon prints — the file names an agent creates — never
//! reach the terminal from the headless run, `andon status` or `andon log`: they are
//! shown as plain text.

use crate::common;

use std::time::Duration;

use common::*;

const LIMIT: Duration = Duration::from_secs(60);

fn assert_clean(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    assert!(
        !bytes.iter().any(|b| matches!(b, 0x1b | 0x07 | 0x00)) && !text.contains('\u{9b}'),
        "{what} carries control bytes: {text:?}"
    );
}

#[test]
fn hostile_file_names_are_printed_as_plain_text() {
    let repo = TestRepo::new();
    repo.write("fixes/price.sh", FIXED_PRICE);
    repo.agent(
        "hostile",
        "printf 'x\\n' > \"$(printf 'src/evil\\033]0;pwned\\007.sh')\"\nprintf 'y\\n' > \"$(printf 'notes\\033[2J\\033]52;c;cHduZWQ=\\007.txt')\"\ncp fixes/price.sh src/price.sh",
    );
    // (A plan's own title cannot carry control characters: the plan is refused, file and
    // line named — see bad_input.rs.)
    let plan = repo.plan("hostile", "hostile", "");
    repo.commit("plan");
    let out = repo.andon(&["run", "--headless", &plan], LIMIT);
    expect_exit(&out, 0);
    assert_clean("run stdout", &out.stdout);
    assert_clean("run stderr", &out.stderr);
    // The out-of-scope file was restored, and said so in plain words.
    let printed = stdout(&out);
    assert!(
        printed.contains("restored 1 file outside scope: notes"),
        "{printed}"
    );
    for args in [&["status"][..], &["status", "--json"], &["log", "hostile"]] {
        let out = repo.andon(args, LIMIT);
        expect_exit(&out, 0);
        assert_clean(&format!("andon {args:?}"), &out.stdout);
    }
    // The agent's file is in the snapshot under its real name.
    let files = git(
        &repo.root,
        &["ls-tree", "-r", "--name-only", "-z", "loop/hostile"],
    );
    assert!(
        files.contains("src/evil\u{1b}]0;pwned\u{7}.sh"),
        "{files:?}"
    );
}
