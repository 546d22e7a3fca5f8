//! The facts about one pair the explanations read, and the checkable inequalities they state.

/// The index and similarity of an anchor's most extreme pair of one side, if it has one.
pub(super) type Extreme = Option<(usize, f64)>;

/// Facts about one pair `(i, j)` of a batch.
///
/// # Shapes
/// `sim`: `m * m` row-major; `labels`: `m`.
pub struct PairFacts<'a> {
    pub sim: &'a [f64],
    pub labels: &'a [i64],
    pub i: usize,
    pub j: usize,
    /// Whether the engine kept the pair (it is in the positive or negative pair list).
    pub kept: bool,
    /// `G_ij`.
    pub weight: f64,
}

/// A comparison between two quoted numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rel {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Rel {
    /// Whether `lhs rel rhs`.
    pub fn holds(self, lhs: f64, rhs: f64) -> bool {
        match self {
            Rel::Lt => lhs < rhs,
            Rel::Le => lhs <= rhs,
            Rel::Gt => lhs > rhs,
            Rel::Ge => lhs >= rhs,
            Rel::Eq => lhs == rhs,
            Rel::Ne => lhs != rhs,
        }
    }
}

/// One deciding inequality, `lhs rel rhs`, on the numbers the sentence quotes (indices and
/// counts as `f64`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Check {
    pub lhs: f64,
    pub rel: Rel,
    pub rhs: f64,
}

impl Check {
    pub(super) fn new(lhs: f64, rel: Rel, rhs: f64) -> Self {
        Self { lhs, rel, rhs }
    }

    /// Whether the inequality is true.
    pub fn holds(&self) -> bool {
        self.rel.holds(self.lhs, self.rhs)
    }
}

/// The teaching sentence for a pair and the inequalities it states (all of them hold when the
/// sentence is true of the engine's decision).
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    pub text: String,
    pub checks: Vec<Check>,
}

pub(super) fn explained(text: String, checks: Vec<Check>) -> Explanation {
    Explanation { text, checks }
}

/// `kept ⇒ when_kept`, `dropped ⇒ the opposite relation`.
pub(super) fn decide(kept: bool, lhs: f64, when_kept: Rel, rhs: f64) -> Check {
    let rel = match (kept, when_kept) {
        (true, r) => r,
        (false, Rel::Lt) => Rel::Ge,
        (false, Rel::Le) => Rel::Gt,
        (false, Rel::Gt) => Rel::Le,
        (false, Rel::Ge) => Rel::Lt,
        (false, Rel::Eq) => Rel::Ne,
        (false, Rel::Ne) => Rel::Eq,
    };
    Check::new(lhs, rel, rhs)
}

pub(super) fn flag(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

impl PairFacts<'_> {
    pub(super) fn m(&self) -> usize {
        self.labels.len()
    }

    pub(super) fn s(&self) -> f64 {
        self.sim[self.i * self.m() + self.j]
    }

    pub(super) fn positive(&self) -> bool {
        self.labels[self.i] == self.labels[self.j]
    }

    /// `(k, S_ik)` for every other sample `k` of anchor `i` on the side `positive`.
    pub(super) fn side_of(&self, positive: bool) -> impl Iterator<Item = (usize, f64)> + '_ {
        let m = self.m();
        let row = &self.sim[self.i * m..(self.i + 1) * m];
        let yi = self.labels[self.i];
        row.iter()
            .enumerate()
            .filter(move |&(k, _)| k != self.i && (self.labels[k] == yi) == positive)
            .map(|(k, &s)| (k, s))
    }

    /// Lowest positive and highest negative similarity of anchor `i` (ties: lowest index).
    pub(super) fn extremes(&self) -> (Extreme, Extreme) {
        let lo = self.side_of(true).fold(None, |b: Extreme, (k, s)| match b {
            Some((_, v)) if s >= v => b,
            _ => Some((k, s)),
        });
        let hi = self
            .side_of(false)
            .fold(None, |b: Extreme, (k, s)| match b {
                Some((_, v)) if s <= v => b,
                _ => Some((k, s)),
            });
        (lo, hi)
    }

    pub(super) fn side(&self) -> &'static str {
        if self.positive() {
            "positive"
        } else {
            "negative"
        }
    }

    pub(super) fn verdict(&self) -> String {
        format!(
            "{} {}",
            self.side(),
            if self.kept { "kept" } else { "dropped" }
        )
    }

    /// The anchor lacks the side `positive`: nothing of it is mined.
    pub(super) fn lacks_side(&self, positive: bool, rule: &str) -> Explanation {
        explained(
            format!(
                "{}: anchor {} has no {} pair, so {rule} keeps none of its pairs",
                self.verdict(),
                self.i,
                if positive { "positive" } else { "negative" }
            ),
            vec![
                Check::new(self.side_of(positive).count() as f64, Rel::Eq, 0.0),
                Check::new(flag(self.kept), Rel::Eq, 0.0),
            ],
        )
    }
}
