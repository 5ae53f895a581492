-- Foundation: accounts (minimal, extended by the accounts migration), sessions, the job queue and
-- the audit log. Times are BIGINT microseconds since the Unix epoch (UTC); civil dates are TEXT
-- 'YYYY-MM-DD'. Identifiers are TEXT (time-ordered UUIDs). Keep in step with sqlite/0001.

CREATE TABLE users (
    id                TEXT PRIMARY KEY,
    role              TEXT NOT NULL,
    surname           TEXT NOT NULL,
    given_name        TEXT NOT NULL,
    patronymic        TEXT,
    phone             TEXT UNIQUE,
    email             TEXT UNIQUE,
    password_hash     TEXT,
    phone_verified_at BIGINT,
    email_verified_at BIGINT,
    identity_level    TEXT NOT NULL DEFAULT 'simplified',
    locale            TEXT NOT NULL DEFAULT 'ru',
    time_zone         TEXT NOT NULL DEFAULT 'Europe/Moscow',
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);

CREATE TABLE sessions (
    id                TEXT PRIMARY KEY,
    token_hash        TEXT NOT NULL UNIQUE,
    user_id           TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at        BIGINT NOT NULL,
    last_seen_at      BIGINT NOT NULL,
    expires_at        BIGINT NOT NULL,
    idle_timeout_secs BIGINT NOT NULL,
    ip                TEXT,
    user_agent        TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE jobs (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    unique_key   TEXT UNIQUE,
    state        TEXT NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    run_at       BIGINT NOT NULL,
    locked_by    TEXT,
    locked_until BIGINT,
    last_error   TEXT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX jobs_pending ON jobs (state, run_at);
CREATE INDEX jobs_leased ON jobs (state, locked_until);

-- One row per shard holds the head of that shard's hash chain; appending locks it.
CREATE TABLE audit_heads (
    shard     BIGINT PRIMARY KEY,
    last_seq  BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);

-- The sixteen shards of the audit chain start at the genesis hash.
INSERT INTO audit_heads (shard, last_seq, last_hash) VALUES
    (0, 0, '0000000000000000000000000000000000000000000000000000000000000000'),
    (1, 0, '0000000000000000000000000000000000000000000000000000000000000000'),
    (2, 0, '0000000000000000000000000000000000000000000000000000000000000000'),
    (3, 0, '0000000000000000000000000000000000000000000000000000000000000000'),
    (4, 0, '0000000000000000000000000000000000000000000000000000000000000000'),
    (5, 0, '0000000000000000000000000000000000000000000000000000000000000000'),
    (6, 0, '0000000000000000000000000000000000000000000000000000000000000000'),
    (7, 0, '0000000000000000000000000000000000000000000000000000000000000000'),
    (8, 0, '0000000000000000000000000000000000000000000000000000000000000000'),
    (9, 0, '0000000000000000000000000000000000000000000000000000000000000000'),
    (10, 0, '0000000000000000000000000000000000000000000000000000000000000000'),
    (11, 0, '0000000000000000000000000000000000000000000000000000000000000000'),
    (12, 0, '0000000000000000000000000000000000000000000000000000000000000000'),
    (13, 0, '0000000000000000000000000000000000000000000000000000000000000000'),
    (14, 0, '0000000000000000000000000000000000000000000000000000000000000000'),
    (15, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_log (
    shard       BIGINT NOT NULL,
    seq         BIGINT NOT NULL,
    at          BIGINT NOT NULL,
    actor_kind  TEXT NOT NULL,
    actor_id    TEXT,
    action      TEXT NOT NULL,
    object_kind TEXT,
    object_id   TEXT,
    subject_id  TEXT,
    ip          TEXT,
    session_id  TEXT,
    outcome     TEXT NOT NULL,
    details     TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL,
    PRIMARY KEY (shard, seq)
);
CREATE INDEX audit_subject ON audit_log (subject_id, at);
CREATE INDEX audit_at ON audit_log (at);

-- The audit log is append-only: no update, no delete (TRUNCATE included).
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
