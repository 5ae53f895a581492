-- Passkeys (WebAuthn). Keep sqlite/0008 and postgres/0008 in step.

-- A person's passkeys. `credential` is webauthn-rs's JSON of the credential: the public key,
-- its algorithm and the signature counter (nothing secret). credential_id is base64url.
CREATE TABLE passkeys (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    credential    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT
);
CREATE INDEX passkeys_user ON passkeys (user_id, created_at);

-- A ceremony between its two requests (options sent, the authenticator's answer awaited): the
-- challenge state, so that any node can finish it, used once. user_id is NULL for a sign-in
-- that does not yet know who is signing in.
CREATE TABLE webauthn_ceremonies (
    id         TEXT PRIMARY KEY,
    purpose    TEXT NOT NULL,
    user_id    TEXT REFERENCES users (id) ON DELETE CASCADE,
    state      TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX webauthn_ceremonies_expires ON webauthn_ceremonies (expires_at);
