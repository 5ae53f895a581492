-- Corrections and templates. While the agency waits for the citizen, `correction` holds the
-- answers being corrected (the submitted ones stay in `answers` and in the versions until the
-- corrected ones are signed). A template is a citizen's named copy of a service's answers.
-- Keep in step with sqlite/0021.

ALTER TABLE applications ADD COLUMN correction TEXT;

CREATE TABLE application_templates (
    id           TEXT PRIMARY KEY,
    owner_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    service_code TEXT NOT NULL REFERENCES services (code),
    name         TEXT NOT NULL,
    -- JSON object of name → text, in the form's normal form
    answers      TEXT NOT NULL,
    form_version BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    UNIQUE (owner_id, name)
);
CREATE INDEX application_templates_owner ON application_templates (owner_id, service_code);
