//! The catalogue of document kinds. Each built-in kind has a *schema* (its number format and the
//! fields it asks for, which live in code) and *settings* (names, validity rule, lead time, file
//! size limit, renewal instructions), which are data: seeded from [`defaults`] at first start and
//! editable by an operator afterwards, so that a changed law does not need a release.

use jiff::civil::date;
use serde::Serialize;

use super::fields::FieldType;
use super::validity::{Extension, TermVariant, ValidityRule};

/// Where a field's value can be taken from the profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Autofill {
    Surname,
    GivenName,
    Patronymic,
    BirthDate,
    Sex,
    PlaceOfBirth,
    Snils,
    Inn,
    RegistrationAddress,
}

/// The role a field plays in the rules (beyond being stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldRole {
    Plain,
    /// The holder's date of birth: the age-based rule counts from it.
    HolderBirthDate,
    /// Selects the term variant of the rule (foreign passport type).
    Variant,
}

#[derive(Debug, Clone, Serialize)]
pub struct FieldSpec {
    pub key: &'static str,
    pub label_ru: &'static str,
    pub label_en: &'static str,
    pub ty: FieldType,
    pub required: bool,
    pub autofill: Option<Autofill>,
    pub role: FieldRole,
    /// For [`FieldType::Choice`]: value, Russian label, English label.
    pub options: &'static [(&'static str, &'static str, &'static str)],
}

impl FieldSpec {
    pub fn option_values(&self) -> Vec<&'static str> {
        self.options.iter().map(|(v, _, _)| *v).collect()
    }
}

const fn field(
    key: &'static str,
    label_ru: &'static str,
    label_en: &'static str,
    ty: FieldType,
    required: bool,
    autofill: Option<Autofill>,
) -> FieldSpec {
    FieldSpec {
        key,
        label_ru,
        label_en,
        ty,
        required,
        autofill,
        role: FieldRole::Plain,
        options: &[],
    }
}

const SURNAME: FieldSpec = field(
    "surname",
    "Фамилия",
    "Surname",
    FieldType::Text,
    true,
    Some(Autofill::Surname),
);
const GIVEN_NAME: FieldSpec = field(
    "given_name",
    "Имя",
    "Given name",
    FieldType::Text,
    true,
    Some(Autofill::GivenName),
);
const PATRONYMIC: FieldSpec = field(
    "patronymic",
    "Отчество",
    "Patronymic",
    FieldType::Text,
    false,
    Some(Autofill::Patronymic),
);
const BIRTH_DATE: FieldSpec = FieldSpec {
    role: FieldRole::HolderBirthDate,
    ..field(
        "birth_date",
        "Дата рождения",
        "Date of birth",
        FieldType::Date,
        true,
        Some(Autofill::BirthDate),
    )
};

/// The built-in schemas, by code. Operator-made kinds use [`Schema::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Schema {
    PassportRf,
    ForeignPassport,
    DrivingLicence,
    Snils,
    Inn,
    OmsPolicy,
    BirthCertificate,
    MarriageCertificate,
    VehicleRegistration,
    Osago,
    MilitaryId,
    DriverMedical,
    StayRegistration,
    Other,
}

