-- The agencies' side of applications: which officers work for which agency, and the messages
-- between the agency and the citizen. Keep in step with sqlite/0019.

CREATE TABLE agency_members (
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    agency_code TEXT NOT NULL REFERENCES agencies (code),
    added_at    BIGINT NOT NULL,
    PRIMARY KEY (user_id, agency_code)
);
CREATE INDEX agency_members_by_agency ON agency_members (agency_code);

-- Messages on an application's page; each notifies the other side. Files of a message are
-- rows of application_files whose field is `message:<id>`.
CREATE TABLE application_messages (
    id             TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    at             BIGINT NOT NULL,
    -- citizen | agency
    party          TEXT NOT NULL,
    author_id      TEXT,
    body           TEXT NOT NULL
);
CREATE INDEX application_messages_by_application ON application_messages (application_id, at);

-- The officer's queue: an agency's applications by status, the earliest due first.
CREATE INDEX applications_assignee ON applications (assignee_id, status, due_on, id);
