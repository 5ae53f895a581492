-- The due-reminder queue: one narrow row per pending reminder keyed by (due_at, reminder_id).
-- A sweep claims the earliest due rows by moving them to the end of its lease (due_at := lease
-- end) under its token: a sweep that dies leaves them due again when the lease ends; settling
-- deletes the row by its key and token, so a late sweep finds nothing to settle. Triggers keep
-- the queue in step with every write to reminders. On SQLite the table is clustered by due time
-- (WITHOUT ROWID), which is what makes a claim cheap there. Keep sqlite/0014 and postgres/0014
-- in step.
DROP INDEX reminders_due;
DROP INDEX reminders_claimed;
UPDATE reminders SET state = 'pending' WHERE state = 'claimed';
ALTER TABLE reminders DROP COLUMN claim;
ALTER TABLE reminders DROP COLUMN claimed_until;

CREATE TABLE reminder_queue (
    due_at      BIGINT NOT NULL,
    reminder_id TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    document_id TEXT NOT NULL,
    offset_days BIGINT NOT NULL,
    deadline    TEXT NOT NULL,
    claim       TEXT,
    -- Claims so far: a reminder that fails every time is given up after a few.
    attempts    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (due_at, reminder_id)
);

INSERT INTO reminder_queue (due_at, reminder_id, user_id, document_id, offset_days, deadline)
    SELECT due_at, id, user_id, document_id, offset_days, deadline FROM reminders
    WHERE state = 'pending';

CREATE FUNCTION reminder_queue_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.state = 'pending' THEN
        DELETE FROM reminder_queue WHERE due_at = OLD.due_at AND reminder_id = OLD.id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.state = 'pending' THEN
        INSERT INTO reminder_queue (due_at, reminder_id, user_id, document_id, offset_days,
            deadline)
            VALUES (NEW.due_at, NEW.id, NEW.user_id, NEW.document_id, NEW.offset_days,
            NEW.deadline);
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER reminder_queue_insert AFTER INSERT ON reminders
    FOR EACH ROW EXECUTE FUNCTION reminder_queue_follow();
CREATE TRIGGER reminder_queue_delete AFTER DELETE ON reminders
    FOR EACH ROW EXECUTE FUNCTION reminder_queue_follow();
CREATE TRIGGER reminder_queue_update AFTER UPDATE OF state, due_at ON reminders
    FOR EACH ROW EXECUTE FUNCTION reminder_queue_follow();
