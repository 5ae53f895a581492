-- The reminder sweep claims due reminders a batch at a time (one statement), then sends each and
-- marks it sent in the transaction of its notification. A claim carries a token and a lease: a
-- sweep that dies leaves its claims to expire and be taken again; a late sweep cannot mark a
-- reminder another sweep has claimed since. Keep sqlite/0013 and postgres/0013 in step.
ALTER TABLE reminders ADD COLUMN claim TEXT;
ALTER TABLE reminders ADD COLUMN claimed_until BIGINT;
CREATE INDEX reminders_claimed ON reminders (claimed_until) WHERE state = 'claimed';
