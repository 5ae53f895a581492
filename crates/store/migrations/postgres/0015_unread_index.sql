-- Every signed-in page shows the count of unread messages, read with the session in one query:
-- a partial index of unread, unarchived rows keeps it an index-only count however long the
-- person's history grows. Keep sqlite/0015 and postgres/0015 in step.
CREATE INDEX notifications_unread ON notifications (user_id)
    WHERE read_at IS NULL AND archived_at IS NULL;
