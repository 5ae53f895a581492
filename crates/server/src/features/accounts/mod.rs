//! Accounts. This foundation has only what the command line needs (password hashing,
//! creating operator and demo accounts); registration and sign-in come with the accounts issue.

pub mod password;
pub mod provision;
