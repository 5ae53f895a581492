//! How long a document is valid, by its kind's rule (`../shared/rules/validity.md`, with sources),
//! and the status that follows at a given civil date.
//!
//! Dates here are civil dates: no time, no zone. "Today" is the caller's date in the user's zone.
//!
//! **29 February.** Adding years to 29 February lands on 28 February in a common year: the period
//! ends on the last day of the month, by analogy with ГК РФ ст. 192 п. 3. jiff's `checked_add` of
//! years constrains the day to the month's last day, which is exactly that rule.

use jiff::civil::Date;
use jiff::{Span, ToSpan};
use serde::{Deserialize, Serialize};

/// A kind's rule as data, so that an operator can change a term without a new release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ValidityRule {
    /// No term (SNILS, INN, OMS, civil-status certificates, СТС, military ID). A typed expiry,
    /// when the user gives one, still counts (a foreigner's OMS policy has one).
    Indefinite,
    /// A term counted from the issue date. The last valid day is `issue + term + end_offset_days`
    /// (the date printed on a licence is issue + 10 years; an insurance year ends the day before).
    FixedTerm {
        years: i16,
        #[serde(default)]
        months: i16,
        #[serde(default)]
        end_offset_days: i16,
        /// A different term when the document's variant field says so (foreign passport: the
        /// older type without a chip is 5 years).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        variants: Vec<TermVariant>,
        /// The user may type another end date (OSAGO short contracts).
        #[serde(default)]
        typed_overrides: bool,
        /// A one-off legal extension of terms that ended inside a window (driving licences).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        extension: Option<Extension>,
    },
    /// The internal passport: valid until the next replacement birthday after issue, then a grace
    /// period "until the new one is issued, but not longer than" `grace_days`.
    AgeBased {
        /// Ascending; a passport issued at or after the last one is valid without a term.
        replace_at: Vec<i16>,
        grace_days: i16,
        /// The youngest age at which the document is issued.
        issued_from_age: i16,
    },
    /// The user types the expiry (or none): contracts, stay registration, "other".
    Typed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermVariant {
    /// Value of the document's variant field that selects this term.
    pub variant: String,
    pub years: i16,
}

/// Terms whose last day falls in `from..=to` are extended by `years` from that day, once, and the
/// extension holds inside the country only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    pub from: Date,
    pub to: Date,
    pub years: i16,
    /// Open question in the rules: whether 31.12.2025 + 3 years ends on 30.12 or 31.12.2028.
    #[serde(default)]
    pub end_offset_days: i16,
    #[serde(default = "yes")]
    pub domestic_only: bool,
}

fn yes() -> bool {
    true
}

/// What the rule needs to know about one document.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub issued_on: Option<Date>,
    /// The holder's date of birth (typed on the document, checked against the profile).
    pub holder_born_on: Option<Date>,
    /// Expiry typed by the user, for rules that take it.
    pub typed_expiry: Option<Date>,
    /// Value of the kind's variant field (foreign passport type).
    pub variant: Option<String>,
}

/// The end of validity that the rule gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Validity {
    /// Last day on which the document is valid; `None` when it has no term.
    pub valid_until: Option<Date>,
    /// Age-based: the birthday from which the document must be replaced (its grace runs to
    /// `valid_until`).
    pub replace_from: Option<Date>,
    /// Extended term (inside the country only when `domestic_only`); `valid_until` then keeps the
    /// original date printed on the document.
    pub extended_until: Option<Date>,
    pub domestic_only: bool,
}

impl Validity {
    fn indefinite() -> Self {
        Self {
            valid_until: None,
            replace_from: None,
            extended_until: None,
            domestic_only: false,
        }
    }

    fn until(date: Date) -> Self {
        Self {
            valid_until: Some(date),
            ..Self::indefinite()
        }
    }

    /// The last day on which the document can be used at all.
    pub fn last_day(&self) -> Option<Date> {
        self.extended_until.or(self.valid_until)
    }
}

/// Why the rule could not be applied: the form names the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ValidityError {
    #[error("the issue date is needed to compute the term")]
    IssueDateMissing,
    #[error("the holder's date of birth is needed to compute the term")]
    BirthDateMissing,
    #[error("the document cannot be issued before the holder reaches the minimum age")]
    IssuedTooYoung,
    #[error("the issue date is before the date of birth")]
    IssuedBeforeBirth,
    #[error("the expiry is before the issue date")]
    ExpiryBeforeIssue,
    #[error("the date is out of range")]
    OutOfRange,
}

