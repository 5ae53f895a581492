-- The search index keeps each person's words apart: every stem is indexed as
-- "<owner token>_<stem>", so a (prefix) query reads only that person's terms and its cost does not
-- grow with everybody else's documents. The document's id is its own token (`doc`), so that
-- replacing or removing a document's row is an index lookup, not a scan. PostgreSQL indexes
-- `search_text` itself and has no such table (postgres/0016 is empty).
CREATE VIRTUAL TABLE documents_search USING fts5 (
    document_id UNINDEXED,
    doc,
    body,
    tokenize = 'unicode61 remove_diacritics 0 tokenchars ''_'''
);
INSERT INTO documents_search (document_id, doc, body)
    SELECT document_id, replace(document_id, '-', ''),
           owner || '_' || replace(body, ' ', ' ' || owner || '_')
    FROM documents_fts WHERE body <> '';
DROP TABLE documents_fts;
