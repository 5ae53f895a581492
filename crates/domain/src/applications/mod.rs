//! Applications to agencies (заявления): their statuses and who may move them, and the number a
//! citizen reads out on the phone. The catalogue, forms and the officer's queue build on these.

pub mod catalogue;
pub mod form;
pub mod number;
pub mod status;

pub use form::{Form, Kind, Problem};
pub use number::{ApplicationNumber, NumberProblem};
pub use status::{Event, Party, Refusal, Status};
