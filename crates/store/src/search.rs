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
fn owner_token(owner_id: &str) -> String {
    format!("o{}", owner_id.replace('-', ""))
}

/// A document's id as one FTS token: its row in the index is found by it.
pub fn document_token(document_id: &str) -> String {
    document_id.replace('-', "")
}

/// What the SQLite index holds for a document of `owner_id`: each stem of `text` joined to the
/// owner's token (`_` is a token character there), so that one person's search never reads
/// another's terms.
pub fn sqlite_body(owner_id: &str, text: &str) -> String {
    let owner = owner_token(owner_id);
    stems(text)
        .iter()
        .map(|s| format!("{owner}_{s}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// An FTS5 query matching every term of `owner_id`'s documents (to remove them all).
pub fn sqlite_owner_query(owner_id: &str) -> String {
    format!("body:\"{}_\"*", owner_token(owner_id))
}

/// An FTS5 query matching one document's row.
pub fn sqlite_document_query(document_id: &str) -> String {
    format!("doc:\"{}\"", document_token(document_id))
}

/// An FTS5 query: every stem must match, each as a prefix (so a half-typed word finds), among the
/// owner's own terms. Tokens hold only letters, digits and `_`, so quoting them is enough.
pub fn sqlite_query(owner_id: &str, text: &str) -> Option<String> {
    let owner = owner_token(owner_id);
    let terms: Vec<String> = stems(text)
        .into_iter()
        .take(16)
        .map(|s| format!("\"{owner}_{s}\"*"))
        .collect();
    if terms.is_empty() {
        return None;
    }
    Some(format!("body:({})", terms.join(" AND ")))
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
        let q = sqlite_query("0190-ab", "страховка\" OR body:*").unwrap();
        assert_eq!(
            q,
            "body:(\"o0190ab_страховк\"* AND \"o0190ab_or\"* AND \"o0190ab_bodi\"*)"
        );
        assert_eq!(
            sqlite_body("0190-ab", "Полис ОСАГО"),
            "o0190ab_полис o0190ab_осаг"
        );
        assert_eq!(sqlite_query("x", " -- ()"), None);
        assert_eq!(postgres_query("полис ОСАГО!").unwrap(), "полис:* & осаго:*");
    }
}