impl Schema {
    pub const ALL: [Schema; 14] = [
        Schema::PassportRf,
        Schema::ForeignPassport,
        Schema::DrivingLicence,
        Schema::Snils,
        Schema::Inn,
        Schema::OmsPolicy,
        Schema::BirthCertificate,
        Schema::MarriageCertificate,
        Schema::VehicleRegistration,
        Schema::Osago,
        Schema::MilitaryId,
        Schema::DriverMedical,
        Schema::StayRegistration,
        Schema::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Schema::PassportRf => "passport_rf",
            Schema::ForeignPassport => "foreign_passport",
            Schema::DrivingLicence => "driving_licence",
            Schema::Snils => "snils",
            Schema::Inn => "inn",
            Schema::OmsPolicy => "oms_policy",
            Schema::BirthCertificate => "birth_certificate",
            Schema::MarriageCertificate => "marriage_certificate",
            Schema::VehicleRegistration => "vehicle_registration",
            Schema::Osago => "osago",
            Schema::MilitaryId => "military_id",
            Schema::DriverMedical => "driver_medical",
            Schema::StayRegistration => "stay_registration",
            Schema::Other => "other",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The format of the document's main number (`None`: free text).
    pub fn number_format(self) -> Option<FieldType> {
        Some(match self {
            Schema::PassportRf => FieldType::PassportRf,
            Schema::ForeignPassport => FieldType::ForeignPassport,
            Schema::DrivingLicence => FieldType::DrivingLicence,
            Schema::Snils => FieldType::Snils,
            Schema::Inn => FieldType::Inn,
            Schema::OmsPolicy => FieldType::OmsPolicy,
            Schema::BirthCertificate | Schema::MarriageCertificate => FieldType::CivilCertificate,
            Schema::VehicleRegistration => FieldType::VehicleCertificate,
            Schema::Osago => FieldType::OsagoPolicy,
            Schema::MilitaryId => FieldType::MilitaryId,
            _ => return None,
        })
    }

    /// Whether the number is required (every official document has one; the user's own may not).
    pub fn number_required(self) -> bool {
        !matches!(self, Schema::Other | Schema::StayRegistration)
    }

    /// Whether the number can be taken from the profile.
    pub fn number_autofill(self) -> Option<Autofill> {
        match self {
            Schema::Snils => Some(Autofill::Snils),
            Schema::Inn => Some(Autofill::Inn),
            _ => None,
        }
    }

    /// Documents that prove who the holder is: the typed name and date of birth must match the
    /// profile, and a change of those in the profile after issue calls for a new document.
    pub fn is_identity(self) -> bool {
        matches!(
            self,
            Schema::PassportRf | Schema::ForeignPassport | Schema::DrivingLicence | Schema::Snils
        )
    }

    /// A person holds one valid document of this kind at a time: adding a new one offers to
    /// archive the old one.
    pub fn single_active(self) -> bool {
        matches!(
            self,
            Schema::PassportRf
                | Schema::DrivingLicence
                | Schema::Snils
                | Schema::Inn
                | Schema::OmsPolicy
                | Schema::MilitaryId
        )
    }

    pub fn fields(self) -> Vec<FieldSpec> {
        match self {
            Schema::PassportRf => vec![
                SURNAME,
                GIVEN_NAME,
                PATRONYMIC,
                BIRTH_DATE,
                field(
                    "division_code",
                    "Код подразделения",
                    "Division code",
                    FieldType::DivisionCode,
                    true,
                    None,
                ),
                field(
                    "place_of_birth",
                    "Место рождения",
                    "Place of birth",
                    FieldType::Text,
                    false,
                    Some(Autofill::PlaceOfBirth),
                ),
            ],
            Schema::ForeignPassport => vec![
                SURNAME,
                GIVEN_NAME,
                BIRTH_DATE,
                FieldSpec {
                    role: FieldRole::Variant,
                    options: &[
                        (
                            "biometric",
                            "Нового образца, с чипом (10 лет)",
                            "Biometric, with a chip (10 years)",
                        ),
                        (
                            "old",
                            "Старого образца, без чипа (5 лет)",
                            "Older type, no chip (5 years)",
                        ),
                    ],
                    ..field(
                        "passport_type",
                        "Тип паспорта",
                        "Passport type",
                        FieldType::Choice,
                        true,
                        None,
                    )
                },
            ],
            Schema::DrivingLicence => vec![
                SURNAME,
                GIVEN_NAME,
                PATRONYMIC,
                BIRTH_DATE,
                field(
                    "categories",
                    "Категории",
                    "Categories",
                    FieldType::Text,
                    false,
                    None,
                ),
            ],
            Schema::Snils => vec![SURNAME, GIVEN_NAME, PATRONYMIC],
            Schema::BirthCertificate => vec![field(
                "person",
                "ФИО ребёнка (владельца)",
                "Full name of the person",
                FieldType::Text,
                true,
                None,
            )],
            Schema::MarriageCertificate => vec![field(
                "spouse",
                "ФИО супруга(и)",
                "Spouse's full name",
                FieldType::Text,
                false,
                None,
            )],
            Schema::VehicleRegistration => vec![
                field(
                    "vehicle",
                    "Марка и модель",
                    "Make and model",
                    FieldType::Text,
                    true,
                    None,
                ),
                field(
                    "plate",
                    "Госномер",
                    "Registration plate",
                    FieldType::Text,
                    true,
                    None,
                ),
                field("vin", "VIN", "VIN", FieldType::Vin, false, None),
            ],
            Schema::Osago => vec![field(
                "plate",
                "Госномер автомобиля",
                "Registration plate",
                FieldType::Text,
                true,
                None,
            )],
            Schema::DriverMedical => vec![field(
                "categories",
                "Категории",
                "Categories",
                FieldType::Text,
                false,
                None,
            )],
            Schema::StayRegistration => vec![field(
                "address",
                "Адрес пребывания",
                "Address of stay",
                FieldType::Text,
                true,
                None,
            )],
            Schema::Inn | Schema::OmsPolicy | Schema::MilitaryId | Schema::Other => vec![],
        }
    }
}

const MB: i64 = 1024 * 1024;

/// A kind's editable settings, as seeded.
#[derive(Debug, Clone, Serialize)]
pub struct KindSettings {
    pub code: String,
    pub schema: Schema,
    pub name_ru: String,
    pub name_en: String,
    pub rule: ValidityRule,
    /// Days before the end when the status becomes "expiring".
    pub lead_days: i16,
    pub max_file_bytes: i64,
    pub renewal_ru: String,
    pub renewal_en: String,
    pub position: i32,
}

fn fixed(years: i16) -> ValidityRule {
    ValidityRule::FixedTerm {
        years,
        months: 0,
        end_offset_days: 0,
        variants: vec![],
        typed_overrides: false,
        extension: None,
    }
}

/// The catalogue as seeded at first start (terms from `../shared/rules/validity.md`).
pub fn defaults() -> Vec<KindSettings> {
    let mut out = Vec::new();
    let mut add = |schema: Schema,
                   name_ru: &str,
                   name_en: &str,
                   rule: ValidityRule,
                   renewal_ru: &str,
                   renewal_en: &str| {
        let max_file_bytes = if schema.is_identity() || schema == Schema::MilitaryId {
            5 * MB
        } else {
            20 * MB
        };
        out.push(KindSettings {
            code: schema.code().to_owned(),
            schema,
            name_ru: name_ru.to_owned(),
            name_en: name_en.to_owned(),
            rule,
            lead_days: 90,
            max_file_bytes,
            renewal_ru: renewal_ru.to_owned(),
            renewal_en: renewal_en.to_owned(),
            position: out.len() as i32 * 10,
        });
    };
    add(
        Schema::PassportRf,
        "Паспорт гражданина РФ",
        "Russian internal passport",
        ValidityRule::AgeBased {
            replace_at: vec![20, 45],
            grace_days: 90,
            issued_from_age: 14,
        },
        "Паспорт меняют по достижении 20 и 45 лет. Заявление подают в МВД (подразделение по вопросам миграции) или МФЦ по месту жительства либо пребывания не позднее 90 дней после дня рождения. Понадобятся: старый паспорт, две фотографии 35×45 мм, квитанция об уплате госпошлины и документы для отметок (свидетельства о браке, о рождении детей, военный билет). Старый паспорт действует до выдачи нового, но не дольше 90 дней после дня рождения.",
        "The passport is replaced on reaching 20 and 45. Apply to the Ministry of Internal Affairs (migration division) or a service centre (МФЦ) no later than 90 days after the birthday, with the old passport, two 35×45 mm photos, the state fee receipt and the documents for the marks (marriage and children's birth certificates, military ID). The old passport stays valid until the new one is issued, but not longer than 90 days after the birthday.",
    );
    add(
        Schema::ForeignPassport,
        "Заграничный паспорт",
        "Foreign travel passport",
        ValidityRule::FixedTerm {
            years: 10,
            months: 0,
            end_offset_days: 0,
            variants: vec![TermVariant {
                variant: "old".into(),
                years: 5,
            }],
            typed_overrides: false,
            extension: None,
        },
        "Новый заграничный паспорт оформляют заранее: заявление подают в МВД или МФЦ, срок изготовления — до одного месяца по месту жительства. Понадобятся: паспорт РФ, старый загранпаспорт, квитанция об уплате госпошлины; для мужчин 18–30 лет — военный билет.",
        "Apply for a new foreign passport in advance, to the Ministry of Internal Affairs or a service centre; it takes up to one month at the place of residence. Bring the internal passport, the old foreign passport and the state fee receipt; men aged 18–30 also the military ID.",
    );
    add(
        Schema::DrivingLicence,
        "Водительское удостоверение",
        "Driving licence",
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
        },
        "Удостоверение меняют в Госавтоинспекции или МФЦ без экзаменов. Понадобятся: паспорт, старое удостоверение, действующее медицинское заключение (форма 003-В/у) и квитанция об уплате госпошлины. Удостоверения, срок которых истёк с 2022 по 2025 год, продлены на 3 года, но только для поездок по России.",
        "The licence is exchanged at the traffic police (Госавтоинспекция) or a service centre, without exams. Bring the passport, the old licence, a valid medical certificate (form 003-В/у) and the state fee receipt. Licences that expired in 2022–2025 are extended by 3 years, inside Russia only.",
    );
    let none_ru = "Документ бессрочный. Если изменились ваши данные (например, фамилия), обновите их в выдавшем ведомстве.";
    let none_en = "The document has no term. If your data changed (a new surname, for example), update it with the issuing authority.";
    add(
        Schema::Snils,
        "СНИЛС",
        "SNILS (insurance number)",
        ValidityRule::Indefinite,
        "СНИЛС присваивается один раз. При смене фамилии или других данных подайте заявление в Социальный фонд России или МФЦ — номер останется прежним.",
        "SNILS is assigned once. When your surname or other data change, apply to the Social Fund of Russia or a service centre: the number stays the same.",
    );
    add(
        Schema::Inn,
        "ИНН",
        "INN (taxpayer number)",
        ValidityRule::Indefinite,
        none_ru,
        none_en,
    );
    add(
        Schema::OmsPolicy,
        "Полис ОМС",
        "Compulsory medical insurance policy (OMS)",
        ValidityRule::Indefinite,
        "Полис единого образца бессрочный для граждан РФ. Для иностранных граждан срок равен сроку разрешения на проживание — укажите его в поле «Действителен до».",
        "A single-format policy has no term for citizens of Russia. For foreign citizens the term is that of their residence permit: type it as the expiry.",
    );
    add(
        Schema::BirthCertificate,
        "Свидетельство о рождении",
        "Birth certificate",
        ValidityRule::Indefinite,
        none_ru,
        none_en,
    );
    add(
        Schema::MarriageCertificate,
        "Свидетельство о браке",
        "Marriage certificate",
        ValidityRule::Indefinite,
        none_ru,
        none_en,
    );
    add(
        Schema::VehicleRegistration,
        "Свидетельство о регистрации ТС (СТС)",
        "Vehicle registration certificate (СТС)",
        ValidityRule::Indefinite,
        "СТС бессрочное; его меняют при смене владельца или регистрационных данных автомобиля в Госавтоинспекции.",
        "The certificate has no term; it is replaced at the traffic police when the owner or the vehicle's registration data change.",
    );
    add(
        Schema::Osago,
        "Полис ОСАГО",
        "OSAGO motor insurance policy",
        ValidityRule::FixedTerm {
            years: 1,
            months: 0,
            end_offset_days: -1,
            variants: vec![],
            typed_overrides: true,
            extension: None,
        },
        "Новый полис ОСАГО оформляют у любой страховой компании (в том числе онлайн) до окончания действующего. Управлять автомобилем без действующего полиса нельзя.",
        "Buy a new OSAGO policy from any insurer (online too) before the current one ends. Driving without a valid policy is not allowed.",
    );
    add(
        Schema::MilitaryId,
        "Военный билет",
        "Military ID",
        ValidityRule::Indefinite,
        none_ru,
        none_en,
    );
    add(
        Schema::DriverMedical,
        "Медицинское заключение водителя (003-В/у)",
        "Driver's medical certificate (003-В/у)",
        fixed(1),
        "Новое заключение выдаёт медицинская организация с лицензией на медицинское освидетельствование водителей после осмотра врачей.",
        "A new certificate is issued by a licensed medical organisation after the doctors' examination.",
    );
    add(
        Schema::StayRegistration,
        "Регистрация по месту пребывания",
        "Registration at the place of stay",
        ValidityRule::Typed,
        "Срок регистрации указан в свидетельстве. Продлить её можно через МВД или МФЦ.",
        "The term is written in the certificate. Extend it through the Ministry of Internal Affairs or a service centre.",
    );
    add(
        Schema::Other,
        "Другой документ",
        "Other document",
        ValidityRule::Typed,
        "Продлите документ у того, кто его выдал (организация, страховая компания, учебное заведение).",
        "Renew it with whoever issued it (an organisation, an insurer, a school).",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_is_seeded_once_with_a_rule_that_parses_back() {
        let kinds = defaults();
        assert_eq!(kinds.len(), Schema::ALL.len());
        for schema in Schema::ALL {
            assert_eq!(kinds.iter().filter(|k| k.schema == schema).count(), 1);
            assert_eq!(Schema::parse(schema.code()), Some(schema));
        }
        for kind in &kinds {
            let json = serde_json::to_string(&kind.rule).unwrap();
            assert_eq!(
                serde_json::from_str::<ValidityRule>(&json).unwrap(),
                kind.rule
            );
            assert!(!kind.renewal_ru.is_empty() && !kind.renewal_en.is_empty());
        }
    }

    #[test]
    fn identity_documents_take_scans_up_to_5_mb_others_20() {
        for kind in defaults() {
            let expected = if matches!(
                kind.schema,
                Schema::PassportRf
                    | Schema::ForeignPassport
                    | Schema::DrivingLicence
                    | Schema::Snils
                    | Schema::MilitaryId
            ) {
                5
            } else {
                20
            };
            assert_eq!(kind.max_file_bytes, expected * MB, "{}", kind.code);
        }
    }

    #[test]
    fn fields_have_unique_keys_and_choices_have_options() {
        for schema in Schema::ALL {
            let fields = schema.fields();
            let mut keys: Vec<_> = fields.iter().map(|f| f.key).collect();
            keys.sort_unstable();
            keys.dedup();
            assert_eq!(keys.len(), fields.len(), "{schema:?}");
            for f in &fields {
                assert_eq!(
                    f.ty == FieldType::Choice,
                    !f.options.is_empty(),
                    "{}",
                    f.key
                );
            }
        }
    }
}
