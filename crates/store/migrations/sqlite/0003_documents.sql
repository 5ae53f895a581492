-- Documents: the catalogue of kinds, the vault (documents, their file versions, tags) and the
-- search index. Keep in step with postgres/0003.

CREATE TABLE document_kinds (
    code           TEXT PRIMARY KEY,
    schema         TEXT NOT NULL,
    name_ru        TEXT NOT NULL,
    name_en        TEXT NOT NULL,
    rule           TEXT NOT NULL,
    lead_days      BIGINT NOT NULL,
    max_file_bytes BIGINT NOT NULL,
    renewal_ru     TEXT NOT NULL,
    renewal_en     TEXT NOT NULL,
    position       BIGINT NOT NULL,
    active         BIGINT NOT NULL DEFAULT 1,
    updated_at     BIGINT NOT NULL
);

CREATE TABLE documents (
    id             TEXT PRIMARY KEY,
    owner_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind_code      TEXT NOT NULL REFERENCES document_kinds (code),
    title          TEXT NOT NULL,
    number         TEXT,
    issuer         TEXT,
    issued_on      TEXT,
    typed_expiry   TEXT,
    description    TEXT,
    fields         TEXT NOT NULL,
    tags           TEXT NOT NULL,
    -- active | archived | trashed
    state          TEXT NOT NULL,
    archive_reason TEXT,
    archived_at    BIGINT,
    trashed_at     BIGINT,
    -- The last day of validity as the kind's rule gave it at the last change (NULL: no term);
    -- kept for sorting and for the archiving sweep; statuses are computed at read time.
    valid_until    TEXT,
    search_text    TEXT NOT NULL,
    revision       BIGINT NOT NULL DEFAULT 1,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX documents_owner ON documents (owner_id, state, kind_code);
CREATE INDEX documents_trash ON documents (state, trashed_at);
CREATE INDEX documents_validity ON documents (state, valid_until);

CREATE TABLE document_tags (
    document_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    owner_id    TEXT NOT NULL,
    tag         TEXT NOT NULL,
    PRIMARY KEY (document_id, tag)
);
CREATE INDEX document_tags_owner ON document_tags (owner_id, tag);

-- Every version of every file; `lineage` groups a file with its replacements, `current` marks the
-- newest. The object holds the encrypted bytes; `wrapped_key` is its data key sealed by the
-- master key.
CREATE TABLE document_files (
    id           TEXT PRIMARY KEY,
    document_id  TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    owner_id     TEXT NOT NULL,
    lineage      TEXT NOT NULL,
    version      BIGINT NOT NULL,
    current      BIGINT NOT NULL,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    object_key   TEXT NOT NULL,
    wrapped_key  TEXT NOT NULL,
    width        BIGINT,
    height       BIGINT,
    pages        BIGINT,
    created_at   BIGINT NOT NULL
);
CREATE INDEX document_files_document ON document_files (document_id, lineage, version);

-- Full-text search with Russian word forms: the application stems the words (Snowball) into
-- `body`; `owner` holds the owner's id as a single token, so a query intersects both posting
-- lists instead of filtering another user's matches afterwards.
CREATE VIRTUAL TABLE documents_fts USING fts5 (
    document_id UNINDEXED,
    owner,
    body,
    tokenize = 'unicode61 remove_diacritics 0'
);

CREATE INDEX audit_object ON audit_log (object_kind, object_id);
