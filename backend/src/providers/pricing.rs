//! A small price table for providers that report tokens but no cost (Codex, Gemini, the API
//! providers). Costs computed from it are marked estimated. Prices are USD per million tokens,
//! public list prices; an unknown model costs 0 (still marked estimated).

use super::usage::Usage;

/// `(model prefix, input, cached input, output)` in USD per million tokens. The longest matching
/// prefix wins, so `gpt-5-mini` is not priced as `gpt-5`.
const PRICES: &[(&str, f64, f64, f64)] = &[
    ("gpt-5", 1.25, 0.125, 10.0),
    ("gpt-5-mini", 0.25, 0.025, 2.0),
    ("gpt-5-nano", 0.05, 0.005, 0.4),
    ("gpt-5-codex", 1.25, 0.125, 10.0),
    ("gpt-4.1", 2.0, 0.5, 8.0),
    ("gpt-4.1-mini", 0.4, 0.1, 1.6),
    ("gpt-4o", 2.5, 1.25, 10.0),
    ("gpt-4o-mini", 0.15, 0.075, 0.6),
    ("o3", 2.0, 0.5, 8.0),
    ("o4-mini", 1.1, 0.275, 4.4),
    ("gemini-2.5-pro", 1.25, 0.31, 10.0),
    ("gemini-2.5-flash", 0.3, 0.075, 2.5),
    ("gemini-2.5-flash-lite", 0.1, 0.025, 0.4),
    ("claude-opus-4", 15.0, 1.5, 75.0),
    ("claude-sonnet-4", 3.0, 0.3, 15.0),
    ("claude-haiku-4", 1.0, 0.1, 5.0),
];

/// The estimated cost of `usage` on `model` (input tokens include the cached ones).
#[must_use]
pub fn estimate(model: Option<&str>, usage: &Usage) -> f64 {
    let Some(model) = model else {
        return 0.0;
    };
    let model = model.to_ascii_lowercase();
    let Some((_, input, cached, output)) = PRICES
        .iter()
        .filter(|(prefix, ..)| model.starts_with(prefix))
        .max_by_key(|(prefix, ..)| prefix.len())
    else {
        return 0.0;
    };
    let uncached = (usage.input_tokens - usage.cache_read_tokens).max(0) as f64;
    (uncached * input
        + usage.cache_read_tokens as f64 * cached
        + usage.output_tokens as f64 * output)
        / 1_000_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_prefix_wins_and_cached_tokens_are_cheaper() {
        let u = Usage {
            input_tokens: 1_000_000,
            cache_read_tokens: 500_000,
            output_tokens: 100_000,
            ..Usage::default()
        };
        // gpt-5: 0.5M × 1.25 + 0.5M × 0.125 + 0.1M × 10 = 0.625 + 0.0625 + 1.0
        assert!((estimate(Some("gpt-5"), &u) - 1.6875).abs() < 1e-9);
        // gpt-5-mini: 0.5M × 0.25 + 0.5M × 0.025 + 0.1M × 2 = 0.125 + 0.0125 + 0.2
        assert!((estimate(Some("GPT-5-mini-2025"), &u) - 0.3375).abs() < 1e-9);
        assert_eq!(estimate(Some("local-model"), &u), 0.0);
        assert_eq!(estimate(None, &u), 0.0);
    }
}
