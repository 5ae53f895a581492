//! Documents: the kinds of the catalogue, their fields and formats, and the validity rules from
//! which the registry computes statuses.

pub mod fields;
pub mod kinds;
pub mod profile_link;
pub mod validity;

pub use fields::{FieldError, FieldType, parse_date};
pub use kinds::{Autofill, FieldRole, FieldSpec, KindSettings, Schema};
pub use validity::{
    Assessment, Facts, ReplacementReason, Status, Validity, ValidityError, ValidityRule, assess,
    days_between,
};
