-- Web push subscriptions: one per browser (device) a person allowed notifications in. The
-- endpoint is the push service's address for that browser; p256dh and auth are the browser's
-- public key and secret for encrypting messages (base64url). Keep sqlite/0011 and postgres/0011
-- in step.
CREATE TABLE push_subscriptions (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    endpoint        TEXT NOT NULL UNIQUE,
    p256dh          TEXT NOT NULL,
    auth            TEXT NOT NULL,
    device          TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    last_success_at BIGINT
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id, created_at);
