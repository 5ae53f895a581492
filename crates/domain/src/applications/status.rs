//! The life of an application as a state machine: every allowed move is one row of
//! [`TRANSITIONS`] — from which status, on which event, by which side, to which status — and
//! anything else is refused. Черновик → Принято → На рассмотрении ⇄ Ожидает уточнения →
//! Готово | Отклонено; Отозвано by the citizen while the application is not final.

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// Черновик: being filled in, seen by the citizen only.
    Draft,
    /// Принято: submitted and registered, not yet taken by the agency.
    Accepted,
    /// На рассмотрении: an officer (or the agency's system) works on it.
    InReview,
    /// Ожидает уточнения: the agency asked the citizen for something.
    AwaitingCitizen,
    /// Готово: done, with its result.
    Done,
    /// Отклонено: refused, with the reason.
    Rejected,
    /// Отозвано: the citizen withdrew it.
    Withdrawn,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Draft,
        Status::Accepted,
        Status::InReview,
        Status::AwaitingCitizen,
        Status::Done,
        Status::Rejected,
        Status::Withdrawn,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Accepted => "accepted",
            Status::InReview => "in_review",
            Status::AwaitingCitizen => "awaiting_citizen",
            Status::Done => "done",
            Status::Rejected => "rejected",
            Status::Withdrawn => "withdrawn",
        }
    }

    pub fn from_code(code: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Russian and English names, as the citizen and the officer see them.
    pub fn words(self) -> (&'static str, &'static str) {
        match self {
            Status::Draft => ("Черновик", "Draft"),
            Status::Accepted => ("Принято", "Accepted"),
            Status::InReview => ("На рассмотрении", "In review"),
            Status::AwaitingCitizen => ("Ожидает уточнения", "Waiting for you"),
            Status::Done => ("Готово", "Done"),
            Status::Rejected => ("Отклонено", "Rejected"),
            Status::Withdrawn => ("Отозвано", "Withdrawn"),
        }
    }

    /// Nothing moves it any more.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Done | Status::Rejected | Status::Withdrawn)
    }

    /// The citizen is the one to act (the home page lists these).
    pub fn waits_for_citizen(self) -> bool {
        matches!(self, Status::Draft | Status::AwaitingCitizen)
    }
}

/// What happens to an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event {
    /// The citizen submits the draft (after «Проверьте ответы» and the simple signature).
    Submit,
    /// An officer takes it from the queue (or the agency's system does).
    Take,
    /// The agency asks for a document or a correction.
    AskCitizen,
    /// The citizen answers, or corrects the answers (a new version).
    Answer,
    /// The agency completes it with its result.
    Complete,
    /// The agency refuses it, with the reason.
    Reject,
    /// The citizen withdraws it.
    Withdraw,
}

/// Who acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Party {
    Citizen,
    /// An officer of the agency that handles the service, or the agency's system by its key.
    Agency,
}

/// Every allowed move: (from, event, by, to).
pub const TRANSITIONS: &[(Status, Event, Party, Status)] = &[
    (
        Status::Draft,
        Event::Submit,
        Party::Citizen,
        Status::Accepted,
    ),
    (
        Status::Accepted,
        Event::Take,
        Party::Agency,
        Status::InReview,
    ),
    (
        Status::InReview,
        Event::AskCitizen,
        Party::Agency,
        Status::AwaitingCitizen,
    ),
    (
        Status::AwaitingCitizen,
        Event::Answer,
        Party::Citizen,
        Status::InReview,
    ),
    (
        Status::InReview,
        Event::Complete,
        Party::Agency,
        Status::Done,
    ),
    (
        Status::InReview,
        Event::Reject,
        Party::Agency,
        Status::Rejected,
    ),
    // A citizen who never answers: the agency may refuse after asking.
    (
        Status::AwaitingCitizen,
        Event::Reject,
        Party::Agency,
        Status::Rejected,
    ),
    (
        Status::Accepted,
        Event::Withdraw,
        Party::Citizen,
        Status::Withdrawn,
    ),
    (
        Status::InReview,
        Event::Withdraw,
        Party::Citizen,
        Status::Withdrawn,
    ),
    (
        Status::AwaitingCitizen,
        Event::Withdraw,
        Party::Citizen,
        Status::Withdrawn,
    ),
];

