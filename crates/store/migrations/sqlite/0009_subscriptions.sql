-- Mailings (seed 004, «Подписка на рассылки»). Keep sqlite/0009 and postgres/0009 in step.

-- Who asked for which mailing; paused = 1 keeps the choice but sends nothing.
CREATE TABLE subscriptions (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    topic      TEXT NOT NULL,
    paused     BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, topic)
);
CREATE INDEX subscriptions_topic ON subscriptions (topic, paused, user_id);

-- An issue of a mailing, written by an operator and sent by a job to every active subscriber
-- (each gets it once: the notification's dedupe key is the bulletin's id).
CREATE TABLE bulletins (
    id          TEXT PRIMARY KEY,
    topic       TEXT NOT NULL,
    title_ru    TEXT NOT NULL,
    body_ru     TEXT NOT NULL,
    title_en    TEXT NOT NULL,
    body_en     TEXT NOT NULL,
    created_by  TEXT,
    created_at  BIGINT NOT NULL,
    sent_to     BIGINT NOT NULL DEFAULT 0,
    finished_at BIGINT
);
CREATE INDEX bulletins_created ON bulletins (created_at);
