//! The badge a board shows beside a loop's lamp (REPEATING, META-ANDON, STOPPED, AWAITING
//! APPROVAL, WAITING, NEEDS HUMAN), with the lamp color it borrows.

use serde::{Deserialize, Serialize};

use crate::state::Lamp;

/// The board's badges (DESIGN §1 lamp + issue 3's title line).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Badge {
    Repeating,
    MetaAndon,
    Stopped,
    AwaitingApproval,
    /// A rate or usage limit: the loop waits to retry.
    Waiting,
    /// The agent asks a human (a permission prompt on its screen): attach and answer.
    NeedsHuman,
    /// The environment failed twice: a human resumes with a hypothesis.
    Hypothesis,
    /// A followed PR: andon waits on its CI and reviewers.
    PrOpen,
    /// The fix for a followed PR is green: a human confirms the push.
    Push,
    /// The followed PR is green and approved: a human merges it.
    Mergeable,
}

impl Badge {
    pub fn label(self) -> &'static str {
        match self {
            Badge::Repeating => "REPEATING",
            Badge::MetaAndon => "META-ANDON",
            Badge::Stopped => "STOPPED",
            Badge::AwaitingApproval => "AWAITING APPROVAL",
            Badge::Waiting => "WAITING",
            Badge::NeedsHuman => "NEEDS HUMAN",
            Badge::Hypothesis => "HYPOTHESIS?",
            Badge::PrOpen => "PR OPEN",
            Badge::Push => "PUSH?",
            Badge::Mergeable => "MERGEABLE",
        }
    }

    /// The label for a narrow pane, used before the badge would be left out.
    pub fn short_label(self) -> &'static str {
        match self {
            Badge::Repeating => "REPEAT",
            Badge::MetaAndon => "META",
            Badge::Stopped => "STOP",
            Badge::AwaitingApproval => "APPROVE?",
            Badge::Waiting => "WAIT",
            Badge::NeedsHuman => "HUMAN?",
            Badge::Hypothesis => "WHY?",
            Badge::PrOpen => "PR",
            Badge::Push => "PUSH?",
            Badge::Mergeable => "MERGE?",
        }
    }

    /// The lamp whose color the badge borrows, so a badge always agrees with the lamp legend.
    pub fn lamp(self) -> Lamp {
        match self {
            Badge::Repeating => Lamp::Yellow,
            Badge::MetaAndon => Lamp::Magenta,
            Badge::Stopped => Lamp::Red,
            Badge::AwaitingApproval => Lamp::Blue,
            Badge::Waiting => Lamp::Yellow,
            Badge::NeedsHuman => Lamp::Yellow,
            Badge::Hypothesis => Lamp::Red,
            Badge::PrOpen | Badge::Push | Badge::Mergeable => Lamp::Blue,
        }
    }
}
