-- The days before a deadline a person wants reminders at, per document kind ('*': every kind
-- without its own choice). No row: the defaults (90, 30, 7, 1). Keep sqlite/0010 and
-- postgres/0010 in step.
CREATE TABLE reminder_days (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind_code  TEXT NOT NULL,
    days       TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, kind_code)
);
