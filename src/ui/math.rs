//! The loss formulas typeset: fractions stacked, sums with their sets below them, scripts raised
//! and lowered, brackets as tall as what they hold. The formulas are the text of
//! `losses::explain::formula` (one source for the window, the figures and the README, held to
//! the engine by tests); this file reads that text's notation and lays it out:
//!
//! - `X_i`, `X_(…)`: a subscript (`X^…` a superscript), on the atom before it;
//! - `(A/B)`: a group with one `/` at its top level is the fraction A over B;
//! - `Σ_(…)`: a sum with its set below it;
//! - `[…]+`: a bracket with its `+` as a subscript (the hinge `max(0, ·)`).

use std::sync::Arc;

use egui::{Color32, FontId, Galley, Stroke, Vec2, pos2, vec2};

/// One piece of a formula.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Text(String),
    /// An atom with scripts.
    Scripted {
        base: Box<Node>,
        sub: Option<Vec<Node>>,
        sup: Option<Vec<Node>>,
    },
    Frac(Vec<Node>, Vec<Node>),
    /// `Σ` (limits go below it).
    Sum,
    Group {
        open: char,
        close: char,
        body: Vec<Node>,
    },
}

/// Parses the formula notation into nodes.
fn parse(text: &str) -> Vec<Node> {
    let chars: Vec<char> = text.chars().collect();
    let mut pos = 0;
    parse_until(&chars, &mut pos, None)
}

fn parse_until(chars: &[char], pos: &mut usize, close: Option<char>) -> Vec<Node> {
    let mut nodes: Vec<Node> = Vec::new();
    while *pos < chars.len() {
        let c = chars[*pos];
        if Some(c) == close {
            *pos += 1;
            return nodes;
        }
        *pos += 1;
        match c {
            '_' | '^' if !nodes.is_empty() => {
                let script = script(chars, pos);
                let last = nodes.pop().expect("an atom before the script");
                nodes.push(attach(last, c == '_', script));
            }
            '(' | '[' => {
                let close = if c == '(' { ')' } else { ']' };
                let body = parse_until(chars, pos, Some(close));
                nodes.push(group(c, close, body));
                // `[…]+`: the hinge.
                if c == '[' && chars.get(*pos) == Some(&'+') {
                    *pos += 1;
                    let last = nodes.pop().expect("the bracket");
                    nodes.push(attach(last, true, vec![Node::Text("+".into())]));
                }
            }
            'Σ' => nodes.push(Node::Sum),
            _ => {
                // A symbol with its combining marks (P̂) followed by a script is an atom of its
                // own, so that the script attaches to the whole symbol; other text joins the run
                // before it.
                let mut atom = c.to_string();
                while let Some(&m) = chars.get(*pos)
                    && is_combining(m)
                {
                    atom.push(m);
                    *pos += 1;
                }
                let scripted_next = matches!(chars.get(*pos), Some('_' | '^'));
                match nodes.last_mut() {
                    Some(Node::Text(t)) if !scripted_next => t.push_str(&atom),
                    _ => nodes.push(Node::Text(atom)),
                }
            }
        }
    }
    nodes
}

fn is_combining(c: char) -> bool {
    ('\u{0300}'..='\u{036f}').contains(&c)
}

/// The script after `_` or `^`: a parenthesised group (without its parentheses) or a run of
/// letters and digits.
fn script(chars: &[char], pos: &mut usize) -> Vec<Node> {
    if chars.get(*pos) == Some(&'(') {
        *pos += 1;
        return parse_until(chars, pos, Some(')'));
    }
    let start = *pos;
    while chars
        .get(*pos)
        .is_some_and(|c| c.is_alphanumeric() || is_combining(*c))
    {
        *pos += 1;
    }
    vec![Node::Text(chars[start..*pos].iter().collect())]
}

fn attach(base: Node, lower: bool, script: Vec<Node>) -> Node {
    match base {
        Node::Scripted { base, sub, sup } => {
            let (sub, sup) = if lower {
                (Some(script), sup)
            } else {
                (sub, Some(script))
            };
            Node::Scripted { base, sub, sup }
        }
        base => Node::Scripted {
            base: Box::new(base),
            sub: lower.then(|| script.clone()),
            sup: (!lower).then_some(script),
        },
    }
}

/// `(A/B)` with one top-level `/` becomes a fraction; other groups stay groups.
fn group(open: char, close: char, body: Vec<Node>) -> Node {
    if open == '(' {
        let slashes: Vec<usize> = body
            .iter()
            .enumerate()
            .filter(|(_, n)| matches!(n, Node::Text(t) if t.contains('/')))
            .map(|(k, _)| k)
            .collect();
        if let [k] = slashes[..]
            && let Node::Text(t) = &body[k]
            && t.matches('/').count() == 1
        {
            let (l, r) = t.split_once('/').expect("one slash");
            let mut num = body[..k].to_vec();
            let mut den = Vec::new();
            if !l.is_empty() {
                num.push(Node::Text(l.into()));
            }
            if !r.is_empty() {
                den.push(Node::Text(r.into()));
            }
            den.extend_from_slice(&body[k + 1..]);
            if !num.is_empty() && !den.is_empty() {
                return Node::Frac(num, den);
            }
        }
    }
    Node::Group { open, close, body }
}

