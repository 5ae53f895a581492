-- Applications to agencies: drafts and submitted applications, their immutable versions (the
-- submission and each correction), the journal, and the files they reference. Keep in step with
-- postgres/0018.

CREATE TABLE applications (
    id                 TEXT PRIMARY KEY,
    -- ten digits with a Damm check digit; NULL while a draft
    number             TEXT UNIQUE,
    owner_id           TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    service_code       TEXT NOT NULL REFERENCES services (code),
    agency_code        TEXT NOT NULL REFERENCES agencies (code),
    form_version       BIGINT NOT NULL,
    -- draft | accepted | in_review | awaiting_citizen | done | rejected | withdrawn
    status             TEXT NOT NULL,
    -- the current answers as a JSON object of name → text; a draft's as typed
    answers            TEXT NOT NULL,
    -- the names whose answers came from the profile or documents (JSON array)
    prefilled          TEXT NOT NULL,
    submitted_at       BIGINT,
    -- the last day of the service's term, YYYY-MM-DD
    due_on             TEXT,
    -- the officer who took it
    assignee_id        TEXT,
    result_document_id TEXT,
    -- a refusal's reason, or what the agency said with the result
    outcome_note       TEXT,
    -- a draft is removed then, with a reminder a week before
    expires_at         BIGINT,
    expiry_warned      BIGINT NOT NULL DEFAULT 0,
    version            BIGINT NOT NULL DEFAULT 1,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX applications_owner ON applications (owner_id, updated_at);
CREATE INDEX applications_queue ON applications (agency_code, status, due_on, id);
CREATE INDEX applications_drafts ON applications (status, expires_at);

-- What was submitted, never changed: the submission is version 1, each correction the next.
-- `canonical` is the answers and the files' SHA-256 as sorted JSON; `digest` its SHA-256,
-- which the audit record of the submission carries.
CREATE TABLE application_versions (
    application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    version        BIGINT NOT NULL,
    canonical      TEXT NOT NULL,
    digest         TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    PRIMARY KEY (application_id, version)
);

-- The journal. `comment` is public; `internal_note` is the agency's own and no query of the
-- citizen's side selects it.
CREATE TABLE application_events (
    id             TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    at             BIGINT NOT NULL,
    kind           TEXT NOT NULL,
    status         TEXT NOT NULL,
    party          TEXT NOT NULL,
    actor_id       TEXT,
    agency_code    TEXT,
    comment        TEXT,
    internal_note  TEXT
);
CREATE INDEX application_events_by_application ON application_events (application_id, at);

-- The files of a submitted version: a reference to a document's file version, never a copy;
-- the SHA-256 is the one the submission's digest covers.
CREATE TABLE application_files (
    application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    version        BIGINT NOT NULL,
    field          TEXT NOT NULL,
    file_id        TEXT NOT NULL,
    document_id    TEXT NOT NULL,
    name           TEXT NOT NULL,
    content_type   TEXT NOT NULL,
    size           BIGINT NOT NULL,
    sha256         TEXT NOT NULL,
    PRIMARY KEY (application_id, version, field, file_id)
);
CREATE INDEX application_files_by_file ON application_files (file_id);