/// Adds whole years and months, constraining 29 February to 28 February (see the module docs).
fn add_term(date: Date, years: i16, months: i16) -> Result<Date, ValidityError> {
    let span: Span = i64::from(years).years().months(i64::from(months));
    date.checked_add(span)
        .map_err(|_| ValidityError::OutOfRange)
}

fn add_days(date: Date, days: i16) -> Result<Date, ValidityError> {
    date.checked_add(i64::from(days).days())
        .map_err(|_| ValidityError::OutOfRange)
}

/// Full years of age on `on` for someone born on `born`.
pub fn age_on(born: Date, on: Date) -> i16 {
    let mut age = on.year() - born.year();
    let birthday_this_year = add_term(born, age, 0).unwrap_or(born);
    if on < birthday_this_year {
        age -= 1;
    }
    age
}

impl ValidityRule {
    pub fn apply(&self, facts: &Facts) -> Result<Validity, ValidityError> {
        if let (Some(issued), Some(expiry)) = (facts.issued_on, facts.typed_expiry)
            && expiry < issued
        {
            return Err(ValidityError::ExpiryBeforeIssue);
        }
        match self {
            ValidityRule::Indefinite | ValidityRule::Typed => Ok(facts
                .typed_expiry
                .map_or_else(Validity::indefinite, Validity::until)),
            ValidityRule::FixedTerm {
                years,
                months,
                end_offset_days,
                variants,
                typed_overrides,
                extension,
            } => {
                if *typed_overrides && let Some(expiry) = facts.typed_expiry {
                    return Ok(Validity::until(expiry));
                }
                let issued = facts.issued_on.ok_or(ValidityError::IssueDateMissing)?;
                let years = facts
                    .variant
                    .as_deref()
                    .and_then(|v| variants.iter().find(|t| t.variant == v))
                    .map_or(*years, |t| t.years);
                let end = add_days(add_term(issued, years, *months)?, *end_offset_days)?;
                let mut validity = Validity::until(end);
                if let Some(ext) = extension
                    && (ext.from..=ext.to).contains(&end)
                {
                    validity.extended_until =
                        Some(add_days(add_term(end, ext.years, 0)?, ext.end_offset_days)?);
                    validity.domestic_only = ext.domestic_only;
                }
                Ok(validity)
            }
            ValidityRule::AgeBased {
                replace_at,
                grace_days,
                issued_from_age,
            } => {
                let issued = facts.issued_on.ok_or(ValidityError::IssueDateMissing)?;
                let born = facts
                    .holder_born_on
                    .ok_or(ValidityError::BirthDateMissing)?;
                if issued < born {
                    return Err(ValidityError::IssuedBeforeBirth);
                }
                let age = age_on(born, issued);
                if age < *issued_from_age {
                    return Err(ValidityError::IssuedTooYoung);
                }
                // Issued at any age (loss, change of name), it lasts to the next boundary.
                let Some(&boundary) = replace_at.iter().find(|&&at| age < at) else {
                    return Ok(Validity::indefinite());
                };
                let birthday = add_term(born, boundary, 0)?;
                Ok(Validity {
                    valid_until: Some(add_days(birthday, *grace_days)?),
                    replace_from: Some(birthday),
                    extended_until: None,
                    domestic_only: false,
                })
            }
        }
    }
}

/// Whole days from `from` to `to` (negative when `to` is earlier).
pub fn days_between(from: Date, to: Date) -> i32 {
    from.until((jiff::Unit::Day, to))
        .map_or(0, |span| span.get_days())
}