/// A laid-out piece: galleys and rules relative to its origin (left end of the baseline).
#[derive(Default)]
struct Boxed {
    width: f32,
    ascent: f32,
    descent: f32,
    glyphs: Vec<(Vec2, Arc<Galley>)>,
    /// Strokes (fraction bars, hats): from, to, relative to the baseline origin.
    rules: Vec<(Vec2, Vec2)>,
}

impl Boxed {
    /// Appends `other` at horizontal offset `dx` and baseline shift `dy` (down positive).
    fn place(&mut self, other: Self, dx: f32, dy: f32) {
        let at = vec2(dx, dy);
        self.ascent = self.ascent.max(other.ascent - dy);
        self.descent = self.descent.max(other.descent + dy);
        self.width = self.width.max(dx + other.width);
        self.glyphs
            .extend(other.glyphs.into_iter().map(|(p, g)| (p + at, g)));
        self.rules
            .extend(other.rules.into_iter().map(|(a, b)| (a + at, b + at)));
    }
}

/// Lays formulas out with the painter's fonts.
struct Typesetter<'a> {
    painter: &'a egui::Painter,
    colour: Color32,
}

impl Typesetter<'_> {
    fn text(&self, text: &str, size: f32) -> Boxed {
        // The window's fonts have no combining circumflex (P̂ came out as P, the mined set read
        // as the set of all positives): the hat is drawn as two strokes over the letter.
        let hat = '\u{0302}';
        let plain: String = text.chars().filter(|&c| c != hat).collect();
        let galley = self
            .painter
            .layout_no_wrap(plain, FontId::proportional(size), self.colour);
        let height = galley.size().y;
        // egui's fonts put the baseline about four fifths down the row.
        let ascent = height * 0.8;
        let width = galley.size().x;
        let mut rules = Vec::new();
        if text.contains(hat) {
            let (x, top) = (width / 2.0, -ascent * 0.98);
            let (half, rise) = (size * 0.18, size * 0.14);
            rules.push((vec2(x - half, top + rise), vec2(x, top)));
            rules.push((vec2(x, top), vec2(x + half, top + rise)));
        }
        Boxed {
            width,
            ascent: ascent + if text.contains(hat) { size * 0.1 } else { 0.0 },
            descent: height - ascent,
            glyphs: vec![(vec2(0.0, -ascent), galley)],
            rules,
        }
    }

    fn row(&self, nodes: &[Node], size: f32) -> Boxed {
        let mut row = Boxed::default();
        for node in nodes {
            let b = self.node(node, size);
            let x = row.width;
            row.place(b, x, 0.0);
        }
        row
    }

    fn node(&self, node: &Node, size: f32) -> Boxed {
        match node {
            Node::Text(t) => self.text(t, size),
            Node::Sum => self.text("Σ", size * 1.3),
            Node::Frac(num, den) => self.frac(num, den, size),
            Node::Group { open, close, body } => self.group(*open, *close, body, size),
            Node::Scripted { base, sub, sup } => {
                self.scripted(base, sub.as_deref(), sup.as_deref(), size)
            }
        }
    }

    fn frac(&self, num: &[Node], den: &[Node], size: f32) -> Boxed {
        let small = size * 0.8;
        let (n, d) = (self.row(num, small), self.row(den, small));
        let width = n.width.max(d.width) + size * 0.2;
        // The bar sits on the maths axis, a quarter of the font above the baseline.
        let axis = -size * 0.28;
        let gap = size * 0.12;
        let mut b = Boxed::default();
        let (nw, dw) = (n.width, d.width);
        let n_shift = axis - gap - n.descent;
        let d_shift = axis + gap + d.ascent;
        b.place(n, (width - nw) / 2.0, n_shift);
        b.place(d, (width - dw) / 2.0, d_shift);
        b.rules.push((vec2(0.0, axis), vec2(width, axis)));
        b.width = width + size * 0.1;
        b
    }

    fn group(&self, open: char, close: char, body: &[Node], size: f32) -> Boxed {
        let inner = self.row(body, size);
        // A bracket around a fraction or a sum grows with it.
        let tall = (inner.ascent + inner.descent) / (size * 1.0);
        let fence = size * tall.clamp(1.0, 2.2);
        let (o, c) = (
            self.text(&open.to_string(), fence),
            self.text(&close.to_string(), fence),
        );
        let centre =
            |b: &Boxed| (b.ascent - b.descent) / 2.0 - (inner.ascent - inner.descent) / 2.0;
        let mut b = Boxed::default();
        let (oc, cc) = (centre(&o), centre(&c));
        let ow = o.width;
        b.place(o, 0.0, oc);
        let iw = inner.width;
        b.place(inner, ow, 0.0);
        b.place(c, ow + iw, cc);
        b
    }

    fn scripted(
        &self,
        base: &Node,
        sub: Option<&[Node]>,
        sup: Option<&[Node]>,
        size: f32,
    ) -> Boxed {
        let small = size * 0.7;
        let core = self.node(base, size);
        let mut b = Boxed::default();
        if matches!(base, Node::Sum) {
            // Limits below (and above) the sum, centred.
            let lower = sub.map(|s| self.row(s, small));
            let upper = sup.map(|s| self.row(s, small));
            let width = [
                Some(core.width),
                lower.as_ref().map(|l| l.width),
                upper.as_ref().map(|u| u.width),
            ]
            .into_iter()
            .flatten()
            .fold(0.0, f32::max);
            let (cw, cd, ca) = (core.width, core.descent, core.ascent);
            b.place(core, (width - cw) / 2.0, 0.0);
            if let Some(l) = lower {
                let lw = l.width;
                let shift = cd + l.ascent;
                b.place(l, (width - lw) / 2.0, shift);
            }
            if let Some(u) = upper {
                let uw = u.width;
                let shift = -ca - u.descent;
                b.place(u, (width - uw) / 2.0, shift);
            }
            b.width = width + size * 0.15;
            return b;
        }
        let (cw, ca) = (core.width, core.ascent);
        b.place(core, 0.0, 0.0);
        if let Some(s) = sub {
            b.place(self.row(s, small), cw, size * 0.25);
        }
        if let Some(s) = sup {
            let s = self.row(s, small);
            let shift = -(ca * 0.55) - s.descent * 0.3;
            b.place(s, cw, shift);
        }
        b
    }
}

