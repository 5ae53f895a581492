-- A counter per person that moves with every change to their documents or files, kept by
-- triggers so that no write path can forget it. Pages computed from the documents (the
-- registry) are cached per node under it and recomputed when it moves, on any node. Keep
-- sqlite/0012 and postgres/0012 in step.
ALTER TABLE users ADD COLUMN documents_version BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION documents_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE users SET documents_version = documents_version + 1 WHERE id = OLD.owner_id;
        RETURN OLD;
    END IF;
    UPDATE users SET documents_version = documents_version + 1 WHERE id = NEW.owner_id;
    RETURN NEW;
END;
$$;
CREATE TRIGGER documents_version AFTER INSERT OR UPDATE OR DELETE ON documents
    FOR EACH ROW EXECUTE FUNCTION documents_version_bump();
CREATE TRIGGER document_files_version AFTER INSERT OR UPDATE OR DELETE ON document_files
    FOR EACH ROW EXECUTE FUNCTION documents_version_bump();
