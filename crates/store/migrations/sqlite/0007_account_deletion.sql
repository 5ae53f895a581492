-- Deleting an account (152-FZ): the person withdraws consent and asks for deletion; the account
-- is kept for a grace period in which they can cancel, then purged. Keep sqlite/0007 and
-- postgres/0007 in step.

-- When the person asked, and the instant after which the purge job erases the account.
ALTER TABLE users ADD COLUMN deletion_requested_at BIGINT;
ALTER TABLE users ADD COLUMN deletion_due_at BIGINT;
CREATE INDEX users_deletion_due ON users (deletion_due_at);