/// Why a move is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The application is done, rejected or withdrawn.
    Final,
    /// The move exists from this status, but the other side makes it.
    NotYours,
    /// Not from this status.
    NotNow,
}

/// The status after `event` by `party`, or why not.
pub fn next(from: Status, event: Event, party: Party) -> Result<Status, Refusal> {
    if let Some((_, _, _, to)) = TRANSITIONS
        .iter()
        .find(|(f, e, p, _)| *f == from && *e == event && *p == party)
    {
        return Ok(*to);
    }
    if from.is_final() {
        Err(Refusal::Final)
    } else if TRANSITIONS
        .iter()
        .any(|(f, e, _, _)| *f == from && *e == event)
    {
        Err(Refusal::NotYours)
    } else {
        Err(Refusal::NotNow)
    }
}

/// What `party` may do now (the buttons a page offers).
pub fn allowed(from: Status, party: Party) -> Vec<Event> {
    TRANSITIONS
        .iter()
        .filter(|(f, _, p, _)| *f == from && *p == party)
        .map(|(_, e, _, _)| *e)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENTS: [Event; 7] = [
        Event::Submit,
        Event::Take,
        Event::AskCitizen,
        Event::Answer,
        Event::Complete,
        Event::Reject,
        Event::Withdraw,
    ];

    #[test]
    fn the_journey_of_the_issue_goes_through() {
        let mut s = Status::Draft;
        for (event, party) in [
            (Event::Submit, Party::Citizen),
            (Event::Take, Party::Agency),
            (Event::AskCitizen, Party::Agency),
            (Event::Answer, Party::Citizen),
            (Event::Complete, Party::Agency),
        ] {
            s = next(s, event, party).expect("allowed");
        }
        assert_eq!(s, Status::Done);
    }

    #[test]
    fn nothing_moves_a_final_application() {
        for from in Status::ALL.into_iter().filter(|s| s.is_final()) {
            for event in EVENTS {
                for party in [Party::Citizen, Party::Agency] {
                    assert_eq!(
                        next(from, event, party),
                        Err(Refusal::Final),
                        "{from:?} {event:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn each_side_makes_only_its_own_moves() {
        assert_eq!(
            next(Status::InReview, Event::Complete, Party::Citizen),
            Err(Refusal::NotYours)
        );
        assert_eq!(
            next(Status::Accepted, Event::Withdraw, Party::Agency),
            Err(Refusal::NotYours)
        );
        assert_eq!(
            next(Status::Draft, Event::Complete, Party::Agency),
            Err(Refusal::NotNow),
            "a draft is not the agency's"
        );
        assert_eq!(
            next(Status::Accepted, Event::Complete, Party::Agency),
            Err(Refusal::NotNow),
            "taken first"
        );
    }

    #[test]
    fn the_table_is_a_function_and_every_status_but_draft_is_reachable() {
        for (i, a) in TRANSITIONS.iter().enumerate() {
            for b in &TRANSITIONS[i + 1..] {
                assert!(
                    !(a.0 == b.0 && a.1 == b.1 && a.2 == b.2),
                    "two rows for {a:?}"
                );
            }
        }
        for s in Status::ALL.into_iter().filter(|s| *s != Status::Draft) {
            assert!(TRANSITIONS.iter().any(|t| t.3 == s), "{s:?} unreachable");
        }
        for s in Status::ALL {
            assert_eq!(Status::from_code(s.code()), Some(s));
        }
    }

    #[test]
    fn the_citizen_may_withdraw_until_it_is_final_and_the_page_offers_it() {
        for s in [Status::Accepted, Status::InReview, Status::AwaitingCitizen] {
            assert!(
                allowed(s, Party::Citizen).contains(&Event::Withdraw),
                "{s:?}"
            );
        }
        assert_eq!(allowed(Status::Done, Party::Citizen), []);
        assert_eq!(allowed(Status::Draft, Party::Citizen), [Event::Submit]);
    }
}
