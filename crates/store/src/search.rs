//! Full-text search with Russian word forms, by the database's own means.
//!
//! PostgreSQL indexes `to_tsvector('russian', search_text)` itself. SQLite's FTS5 has no Russian
//! stemmer, so the application stems words with the same Snowball algorithm (Russian for Cyrillic
//! words, English for Latin ones) before indexing and before querying: «паспорта», «паспортом» and
//! «паспорт» all become «паспорт».

use rust_stemmers::{Algorithm, Stemmer};

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase().replace('ё', "е"))
}

fn is_cyrillic(word: &str) -> bool {
    word.chars().any(|c| ('а'..='я').contains(&c))
}

/// Stems every word of `text` (numbers stay as they are).
pub fn stems(text: &str) -> Vec<String> {
    let russian = Stemmer::create(Algorithm::Russian);
    let english = Stemmer::create(Algorithm::English);
    words(text)
        .map(|w| {
            if w.chars().all(|c| c.is_ascii_digit()) {
                w
            } else if is_cyrillic(&w) {
                russian.stem(&w).into_owned()
            } else {
                english.stem(&w).into_owned()
            }
        })
        .collect()
}

/// The owner's id as one FTS token (ids contain dashes, which the tokenizer would split on).
pub fn owner_token(owner_id: &str) -> String {
    format!("o{}", owner_id.replace('-', ""))
}

/// An FTS5 query: every stem must match, each as a prefix (so a half-typed word finds), within
/// the owner's documents. Tokens hold only letters and digits, so quoting them is enough.
pub fn sqlite_query(owner_id: &str, text: &str) -> Option<String> {
    let terms: Vec<String> = stems(text)
        .into_iter()
        .take(16)
        .map(|s| format!("\"{s}\"*"))
        .collect();
    if terms.is_empty() {
        return None;
    }
    Some(format!(
        "owner:\"{}\" AND body:({})",
        owner_token(owner_id),
        terms.join(" AND ")
    ))
}

/// A `to_tsquery('russian', …)` expression: every word, each as a prefix.
pub fn postgres_query(text: &str) -> Option<String> {
    let terms: Vec<String> = words(text).take(16).map(|w| format!("{w}:*")).collect();
    if terms.is_empty() {
        return None;
    }
    Some(terms.join(" & "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_forms_meet_in_one_stem() {
        let a = stems("паспорта паспортом Паспорт");
        assert!(a.iter().all(|s| s == &a[0]), "{a:?}");
        assert_eq!(stems("договоров аренды"), stems("договор аренда"));
        assert_eq!(stems("Ёлка"), stems("елки"));
        assert_eq!(stems("contracts"), stems("contract"));
        assert_eq!(stems("45 06 123456"), vec!["45", "06", "123456"]);
    }

    #[test]
    fn queries_cannot_inject_syntax() {
        let q = sqlite_query("0190-ab", "страховка\" OR owner:*").unwrap();
        assert_eq!(
            q,
            "owner:\"o0190ab\" AND body:(\"страховк\"* AND \"or\"* AND \"owner\"*)"
        );
        assert_eq!(sqlite_query("x", " -- ()"), None);
        assert_eq!(postgres_query("полис ОСАГО!").unwrap(), "полис:* & осаго:*");
    }
}
