//! The loss editor: preset, composed mining × weighting, miner, and their parameters.

use crate::app::AppCommand;
use crate::losses::{Loss, LossSpec, Miner, MiningRule, WeightingRule};
use crate::ui::params;

/// The loss editor; a changed specification goes out as one `SetLoss`.
pub(super) fn loss_editor(ui: &mut egui::Ui, spec: &LossSpec, commands: &mut Vec<AppCommand>) {
    // Each widget below that changed something overwrites `next`: the last one wins.
    let mut next: Option<LossSpec> = None;
    preset_choice(ui, spec, &mut next);
    match &spec.loss {
        Loss::Composed { mining, weighting } => composed_editor(ui, mining, weighting, &mut next),
        loss => loss_and_miner_editor(ui, spec, loss, &mut next),
    }
    ui.add_space(4.0);
    ui.label(egui::RichText::new(format!("In use: {}", spec.describe())).italics());
    if !spec.loss.weights_are_gradient() {
        ui.small("These weights are the loss's weighting rule (PML detaches its α factors), not the derivative of the value shown.");
    }
    if let Some(spec) = next {
        commands.push(AppCommand::SetLoss(spec));
    }
}

/// The loss combo box: a preset (keeping the miner) or a composed loss.
fn preset_choice(ui: &mut egui::Ui, spec: &LossSpec, next: &mut Option<LossSpec>) {
    let composed = matches!(spec.loss, Loss::Composed { .. });
    egui::ComboBox::from_label("loss")
        .selected_text(spec.loss.name())
        .show_ui(ui, |ui| {
            for preset in Loss::presets() {
                let selected = preset.name() == spec.loss.name();
                if ui.selectable_label(selected, preset.name()).clicked() && !selected {
                    *next = Some(LossSpec {
                        loss: preset,
                        miner: spec.miner.clone(),
                    });
                }
            }
            if ui
                .selectable_label(composed, "composed (mining × weighting)")
                .clicked()
                && !composed
            {
                *next = Some(LossSpec::new(Loss::Composed {
                    mining: MiningRule::default(),
                    weighting: WeightingRule::default(),
                }));
            }
        });
}

/// A composed loss: the mining rule and the weighting rule, each with its parameters.
fn composed_editor(
    ui: &mut egui::Ui,
    mining: &MiningRule,
    weighting: &WeightingRule,
    next: &mut Option<LossSpec>,
) {
    egui::ComboBox::from_label("mining rule")
        .selected_text(rule_name(mining))
        .show_ui(ui, |ui| {
            for rule in MiningRule::presets() {
                let name = rule_name(&rule);
                if ui
                    .selectable_label(name == rule_name(mining), name)
                    .clicked()
                {
                    *next = Some(LossSpec::new(Loss::Composed {
                        mining: rule,
                        weighting: weighting.clone(),
                    }));
                }
            }
        });
    if let Some(r) = params::edit(ui, mining) {
        *next = apply_edit(r, |m| {
            LossSpec::new(Loss::Composed {
                mining: m,
                weighting: weighting.clone(),
            })
        });
    }
    egui::ComboBox::from_label("weighting rule")
        .selected_text(rule_name(weighting))
        .show_ui(ui, |ui| {
            for rule in WeightingRule::presets() {
                let name = rule_name(&rule);
                if ui
                    .selectable_label(name == rule_name(weighting), name)
                    .clicked()
                {
                    *next = Some(LossSpec::new(Loss::Composed {
                        mining: mining.clone(),
                        weighting: rule,
                    }));
                }
            }
        });
    if let Some(r) = params::edit(ui, weighting) {
        *next = apply_edit(r, |w| {
            LossSpec::new(Loss::Composed {
                mining: mining.clone(),
                weighting: w,
            })
        });
    }
}

/// A closed-form loss: its parameters, the miner in front of it and the miner's parameters.
fn loss_and_miner_editor(
    ui: &mut egui::Ui,
    spec: &LossSpec,
    loss: &Loss,
    next: &mut Option<LossSpec>,
) {
    if let Some(r) = params::edit(ui, loss) {
        *next = apply_edit(r, |l| LossSpec {
            loss: l,
            miner: spec.miner.clone(),
        });
    }
    let miner_name = spec.miner.as_ref().map_or("none (all pairs)", Miner::name);
    egui::ComboBox::from_label("miner")
        .selected_text(miner_name)
        .show_ui(ui, |ui| {
            if ui
                .selectable_label(spec.miner.is_none(), "none (all pairs)")
                .clicked()
            {
                *next = Some(LossSpec::new(loss.clone()));
            }
            for miner in Miner::presets() {
                let selected = miner.name() == miner_name;
                if ui.selectable_label(selected, miner.name()).clicked() && !selected {
                    *next = Some(LossSpec::with_miner(loss.clone(), miner));
                }
            }
        });
    if let Some(miner) = &spec.miner
        && let Some(r) = params::edit(ui, miner)
    {
        *next = apply_edit(r, |m| LossSpec::with_miner(loss.clone(), m));
    }
}

fn rule_name<T: serde::Serialize>(rule: &T) -> String {
    serde_json::to_value(rule)
        .ok()
        .and_then(|v| v.get("rule").and_then(|r| r.as_str()).map(str::to_owned))
        .unwrap_or_default()
}

/// An edited parameter set, or `None` (logged) when serde rejects it.
fn apply_edit<T>(
    result: Result<T, params::EditError>,
    build: impl FnOnce(T) -> LossSpec,
) -> Option<LossSpec> {
    result
        .map(build)
        .map_err(|e| log::warn!("parameter edit rejected: {e}"))
        .ok()
}
