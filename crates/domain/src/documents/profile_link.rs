//! The profile and «Мои документы» hold the same numbers: the passport, SNILS and INN. One is
//! the source of the other — the document, which the person can show. This module says, for one
//! document, whether the profile agrees with it, lacks its data, or differs, and which of the
//! profile's fields differ; and which values the profile takes from it.

use super::Schema;

/// What in the profile a document can be the source of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Passport,
    Snils,
    Inn,
}

impl Subject {
    pub const ALL: [Subject; 3] = [Subject::Passport, Subject::Snils, Subject::Inn];

    /// The subject a document of this schema is the source of.
    pub fn of(schema: Schema) -> Option<Self> {
        match schema {
            Schema::PassportRf => Some(Subject::Passport),
            Schema::Snils => Some(Subject::Snils),
            Schema::Inn => Some(Subject::Inn),
            _ => None,
        }
    }

    /// The API's word.
    pub fn code(self) -> &'static str {
        match self {
            Subject::Passport => "passport",
            Subject::Snils => "snils",
            Subject::Inn => "inn",
        }
    }

    pub fn schema(self) -> Schema {
        match self {
            Subject::Passport => Schema::PassportRf,
            Subject::Snils => Schema::Snils,
            Subject::Inn => Schema::Inn,
        }
    }

    /// The profile's form fields this subject fills, in the order they are shown.
    pub fn fields(self) -> &'static [ProfileField] {
        match self {
            Subject::Passport => &[
                ProfileField::PassportSeries,
                ProfileField::PassportNumber,
                ProfileField::PassportIssuedOn,
                ProfileField::PassportIssuer,
                ProfileField::PassportDivisionCode,
            ],
            Subject::Snils => &[ProfileField::Snils],
            Subject::Inn => &[ProfileField::Inn],
        }
    }
}

/// A field of the profile that a document can fill; `key` is the form's and the API's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileField {
    PassportSeries,
    PassportNumber,
    PassportIssuedOn,
    PassportIssuer,
    PassportDivisionCode,
    Snils,
    Inn,
}

impl ProfileField {
    pub fn key(self) -> &'static str {
        match self {
            ProfileField::PassportSeries => "passport_series",
            ProfileField::PassportNumber => "passport_number",
            ProfileField::PassportIssuedOn => "passport_issued_on",
            ProfileField::PassportIssuer => "passport_issuer",
            ProfileField::PassportDivisionCode => "passport_division_code",
            ProfileField::Snils => "snils",
            ProfileField::Inn => "inn",
        }
    }

    /// (Russian, English) label.
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            ProfileField::PassportSeries => ("серия", "series"),
            ProfileField::PassportNumber => ("номер", "number"),
            ProfileField::PassportIssuedOn => ("дата выдачи", "date of issue"),
            ProfileField::PassportIssuer => ("кем выдан", "issued by"),
            ProfileField::PassportDivisionCode => ("код подразделения", "division code"),
            ProfileField::Snils => ("СНИЛС", "SNILS"),
            ProfileField::Inn => ("ИНН", "INN"),
        }
    }

    /// Two spellings of one value are the same value: `45 20 123456` and `4520123456`,
    /// `ГУ МВД  России` and `гу мвд россии`.
    fn same(self, a: &str, b: &str) -> bool {
        match self {
            ProfileField::PassportIssuer => words(a) == words(b),
            ProfileField::PassportIssuedOn => a.trim() == b.trim(),
            _ => digits(a) == digits(b),
        }
    }
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

fn words(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The profile's values of one subject (ISO dates; empty meaning "not given").
pub type Values = Vec<(ProfileField, String)>;

/// What the profile takes from a document: its values per field. A value the document does not
/// carry (a passport entered without its issuer) is empty.
pub fn values_of(
    subject: Subject,
    number: &str,
    issued_on: Option<&str>,
    issuer: Option<&str>,
    division_code: Option<&str>,
) -> Values {
    match subject {
        Subject::Passport => {
            let d = digits(number);
            let (series, number) = if d.len() == 10 {
                (d[..4].to_owned(), d[4..].to_owned())
            } else {
                (String::new(), d)
            };
            vec![
                (ProfileField::PassportSeries, series),
                (ProfileField::PassportNumber, number),
                (
                    ProfileField::PassportIssuedOn,
                    issued_on.unwrap_or_default().to_owned(),
                ),
                (
                    ProfileField::PassportIssuer,
                    issuer.unwrap_or_default().trim().to_owned(),
                ),
                (
                    ProfileField::PassportDivisionCode,
                    division_code.unwrap_or_default().to_owned(),
                ),
            ]
        }
        Subject::Snils => vec![(ProfileField::Snils, digits(number))],
        Subject::Inn => vec![(ProfileField::Inn, digits(number))],
    }
}

/// How the profile stands to one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Agreement {
    /// The profile holds this document's data.
    Same,
    /// The profile has none of this subject: it can be filled from the document.
    ProfileEmpty,
    /// The profile holds other data: these fields differ.
    Differs(Vec<ProfileField>),
}

