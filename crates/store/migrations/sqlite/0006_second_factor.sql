-- Second factors and fresh confirmation. Keep sqlite/0006 and postgres/0006 in step.

-- The authenticator-app secret, sealed (AES-256-GCM) under a key derived from the master key.
-- confirmed_at stays NULL until the person proves the app shows the right codes; last_step is
-- the TOTP step of the last accepted code, so that a code is never accepted twice.
CREATE TABLE totp_secrets (
    user_id       TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_sealed TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    confirmed_at  BIGINT,
    last_step     BIGINT NOT NULL DEFAULT 0
);

-- One-time recovery codes, shown once, stored as a keyed hash.
CREATE TABLE recovery_codes (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    used_at    BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

-- 'totp' or 'sms' when signing in asks for a second factor; NULL: the first factor alone.
ALTER TABLE users ADD COLUMN second_factor TEXT;

-- A sign-in half done: the first factor passed, the second awaited. The browser holds the
-- token; the table holds its SHA-256.
CREATE TABLE signin_challenges (
    id           TEXT PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    first_factor TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    failures     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX signin_challenges_expires ON signin_challenges (expires_at);

-- When the person last proved who they are in this session (signing in counts); security
-- changes ask again when this is older than a few minutes.
ALTER TABLE sessions ADD COLUMN confirmed_at BIGINT;

-- Devices a person has signed in from (a long-lived random cookie, stored hashed), so that a
-- sign-in from a new one is announced.
CREATE TABLE known_devices (
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_hash  TEXT NOT NULL,
    label        TEXT NOT NULL,
    first_seen   BIGINT NOT NULL,
    last_seen    BIGINT NOT NULL,
    PRIMARY KEY (user_id, device_hash)
);
