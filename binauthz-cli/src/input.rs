//! Reading input files with a size bound, and errors that name the file.

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use binauthz_core::InputError;

/// A problem with one input: which file (or flag), and what is wrong.
#[derive(Debug)]
pub struct CliError {
    source: String,
    message: String,
}

impl CliError {
    /// An error about `source` (a file name or a flag).
    pub fn new(source: impl Into<String>, message: impl fmt::Display) -> Self {
        CliError {
            source: source.into(),
            message: message.to_string(),
        }
    }

    /// An input error found in the document read from `source`.
    pub fn input(source: &str, e: &InputError) -> Self {
        Self::new(source, e)
    }

    /// An I/O error while writing `target`.
    pub fn write(target: &str, e: &std::io::Error) -> Self {
        Self::new(target, format!("cannot write: {e}"))
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.source, self.message)
    }
}

impl std::error::Error for CliError {}

/// Reads a whole file (`-` is standard input) as UTF-8, refusing input larger than `limit`
/// bytes without reading it entirely.
pub fn read_text(path: &Path, limit: usize) -> Result<String, CliError> {
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let mut bytes = Vec::new();
    let name = if path == Path::new("-") {
        let name = "standard input".to_owned();
        std::io::stdin()
            .lock()
            .take(cap)
            .read_to_end(&mut bytes)
            .map_err(|e| CliError::new(&name, format!("cannot read: {e}")))?;
        name
    } else {
        let name = path.display().to_string();
        let file =
            File::open(path).map_err(|e| CliError::new(&name, format!("cannot open: {e}")))?;
        file.take(cap)
            .read_to_end(&mut bytes)
            .map_err(|e| CliError::new(&name, format!("cannot read: {e}")))?;
        name
    };
    if bytes.len() > limit {
        return Err(CliError::new(
            &name,
            format!("file is larger than the limit of {limit} bytes"),
        ));
    }
    String::from_utf8(bytes)
        .map_err(|e| CliError::new(&name, format!("file is not UTF-8 text: {e}")))
}
