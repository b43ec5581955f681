//! Token usage and cost of provider steps, rolled up to the run. Input tokens always *include*
//! cached ones (cache reads are also counted on their own), whatever the provider reports.

use serde::Serialize;

/// Tokens and cost of one step so far, or of a whole run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Usage {
    /// Prompt tokens, cached ones included.
    pub input_tokens: i64,
    pub cache_read_tokens: i64,
    pub output_tokens: i64,
    pub cost_usd: f64,
    /// The cost comes from a price table, not from the provider.
    pub estimated: bool,
}

impl Usage {
    #[must_use]
    pub fn plus(self, other: Self) -> Self {
        Self {
            input_tokens: self.input_tokens + other.input_tokens,
            cache_read_tokens: self.cache_read_tokens + other.cache_read_tokens,
            output_tokens: self.output_tokens + other.output_tokens,
            cost_usd: self.cost_usd + other.cost_usd,
            estimated: self.estimated || other.estimated,
        }
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.input_tokens == 0 && self.output_tokens == 0 && self.cost_usd == 0.0
    }
}

/// The run's usage: finished steps plus the step that is running.
#[derive(Debug, Default)]
pub struct RunUsage {
    done: Usage,
    current: Usage,
}

impl RunUsage {
    /// Adds to the running step.
    pub fn add(&mut self, delta: Usage) {
        self.current = self.current.plus(delta);
    }

    /// Replaces the running step's usage with a total the provider reported for it.
    pub fn set_step_total(&mut self, total: Usage) {
        self.current = total;
    }

    /// Closes the running step.
    pub fn end_step(&mut self) {
        self.done = self.done.plus(self.current);
        self.current = Usage::default();
    }

    /// The run's total so far.
    #[must_use]
    pub fn total(&self) -> Usage {
        self.done.plus(self.current)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_total_replaces_the_deltas_of_its_step_only() {
        let mut u = RunUsage::default();
        let t = |i, o| Usage {
            input_tokens: i,
            output_tokens: o,
            ..Usage::default()
        };
        u.add(t(10, 1));
        u.add(t(5, 1));
        assert_eq!(u.total().input_tokens, 15);
        u.set_step_total(t(12, 3));
        u.end_step();
        u.add(t(7, 7));
        assert_eq!(u.total(), t(19, 10));
    }
}
