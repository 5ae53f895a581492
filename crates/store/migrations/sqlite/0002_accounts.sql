-- Accounts: profile data, lockout, pending registrations, one-time codes, consents, sign-in
-- history, API tokens, recovery requests and the outbox of the sandbox channels.
-- Keep in step with postgres/0002.

ALTER TABLE users ADD COLUMN birth_date TEXT;
ALTER TABLE users ADD COLUMN sex TEXT;
ALTER TABLE users ADD COLUMN place_of_birth TEXT;
ALTER TABLE users ADD COLUMN snils TEXT;
ALTER TABLE users ADD COLUMN inn TEXT;
ALTER TABLE users ADD COLUMN passport TEXT;
ALTER TABLE users ADD COLUMN registration_address TEXT;
ALTER TABLE users ADD COLUMN actual_address TEXT;
ALTER TABLE users ADD COLUMN key_data_changed_at BIGINT;
ALTER TABLE users ADD COLUMN failed_logins BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN lockouts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until BIGINT;
CREATE UNIQUE INDEX users_snils ON users (snils);

CREATE TABLE registrations (
    id            TEXT PRIMARY KEY,
    surname       TEXT NOT NULL,
    given_name    TEXT NOT NULL,
    patronymic    TEXT,
    phone         TEXT NOT NULL,
    email         TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    consents      TEXT NOT NULL,
    conflict      BIGINT NOT NULL DEFAULT 0,
    user_id       TEXT,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL
);
CREATE INDEX registrations_expires ON registrations (expires_at);

CREATE TABLE verification_codes (
    id           TEXT PRIMARY KEY,
    purpose      TEXT NOT NULL,
    subject      TEXT NOT NULL,
    channel      TEXT NOT NULL,
    destination  TEXT NOT NULL,
    code_hash    TEXT NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    inert        BIGINT NOT NULL DEFAULT 0,
    sent_at      BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    consumed_at  BIGINT
);
CREATE INDEX verification_codes_subject ON verification_codes (subject, purpose, sent_at);

CREATE TABLE consents (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    document     TEXT NOT NULL,
    version      TEXT NOT NULL,
    given_at     BIGINT NOT NULL,
    withdrawn_at BIGINT
);
CREATE INDEX consents_user ON consents (user_id);

CREATE TABLE login_events (
    id         TEXT PRIMARY KEY,
    user_id    TEXT REFERENCES users (id) ON DELETE CASCADE,
    at         BIGINT NOT NULL,
    method     TEXT NOT NULL,
    result     TEXT NOT NULL,
    ip         TEXT,
    user_agent TEXT,
    device     TEXT,
    browser    TEXT,
    location   TEXT
);
CREATE INDEX login_events_user ON login_events (user_id, at);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    expires_at   BIGINT NOT NULL,
    revoked_at   BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE recovery_requests (
    id           TEXT PRIMARY KEY,
    status       TEXT NOT NULL,
    surname      TEXT NOT NULL,
    given_name   TEXT NOT NULL,
    patronymic   TEXT,
    birth_date   TEXT NOT NULL,
    passport     TEXT NOT NULL,
    snils        TEXT NOT NULL,
    contact      TEXT NOT NULL,
    user_id      TEXT,
    created_at   BIGINT NOT NULL,
    reviewed_by  TEXT,
    reviewed_at  BIGINT
);
CREATE INDEX recovery_requests_status ON recovery_requests (status, created_at);

-- Messages of the sandbox channels (SMS, and e-mail when no SMTP server is configured).
CREATE TABLE outbox (
    id         TEXT PRIMARY KEY,
    channel    TEXT NOT NULL,
    recipient  TEXT NOT NULL,
    subject    TEXT,
    body       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX outbox_created ON outbox (created_at);
