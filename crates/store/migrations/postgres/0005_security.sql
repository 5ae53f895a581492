-- Security settings a person chooses. Keep sqlite/0005 and postgres/0005 in step.

-- Sign-out after this many minutes without activity (5, 10, 15, 30 or 60); NULL: the service's
-- default (`session.idle_timeout_minutes`).
ALTER TABLE users ADD COLUMN idle_timeout_minutes BIGINT;
