-- Agencies' own systems: API keys the operator makes for an agency (only their SHA-256 kept),
-- the agency's webhook endpoint (its signing secret sealed with the installation's key) and
-- every event delivered there. Keep in step with postgres/0020.

CREATE TABLE agency_keys (
    id           TEXT PRIMARY KEY,
    agency_code  TEXT NOT NULL REFERENCES agencies (code),
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    -- The key's last four characters, to tell keys apart on the operator's page.
    hint         TEXT NOT NULL,
    created_by   TEXT,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX agency_keys_by_agency ON agency_keys (agency_code, created_at);

CREATE TABLE agency_webhooks (
    agency_code TEXT PRIMARY KEY REFERENCES agencies (code),
    url         TEXT NOT NULL,
    secret      TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);

-- One row per event; its id is the webhook-id header, the receiver's idempotency key, the same
-- on every retry.
CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    agency_code     TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    payload         TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    last_attempt_at BIGINT,
    last_status     BIGINT,
    last_error      TEXT,
    delivered_at    BIGINT
);
CREATE INDEX webhook_deliveries_by_agency ON webhook_deliveries (agency_code, created_at);
