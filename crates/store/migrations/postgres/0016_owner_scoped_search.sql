-- SQLite's search index changes shape here (see sqlite/0016); PostgreSQL indexes
-- `documents.search_text` itself and needs nothing. Keep the numbering in step.
SELECT 1;
