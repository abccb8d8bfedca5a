//! Text rendering of a decision: one line per image, for people.

use std::fmt::Write as _;
use std::io::IsTerminal as _;
use std::sync::OnceLock;

use binauthz_core::DecisionStage;
use binauthz_core::untrusted::escape;
use binauthz_core::{Decision, ImageDecision, ReasonKind, Verdict};

/// Renders the decision: one line per image with its reason, then notes and a summary line.
pub fn text(decision: &Decision) -> String {
    let mut out = String::new();
    for image in &decision.images {
        let verdict = paint(image.verdict, &format!("{:<17}", label(image.verdict)));
        // Everything from the input is escaped: a name holding a line break or a terminal
        // escape must not print a line of its own (a forged `ALLOWED`).
        let _ = writeln!(
            out,
            "{verdict} {}  {}",
            escape(&image.image),
            escape(&why(image))
        );
    }
    for note in &decision.notes {
        let _ = writeln!(out, "note: {}", escape(note));
    }
    let verdict = if decision.allowed {
        "allowed"
    } else {
        "blocked"
    };
    let _ = writeln!(out, "{verdict}: {}", escape(&first_line(&decision.message)));
    out
}

/// Colour only on a terminal, and never when `NO_COLOR` is set (no-color.org).
fn colour_enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| {
        std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
    })
}

fn paint(v: Verdict, text: &str) -> String {
    if !colour_enabled() {
        return text.to_owned();
    }
    let code = match v {
        Verdict::Allowed => "32",
        Verdict::Denied => "1;31",
        Verdict::DryRunViolation | Verdict::Breakglass => "33",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

fn label(v: Verdict) -> &'static str {
    match v {
        Verdict::Allowed => "ALLOWED",
        Verdict::Denied => "DENIED",
        Verdict::DryRunViolation => "DRY_RUN_VIOLATION",
        Verdict::Breakglass => "BREAKGLASS",
    }
}

fn first_line(s: &str) -> String {
    let n = s.lines().count();
    match s.lines().next() {
        Some(first) if n > 1 => format!("{first} (and {} more)", n - 1),
        Some(first) => first.to_owned(),
        None => String::new(),
    }
}

/// The reasons that matter for this image, in one line.
fn why(image: &ImageDecision) -> String {
    let rule = image
        .rule
        .as_ref()
        .map(|r| r.phrase())
        .unwrap_or_else(|| match image.stage {
            DecisionStage::SystemImage => "system images".to_owned(),
            DecisionStage::NotEnabled => "not enabled".to_owned(),
            _ => "allowlist".to_owned(),
        });
    let wanted = |k: ReasonKind| match image.verdict {
        Verdict::Allowed => k != ReasonKind::Breakglass,
        _ => k != ReasonKind::Attested,
    };
    let reasons: Vec<&str> = image
        .reasons
        .iter()
        .filter(|r| wanted(r.kind))
        .map(|r| r.message.as_str())
        .collect();
    let prefix = if image.stage == DecisionStage::Breakglass {
        "breakglass; "
    } else {
        ""
    };
    format!("[{prefix}{rule}] {}", reasons.join("; "))
}
