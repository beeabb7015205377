//! `andon status`: the table a human reads lines up, column under heading.

use crate::common;

use std::time::Duration;

use common::*;

#[test]
fn the_status_table_lines_up_under_its_headings() {
    let repo = TestRepo::new();
    repo.agent(
        "fixer",
        &format!("cat > src/price.sh <<'EOF'\n{FIXED_PRICE}EOF"),
    );
    let plan = repo.plan("fix-price", "fixer", "");
    repo.commit("plan");
    expect_exit(
        &repo.andon(&["run", "--headless", &plan], Duration::from_secs(60)),
        0,
    );
    let out = repo.andon(&["status"], Duration::from_secs(30));
    expect_exit(&out, 0);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    let head = lines
        .iter()
        .find(|l| l.starts_with("lamp"))
        .unwrap_or_else(|| panic!("no heading in\n{text}"));
    let row = lines
        .iter()
        .find(|l| l.contains("fix-price"))
        .unwrap_or_else(|| panic!("no row in\n{text}"));
    for (heading, value) in [("loop", "fix-price"), ("state", "awaiting approval")] {
        assert_eq!(
            head.find(heading),
            row.find(value),
            "{value} is not under {heading}:\n{text}"
        );
    }
    assert!(
        !text.contains("awaiting_approval"),
        "states in words:\n{text}"
    );
}
