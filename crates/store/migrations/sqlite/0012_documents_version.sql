-- A counter per person that moves with every change to their documents or files, kept by
-- triggers so that no write path can forget it. Pages computed from the documents (the
-- registry) are cached per node under it and recomputed when it moves, on any node. Keep
-- sqlite/0012 and postgres/0012 in step.
ALTER TABLE users ADD COLUMN documents_version BIGINT NOT NULL DEFAULT 0;

CREATE TRIGGER documents_version_insert AFTER INSERT ON documents BEGIN
    UPDATE users SET documents_version = documents_version + 1 WHERE id = NEW.owner_id;
END;
CREATE TRIGGER documents_version_update AFTER UPDATE ON documents BEGIN
    UPDATE users SET documents_version = documents_version + 1 WHERE id = NEW.owner_id;
END;
CREATE TRIGGER documents_version_delete AFTER DELETE ON documents BEGIN
    UPDATE users SET documents_version = documents_version + 1 WHERE id = OLD.owner_id;
END;
CREATE TRIGGER document_files_version_insert AFTER INSERT ON document_files BEGIN
    UPDATE users SET documents_version = documents_version + 1 WHERE id = NEW.owner_id;
END;
CREATE TRIGGER document_files_version_update AFTER UPDATE ON document_files BEGIN
    UPDATE users SET documents_version = documents_version + 1 WHERE id = NEW.owner_id;
END;
CREATE TRIGGER document_files_version_delete AFTER DELETE ON document_files BEGIN
    UPDATE users SET documents_version = documents_version + 1 WHERE id = OLD.owner_id;
END;