/// Draws `formula` (the notation above) typeset at `size` points, scaled down to fit the
/// width; parts the text sets apart (three spaces, or two after a comma) go on lines of their
/// own.
pub fn show(ui: &mut egui::Ui, formula: &str, size: f32) {
    let colour = ui.visuals().text_color();
    // Three spaces set a remark apart; two after a comma start the definitions of symbols.
    let lines = formula.replace(",  ", ",   ");
    for line in lines.split("   ").map(str::trim).filter(|l| !l.is_empty()) {
        let nodes = parse(line);
        let painter = ui.painter().clone();
        let typesetter = Typesetter {
            painter: &painter,
            colour,
        };
        let mut b = typesetter.row(&nodes, size);
        let available = ui.available_width().max(100.0);
        if b.width > available {
            let fitted = (size * available / b.width).max(10.0);
            b = typesetter.row(&nodes, fitted);
        }
        let (rect, response) = ui.allocate_exact_size(
            vec2(b.width.min(available), b.ascent + b.descent + 4.0),
            egui::Sense::hover(),
        );
        // Screen readers (and the tests) read the formula's text.
        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, line));
        let origin = pos2(rect.left(), rect.top() + b.ascent + 2.0);
        let painter = ui.painter_at(rect.expand(2.0));
        for (offset, galley) in b.glyphs {
            painter.galley(origin + offset, galley, colour);
        }
        for (from, to) in b.rules {
            painter.line_segment([origin + from, origin + to], Stroke::new(1.0, colour));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: &str) -> Node {
        Node::Text(t.into())
    }

    #[test]
    fn fractions_sums_scripts_and_hinges_are_recognised() {
        let nodes = parse("L = (1/m) Σ_i [0.5 − S_ij]+");
        assert_eq!(nodes[0], text("L = "));
        assert_eq!(nodes[1], Node::Frac(vec![text("1")], vec![text("m")]));
        assert!(matches!(
            &nodes[3],
            Node::Scripted { base, sub: Some(s), sup: None } if **base == Node::Sum && s == &vec![text("i")]
        ));
        let Node::Scripted {
            base,
            sub: Some(plus),
            ..
        } = &nodes[5]
        else {
            panic!("the hinge: {:?}", nodes[5]);
        };
        assert_eq!(plus, &vec![text("+")]);
        let Node::Group {
            open: '[', body, ..
        } = &**base
        else {
            panic!("a bracket");
        };
        assert!(body.iter().any(|n| matches!(n, Node::Scripted { base, sub: Some(s), .. } if **base == text("S") && s == &vec![text("ij")])));
    }

    #[test]
    fn a_hatted_set_keeps_its_hat_under_the_script() {
        let nodes = parse("Σ_(P̂_i) e^(−2(S − 0.5))");
        let Node::Scripted { sub: Some(set), .. } = &nodes[0] else {
            panic!("{nodes:?}");
        };
        assert!(matches!(&set[0], Node::Scripted { base, .. } if **base == text("P̂")));
        assert!(nodes.iter().any(
            |n| matches!(n, Node::Scripted { base, sup: Some(_), .. } if **base == text("e"))
        ));
    }

    #[test]
    fn groups_without_one_slash_stay_groups() {
        assert!(matches!(
            parse("(i, p, n)")[0],
            Node::Group { open: '(', .. }
        ));
        assert!(matches!(parse("(1/|P̂_i|)")[0], Node::Frac(..)));
    }
}
