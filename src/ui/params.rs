//! Hyper-parameter editing for any loss, miner or composer rule, driven by its serde form: every
//! number becomes a drag value and every flag a checkbox, so a new parameter needs no UI code.

use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

/// Tags that name a variant rather than a parameter.
const TAGS: [&str; 2] = ["name", "rule"];

fn edit_value(ui: &mut egui::Ui, key: &str, value: &mut Value) -> bool {
    match value {
        Value::Number(n) => {
            if let Some(mut u) = n.as_u64() {
                let label = ui.label(key);
                let changed = ui
                    .add(egui::DragValue::new(&mut u).range(0..=100_000))
                    .labelled_by(label.id)
                    .changed();
                if changed {
                    *value = Value::from(u);
                }
                changed
            } else if let Some(mut f) = n.as_f64() {
                let speed = (f.abs() * 0.01).max(0.001);
                let label = ui.label(key);
                let changed = ui
                    .add(egui::DragValue::new(&mut f).speed(speed).max_decimals(4))
                    .labelled_by(label.id)
                    .changed();
                if changed && let Some(num) = serde_json::Number::from_f64(f) {
                    *value = Value::Number(num);
                }
                changed
            } else {
                false
            }
        }
        Value::Bool(b) => ui.checkbox(b, key).changed(),
        Value::Object(map) => {
            let mut changed = false;
            for (k, v) in map.iter_mut() {
                if !TAGS.contains(&k.as_str()) {
                    changed |= edit_value(ui, k, v);
                }
            }
            changed
        }
        _ => false,
    }
}

/// Shows the parameters of `item`; returns the edited value when one changed and it is valid
/// for its type (`Err` carries the reason otherwise).
pub fn edit<T: Serialize + DeserializeOwned>(
    ui: &mut egui::Ui,
    item: &T,
) -> Option<Result<T, String>> {
    let mut value = serde_json::to_value(item).ok()?;
    let changed = ui
        .horizontal_wrapped(|ui| edit_value(ui, "", &mut value))
        .inner;
    changed.then(|| serde_json::from_value(value).map_err(|e| e.to_string()))
}