/// Compares the profile's values of a subject with a document's. A field the document does not
/// carry (empty) is not a difference: the profile may know more than the document.
pub fn compare(profile: &Values, document: &Values) -> Agreement {
    let given = |field: ProfileField| {
        profile
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.trim().is_empty())
    };
    if document.iter().all(|(f, _)| given(*f).is_none()) {
        return Agreement::ProfileEmpty;
    }
    let differs: Vec<ProfileField> = document
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .filter(|(f, v)| !given(*f).is_some_and(|p| f.same(p, v)))
        .map(|(f, _)| *f)
        .collect();
    if differs.is_empty() {
        Agreement::Same
    } else {
        Agreement::Differs(differs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passport_doc() -> Values {
        values_of(
            Subject::Passport,
            "45 20 123456",
            Some("2020-03-12"),
            Some("ГУ МВД России по г. Москве"),
            Some("770-001"),
        )
    }

    fn profile_passport(series: &str, number: &str, issuer: &str) -> Values {
        vec![
            (ProfileField::PassportSeries, series.into()),
            (ProfileField::PassportNumber, number.into()),
            (ProfileField::PassportIssuedOn, "2020-03-12".into()),
            (ProfileField::PassportIssuer, issuer.into()),
            (ProfileField::PassportDivisionCode, "770-001".into()),
        ]
    }

    #[test]
    fn the_passport_number_splits_into_series_and_number() {
        let v = passport_doc();
        assert_eq!(v[0], (ProfileField::PassportSeries, "4520".into()));
        assert_eq!(v[1], (ProfileField::PassportNumber, "123456".into()));
    }

    #[test]
    fn an_empty_profile_can_be_filled() {
        let empty: Values = Subject::Passport
            .fields()
            .iter()
            .map(|f| (*f, String::new()))
            .collect();
        assert_eq!(compare(&empty, &passport_doc()), Agreement::ProfileEmpty);
        assert_eq!(
            compare(&Vec::new(), &passport_doc()),
            Agreement::ProfileEmpty
        );
    }

    #[test]
    fn spellings_of_one_value_agree() {
        let profile = profile_passport("45 20", "123456", "гу мвд  россии по г. москве");
        assert_eq!(compare(&profile, &passport_doc()), Agreement::Same);
        let snils = vec![(ProfileField::Snils, "11223344595".to_owned())];
        let doc = values_of(Subject::Snils, "112-233-445 95", None, None, None);
        assert_eq!(compare(&snils, &doc), Agreement::Same);
    }

    #[test]
    fn a_new_passport_differs_in_the_fields_that_changed() {
        let profile = profile_passport("4519", "654321", "ГУ МВД России по г. Москве");
        assert_eq!(
            compare(&profile, &passport_doc()),
            Agreement::Differs(vec![
                ProfileField::PassportSeries,
                ProfileField::PassportNumber
            ])
        );
    }

    #[test]
    fn what_the_document_does_not_carry_is_no_difference() {
        let doc = values_of(
            Subject::Passport,
            "45 20 123456",
            Some("2020-03-12"),
            None,
            Some("770-001"),
        );
        let profile = profile_passport("4520", "123456", "ОВД Тверского района");
        assert_eq!(compare(&profile, &doc), Agreement::Same);
    }

    #[test]
    fn subjects_and_schemas_map_both_ways() {
        for s in Subject::ALL {
            assert_eq!(Subject::of(s.schema()), Some(s));
        }
        assert_eq!(Subject::of(Schema::DrivingLicence), None);
    }
}
