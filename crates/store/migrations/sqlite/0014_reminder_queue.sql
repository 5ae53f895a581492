-- The due-reminder queue: one narrow row per pending reminder, clustered by due time (a
-- WITHOUT ROWID table keyed by (due_at, reminder_id)). The due ones sit together at its front,
-- so a sweep claims a batch by rewriting a few adjacent pages instead of one page per reminder
-- scattered over the whole reminders table and its indexes. A claim moves the row to the end of
-- its lease (due_at := lease end) under the sweep's token: a sweep that dies leaves it due again
-- when the lease ends; settling deletes the row by its key and token, so a late sweep finds
-- nothing to settle. Triggers keep the queue in step with every write to reminders (planning,
-- re-planning, cascades from documents and accounts). Keep sqlite/0014 and postgres/0014 in step.
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
) WITHOUT ROWID;

INSERT INTO reminder_queue (due_at, reminder_id, user_id, document_id, offset_days, deadline)
    SELECT due_at, id, user_id, document_id, offset_days, deadline FROM reminders
    WHERE state = 'pending';

CREATE TRIGGER reminder_queue_insert AFTER INSERT ON reminders WHEN NEW.state = 'pending' BEGIN
    INSERT INTO reminder_queue (due_at, reminder_id, user_id, document_id, offset_days, deadline)
        VALUES (NEW.due_at, NEW.id, NEW.user_id, NEW.document_id, NEW.offset_days, NEW.deadline);
END;
CREATE TRIGGER reminder_queue_delete AFTER DELETE ON reminders WHEN OLD.state = 'pending' BEGIN
    DELETE FROM reminder_queue WHERE due_at = OLD.due_at AND reminder_id = OLD.id;
END;
CREATE TRIGGER reminder_queue_update AFTER UPDATE OF state, due_at ON reminders BEGIN
    DELETE FROM reminder_queue
        WHERE OLD.state = 'pending' AND due_at = OLD.due_at AND reminder_id = OLD.id;
    INSERT INTO reminder_queue (due_at, reminder_id, user_id, document_id, offset_days, deadline)
        SELECT NEW.due_at, NEW.id, NEW.user_id, NEW.document_id, NEW.offset_days, NEW.deadline
        WHERE NEW.state = 'pending';
END;
