//! `--audit-log FILE`: one JSON line per decision, with the time added here (the core has no
//! clock). `binauthz replay --log` reads these lines back.

use std::fs::OpenOptions;
use std::io::Write as _;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use binauthz_core::{Decision, Timestamp};
use serde_json::{Value, json};

use crate::input::CliError;

/// Appends the decision's audit record, with `time`, as one line to `path`.
pub fn append(path: &Path, decision: &Decision) -> Result<(), CliError> {
    let name = path.display().to_string();
    let mut record = serde_json::to_value(&decision.audit).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut record {
        map.insert("time".into(), json!(rfc3339_now()));
    }
    let mut line = record.to_string();
    line.push('\n');
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| CliError::new(&name, format!("cannot open for appending: {e}")))?;
    file.write_all(line.as_bytes())
        .map_err(|e| CliError::write(&name, &e))
}

/// The current UTC time as RFC 3339 with seconds, e.g. `2026-11-26T17:05:00Z`, written by the
/// core's `Timestamp`, as every time binauthz prints.
fn rfc3339_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    rfc3339(secs)
}

fn rfc3339(secs: u64) -> String {
    Timestamp::from_unix_seconds(i64::try_from(secs).unwrap_or(i64::MAX)).to_string()
}

#[cfg(test)]
mod tests {
    use super::rfc3339;

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_712_700), "2026-11-26T17:05:00Z");
    }
}
