//! Small widgets the settings panels share.

/// A label and a drag value with a range, the label naming the value for accessibility (tests
/// find the field by it). Returns whether the value changed.
pub(super) fn labelled_drag<N: egui::emath::Numeric>(
    ui: &mut egui::Ui,
    label: &str,
    value: &mut N,
    range: std::ops::RangeInclusive<N>,
) -> bool {
    ui.horizontal(|ui| {
        let l = ui.label(label);
        ui.add(egui::DragValue::new(value).range(range))
            .labelled_by(l.id)
            .changed()
    })
    .inner
}
