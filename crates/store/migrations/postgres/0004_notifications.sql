-- Notifications: the in-cabinet inbox, each user's choice of channels per category, the record of
-- every delivery, and the planned deadline reminders. Keep sqlite/0004 and postgres/0004 in step.

CREATE TABLE notifications (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    category    TEXT NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    link        TEXT,
    -- What caused it ("reminder:<id>"): one notification per cause, however often it is offered.
    dedupe_key  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    read_at     BIGINT,
    archived_at BIGINT,
    UNIQUE (user_id, dedupe_key)
);
CREATE INDEX notifications_user ON notifications (user_id, created_at);

-- Only the user's departures from the defaults are stored.
CREATE TABLE notification_settings (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    category   TEXT NOT NULL,
    channel    TEXT NOT NULL,
    enabled    BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, category, channel)
);

CREATE TABLE deliveries (
    id              TEXT PRIMARY KEY,
    notification_id TEXT NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL,
    channel         TEXT NOT NULL,
    -- Masked: "+7 912 ***-**-89", "a***@example.ru".
    address         TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    error           TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    UNIQUE (notification_id, channel)
);
CREATE INDEX deliveries_user ON deliveries (user_id, created_at);

-- One row per (document, offset, deadline): sent once, never twice. The sweep reads the partial
-- index of pending rows by due time, so its cost follows the due rows, not all documents.
CREATE TABLE reminders (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    document_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    offset_days BIGINT NOT NULL,
    deadline    TEXT NOT NULL,
    due_at      BIGINT NOT NULL,
    state       TEXT NOT NULL,
    sent_at     BIGINT,
    UNIQUE (document_id, offset_days, deadline)
);
CREATE INDEX reminders_due ON reminders (due_at) WHERE state = 'pending';

-- A private calendar feed of the user's deadlines: the secret in its address is kept as SHA-256.
CREATE TABLE calendar_feeds (
    user_id    TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
