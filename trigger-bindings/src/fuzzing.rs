//! Entry points for the fuzz targets, built only under `cfg(fuzzing)` (cargo-fuzz sets it):
//! they reach internals the public API does not expose, so the targets can compare them
//! with reference implementations.

use crate::event::Headers;
use crate::interceptors::{EventView, cel};
use crate::json::{self, Doc};
use serde_json::Value;

/// A body decoded through the validating scanner and its index (numbers as float64).
pub fn decode_body(bytes: &[u8], max_depth: usize) -> Result<Value, String> {
    let doc =
        json::parse(bytes, max_depth).map_err(|e| format!("{} at byte {}", e.message, e.offset))?;
    Ok(doc.to_value(Doc::ROOT))
}

/// A CEL filter's verdict from the fast path (when it decides) and from the full evaluator.
pub fn cel_verdicts(
    expr: &str,
    headers: &Headers,
    body: &[u8],
) -> Option<(bool, Result<bool, String>)> {
    let view = EventView::new(headers, body, "", 128);
    cel::verdicts(expr, &view)
}