/// The status shown in the registry. Ordered by urgency (most urgent first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Expired,
    NeedsReplacement,
    Expiring,
    Valid,
    Indefinite,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Expired,
        Status::NeedsReplacement,
        Status::Expiring,
        Status::Valid,
        Status::Indefinite,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Expired => "expired",
            Status::NeedsReplacement => "needs_replacement",
            Status::Expiring => "expiring",
            Status::Valid => "valid",
            Status::Indefinite => "indefinite",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// Why a document needs replacing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplacementReason {
    /// The age-based replacement birthday is near or passed (passport at 20 and 45).
    AgeReached,
    /// The profile's surname, name, patronymic or date of birth changed after issue.
    PersonalDataChanged,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assessment {
    pub status: Status,
    pub reason: Option<ReplacementReason>,
    /// The date the user should act by (the end of validity or the replacement birthday).
    pub deadline: Option<Date>,
    /// Days from today to the deadline (negative when passed).
    pub days_left: Option<i32>,
    /// The document is in its legal extension, valid inside the country only.
    pub domestic_only_now: bool,
}

/// The status on `today`, with `lead_days` before the end counted as "expiring".
/// `data_changed_after_issue` is true when the holder's key data changed after the issue date of
/// an identity document.
pub fn assess(
    validity: &Validity,
    today: Date,
    lead_days: i16,
    data_changed_after_issue: bool,
) -> Assessment {
    let days_until = |d: Date| -> i32 { days_between(today, d) };
    let within_lead = |d: Date| days_until(d) <= i32::from(lead_days);
    let mut out = Assessment {
        status: Status::Indefinite,
        reason: None,
        deadline: None,
        days_left: None,
        domestic_only_now: false,
    };
    match validity.last_day() {
        None => {}
        Some(last) if today > last => {
            out.status = Status::Expired;
            out.deadline = Some(last);
        }
        Some(last) => {
            if let Some(birthday) = validity.replace_from
                && within_lead(birthday)
            {
                out.status = Status::NeedsReplacement;
                out.reason = Some(ReplacementReason::AgeReached);
                out.deadline = Some(if today >= birthday { last } else { birthday });
            } else {
                out.status = if within_lead(last) {
                    Status::Expiring
                } else {
                    Status::Valid
                };
                out.deadline = Some(validity.replace_from.unwrap_or(last));
            }
            out.domestic_only_now = validity.domestic_only
                && validity.extended_until.is_some()
                && validity.valid_until.is_some_and(|printed| today > printed);
        }
    }
    if data_changed_after_issue && out.status != Status::Expired {
        out.status = Status::NeedsReplacement;
        out.reason = Some(ReplacementReason::PersonalDataChanged);
    }
    out.days_left = out.deadline.map(days_until);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn passport() -> ValidityRule {
        ValidityRule::AgeBased {
            replace_at: vec![20, 45],
            grace_days: 90,
            issued_from_age: 14,
        }
    }

    fn licence() -> ValidityRule {
        ValidityRule::FixedTerm {
            years: 10,
            months: 0,
            end_offset_days: 0,
            variants: vec![],
            typed_overrides: false,
            extension: Some(Extension {
                from: date(2022, 1, 1),
                to: date(2025, 12, 31),
                years: 3,
                end_offset_days: 0,
                domestic_only: true,
            }),
        }
    }

    fn facts(issued: Date, born: Option<Date>) -> Facts {
        Facts {
            issued_on: Some(issued),
            holder_born_on: born,
            ..Facts::default()
        }
    }

    #[test]
    fn passport_issued_at_14_lasts_to_20_plus_grace() {
        let v = passport()
            .apply(&facts(date(2020, 6, 1), Some(date(2006, 3, 10))))
            .unwrap();
        assert_eq!(v.replace_from, Some(date(2026, 3, 10)));
        assert_eq!(v.valid_until, Some(date(2026, 6, 8)));
    }

    #[test]
    fn passport_issued_at_20_or_in_the_grace_lasts_to_45() {
        let born = date(2000, 5, 20);
        let v = passport()
            .apply(&facts(date(2020, 7, 1), Some(born)))
            .unwrap();
        assert_eq!(v.replace_from, Some(date(2045, 5, 20)));
    }

    #[test]
    fn passport_issued_at_30_after_loss_lasts_to_45() {
        let born = date(1990, 1, 15);
        let v = passport()
            .apply(&facts(date(2020, 2, 1), Some(born)))
            .unwrap();
        assert_eq!(v.replace_from, Some(date(2035, 1, 15)));
        assert_eq!(v.valid_until, Some(date(2035, 4, 15)));
    }

    #[test]
    fn passport_issued_at_or_after_45_has_no_term() {
        let born = date(1970, 8, 1);
        let v = passport()
            .apply(&facts(date(2015, 8, 1), Some(born)))
            .unwrap();
        assert_eq!(v, Validity::indefinite());
        assert_eq!(
            assess(&v, date(2040, 1, 1), 90, false).status,
            Status::Indefinite
        );
    }

    #[test]
    fn passport_issued_the_day_before_45_still_needs_replacing() {
        let born = date(1970, 8, 1);
        let v = passport()
            .apply(&facts(date(2015, 7, 31), Some(born)))
            .unwrap();
        assert_eq!(v.replace_from, Some(date(2015, 8, 1)));
    }

    #[test]
    fn passport_before_14_or_before_birth_is_refused() {
        let born = date(2010, 1, 1);
        assert_eq!(
            passport().apply(&facts(date(2023, 12, 31), Some(born))),
            Err(ValidityError::IssuedTooYoung)
        );
        assert_eq!(
            passport().apply(&facts(date(2009, 1, 1), Some(born))),
            Err(ValidityError::IssuedBeforeBirth)
        );
        assert_eq!(
            passport().apply(&facts(date(2024, 1, 1), None)),
            Err(ValidityError::BirthDateMissing)
        );
    }

    #[test]
    fn leap_day_birthday_reaches_an_age_on_28_february_in_a_common_year() {
        let born = date(2004, 2, 29);
        // 2024 is a leap year: the 20th birthday is 29 February itself.
        let v = passport()
            .apply(&facts(date(2018, 3, 1), Some(born)))
            .unwrap();
        assert_eq!(v.replace_from, Some(date(2024, 2, 29)));
        // 2049 is a common year: the 45th birthday is 28 February.
        let v = passport()
            .apply(&facts(date(2024, 3, 10), Some(born)))
            .unwrap();
        assert_eq!(v.replace_from, Some(date(2049, 2, 28)));
        assert_eq!(age_on(born, date(2049, 2, 27)), 44);
        assert_eq!(age_on(born, date(2049, 2, 28)), 45);
        assert_eq!(age_on(born, date(2048, 2, 29)), 44);
    }

    #[test]
    fn passport_statuses_around_the_birthday_and_the_grace() {
        let born = date(2006, 3, 10);
        let v = passport()
            .apply(&facts(date(2020, 6, 1), Some(born)))
            .unwrap();
        let at = |d| assess(&v, d, 90, false);
        assert_eq!(at(date(2025, 12, 9)).status, Status::Valid);
        // 90 days before the 20th birthday.
        let before = at(date(2025, 12, 10));
        assert_eq!(before.status, Status::NeedsReplacement);
        assert_eq!(before.reason, Some(ReplacementReason::AgeReached));
        assert_eq!(before.deadline, Some(date(2026, 3, 10)));
        assert_eq!(before.days_left, Some(90));
        // In the grace: still valid, the last valid day shown.
        let grace = at(date(2026, 4, 1));
        assert_eq!(grace.status, Status::NeedsReplacement);
        assert_eq!(grace.deadline, Some(date(2026, 6, 8)));
        assert_eq!(at(date(2026, 6, 8)).status, Status::NeedsReplacement);
        // The grace ends.
        let after = at(date(2026, 6, 9));
        assert_eq!(after.status, Status::Expired);
        assert_eq!(after.days_left, Some(-1));
    }

    #[test]
    fn driving_licence_is_ten_years_and_outside_the_window_not_extended() {
        let v = licence().apply(&facts(date(2016, 4, 5), None)).unwrap();
        assert_eq!(v.valid_until, Some(date(2026, 4, 5)));
        assert_eq!(v.extended_until, None);
        assert_eq!(
            licence().apply(&Facts::default()),
            Err(ValidityError::IssueDateMissing)
        );
    }

    #[test]
    fn driving_licence_ending_in_2022_to_2025_gets_three_years_inside_the_country() {
        let v = licence().apply(&facts(date(2013, 6, 1), None)).unwrap();
        assert_eq!(v.valid_until, Some(date(2023, 6, 1)));
        assert_eq!(v.extended_until, Some(date(2026, 6, 1)));
        let during = assess(&v, date(2024, 1, 1), 90, false);
        assert_eq!(during.status, Status::Valid);
        assert!(during.domestic_only_now);
        assert_eq!(during.deadline, Some(date(2026, 6, 1)));
        assert!(!assess(&v, date(2023, 6, 1), 90, false).domestic_only_now);
        assert_eq!(
            assess(&v, date(2026, 6, 2), 90, false).status,
            Status::Expired
        );
        // Window edges, inclusive on both ends.
        let first = licence().apply(&facts(date(2012, 1, 1), None)).unwrap();
        assert_eq!(first.extended_until, Some(date(2025, 1, 1)));
        let last = licence().apply(&facts(date(2015, 12, 31), None)).unwrap();
        assert_eq!(last.extended_until, Some(date(2028, 12, 31)));
        let before = licence().apply(&facts(date(2011, 12, 31), None)).unwrap();
        assert_eq!(before.extended_until, None);
    }

    #[test]
    fn foreign_passport_term_depends_on_its_type() {
        let rule = ValidityRule::FixedTerm {
            years: 10,
            months: 0,
            end_offset_days: 0,
            variants: vec![TermVariant {
                variant: "old".into(),
                years: 5,
            }],
            typed_overrides: false,
            extension: None,
        };
        let mut f = facts(date(2024, 2, 29), None);
        f.variant = Some("biometric".into());
        assert_eq!(rule.apply(&f).unwrap().valid_until, Some(date(2034, 2, 28)));
        f.variant = Some("old".into());
        assert_eq!(rule.apply(&f).unwrap().valid_until, Some(date(2029, 2, 28)));
    }

    #[test]
    fn osago_is_a_year_ending_the_day_before_unless_a_shorter_end_is_typed() {
        let rule = ValidityRule::FixedTerm {
            years: 1,
            months: 0,
            end_offset_days: -1,
            variants: vec![],
            typed_overrides: true,
            extension: None,
        };
        let mut f = facts(date(2026, 3, 15), None);
        assert_eq!(rule.apply(&f).unwrap().valid_until, Some(date(2027, 3, 14)));
        f.typed_expiry = Some(date(2026, 4, 4));
        assert_eq!(rule.apply(&f).unwrap().valid_until, Some(date(2026, 4, 4)));
        f.typed_expiry = Some(date(2026, 3, 1));
        assert_eq!(rule.apply(&f), Err(ValidityError::ExpiryBeforeIssue));
    }

    #[test]
    fn indefinite_and_typed_documents() {
        let none = ValidityRule::Indefinite.apply(&Facts::default()).unwrap();
        assert_eq!(
            assess(&none, date(2030, 1, 1), 90, false).status,
            Status::Indefinite
        );
        let typed = ValidityRule::Typed
            .apply(&Facts {
                typed_expiry: Some(date(2026, 12, 31)),
                ..Facts::default()
            })
            .unwrap();
        let at = |d| assess(&typed, d, 30, false).status;
        assert_eq!(at(date(2026, 11, 30)), Status::Valid);
        // 30 days before the last day.
        assert_eq!(at(date(2026, 12, 1)), Status::Expiring);
        assert_eq!(at(date(2026, 12, 31)), Status::Expiring);
        assert_eq!(at(date(2027, 1, 1)), Status::Expired);
    }

    #[test]
    fn changed_personal_data_marks_a_valid_document_for_replacement() {
        let v = licence().apply(&facts(date(2020, 1, 1), None)).unwrap();
        let a = assess(&v, date(2024, 1, 1), 90, true);
        assert_eq!(a.status, Status::NeedsReplacement);
        assert_eq!(a.reason, Some(ReplacementReason::PersonalDataChanged));
        let none = ValidityRule::Indefinite.apply(&Facts::default()).unwrap();
        assert_eq!(
            assess(&none, date(2024, 1, 1), 90, true).status,
            Status::NeedsReplacement
        );
    }

    #[test]
    fn rules_round_trip_as_json_for_the_catalogue() {
        for rule in [
            passport(),
            licence(),
            ValidityRule::Indefinite,
            ValidityRule::Typed,
        ] {
            let json = serde_json::to_string(&rule).unwrap();
            assert_eq!(serde_json::from_str::<ValidityRule>(&json).unwrap(), rule);
        }
    }
}
