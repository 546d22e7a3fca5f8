//! Hyper-parameter editing for any loss, miner or composer rule, driven by its serde form: every
//! number becomes a drag value and every flag a checkbox, so a new parameter needs no UI code.
//!
//! The drag values are bounded by the loss engine's limit table ([`losses::limit`]), the same
//! table its validators use, so dragging or typing cannot produce a value the engine refuses
//! (constraints between two fields, e.g. `nonzero_loss_cutoff > cutoff`, are left to the
//! validator). A value that is already out of range is shown as it is, not silently clamped.

use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;
use thiserror::Error;

use crate::losses::{self, ANY_OWNER, Limit};

/// Tags that name a variant rather than a parameter; their value is the owner of the fields in
/// the limit table.
const TAGS: [&str; 2] = ["name", "rule"];

/// An edit that does not make a value of the edited type.
#[derive(Debug, Error)]
#[error(transparent)]
pub struct EditError(#[from] serde_json::Error);

/// Bounds of an integer field without an entry in the limit table.
const UNLIMITED_COUNT: Limit = Limit::AtLeast(0);
/// Bounds of a real field without an entry in the limit table.
const UNLIMITED_REAL: Limit = Limit::Finite;

fn edit_number(ui: &mut egui::Ui, owner: &str, key: &str, value: &mut Value) -> bool {
    let Value::Number(n) = value else {
        return false;
    };
    let limit = losses::limit(owner, key);
    if let Some(mut u) = n.as_u64() {
        let label = ui.label(key);
        let drag = egui::DragValue::new(&mut u)
            .range(limit.unwrap_or(UNLIMITED_COUNT).count_range())
            .clamp_existing_to_range(false);
        let changed = ui.add(drag).labelled_by(label.id).changed();
        if changed {
            *value = Value::from(u);
        }
        changed
    } else if let Some(mut f) = n.as_f64() {
        let speed = (f.abs() * 0.01).max(0.001);
        let label = ui.label(key);
        let drag = egui::DragValue::new(&mut f)
            .speed(speed)
            .max_decimals(4)
            .range(limit.unwrap_or(UNLIMITED_REAL).float_range())
            .clamp_existing_to_range(false);
        let changed = ui.add(drag).labelled_by(label.id).changed();
        if changed && let Some(num) = serde_json::Number::from_f64(f) {
            *value = Value::Number(num);
        }
        changed
    } else {
        false
    }
}

fn edit_value(ui: &mut egui::Ui, owner: &str, key: &str, value: &mut Value) -> bool {
    match value {
        Value::Number(_) => edit_number(ui, owner, key, value),
        Value::Bool(b) => ui.checkbox(b, key).changed(),
        Value::Object(map) => {
            // A tagged object owns its fields; an untagged one inherits its parent's owner.
            let owner = TAGS
                .iter()
                .find_map(|t| map.get(*t).and_then(Value::as_str))
                .unwrap_or(owner)
                .to_owned();
            let mut changed = false;
            for (k, v) in map.iter_mut() {
                if !TAGS.contains(&k.as_str()) {
                    changed |= edit_value(ui, &owner, k, v);
                }
            }
            changed
        }
        _ => false,
    }
}

/// Shows the parameters of `item`; returns the edited value when one changed (`Err` when the
/// edit does not make a value of `T`).
pub fn edit<T: Serialize + DeserializeOwned>(
    ui: &mut egui::Ui,
    item: &T,
) -> Option<Result<T, EditError>> {
    let mut value = serde_json::to_value(item).ok()?;
    let changed = ui
        .horizontal_wrapped(|ui| edit_value(ui, ANY_OWNER, "", &mut value))
        .inner;
    changed.then(|| serde_json::from_value(value).map_err(EditError::from))
}
