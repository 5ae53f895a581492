-- The catalogue of services: agencies, categories, services and their forms. Seeded from
-- domain::applications::catalogue at start (missing rows only: an operator's edits are kept);
-- a form version is never changed once written, so a draft always knows what it answered.

CREATE TABLE agencies (
    code       TEXT PRIMARY KEY,
    name_ru    TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    short_ru   TEXT NOT NULL,
    short_en   TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE service_categories (
    code       TEXT PRIMARY KEY,
    name_ru    TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    position   BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE services (
    code             TEXT PRIMARY KEY,
    category_code    TEXT NOT NULL REFERENCES service_categories (code),
    agency_code      TEXT NOT NULL REFERENCES agencies (code),
    -- everything else about the service as the domain's JSON (names, fee, term, outcome,
    -- documents needed, keywords, sources): read whole, edited whole
    details          TEXT NOT NULL,
    popular          BIGINT NOT NULL,
    active           BIGINT NOT NULL DEFAULT 1,
    position         BIGINT NOT NULL,
    form_version     BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);

CREATE INDEX services_by_category ON services (category_code, position);

CREATE TABLE service_forms (
    service_code TEXT NOT NULL REFERENCES services (code),
    version      BIGINT NOT NULL,
    form         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (service_code, version)
);
