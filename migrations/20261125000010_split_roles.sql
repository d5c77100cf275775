-- The log's order cannot be forged: whatever an insert says, a row's transaction_id
-- is the id of the transaction that inserted it (the gap-safe reader relies on it).
CREATE FUNCTION events_stamp_transaction() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.transaction_id := pg_current_xact_id();
    RETURN NEW;
END;
$$;

CREATE TRIGGER events_transaction_id
    BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION events_stamp_transaction();

-- What the service's runtime role may do, granted by the owner (the role migrations
-- run as) at every start-up, after migrating, so tables added since are covered:
-- read and append the log, nothing else on it; read and write every other table of
-- the schema (snapshots, checkpoints, idempotency keys, the read-model ledger,
-- services' own tables); create tables in the schema (the rm_* tables it builds from
-- declarations and rebuilds, platform_inbox). Never TRUNCATE, REFERENCES or TRIGGER,
-- and ownership of nothing the owner created: only an owner may ALTER a table,
-- disable its triggers or drop it.
CREATE FUNCTION platform_grant_runtime(runtime name) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    t record;
BEGIN
    EXECUTE format('GRANT USAGE, CREATE ON SCHEMA public TO %I', runtime);
    FOR t IN
        SELECT c.relname
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
          AND pg_has_role(c.relowner, 'USAGE')
          AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = runtime)
    LOOP
        IF t.relname = 'events' THEN
            EXECUTE format('REVOKE ALL ON TABLE %I FROM %I', t.relname, runtime);
            EXECUTE format('GRANT SELECT, INSERT ON TABLE %I TO %I', t.relname, runtime);
        ELSIF t.relname = '_sqlx_migrations' THEN
            EXECUTE format('REVOKE ALL ON TABLE %I FROM %I', t.relname, runtime);
            EXECUTE format('GRANT SELECT ON TABLE %I TO %I', t.relname, runtime);
        ELSE
            EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE %I TO %I',
                           t.relname, runtime);
        END IF;
    END LOOP;
    -- Sequences of serial columns (an identity column, like events', needs none).
    FOR t IN
        SELECT c.relname
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'S'
          AND pg_has_role(c.relowner, 'USAGE')
          AND NOT EXISTS (SELECT 1 FROM pg_depend d
                          WHERE d.objid = c.oid AND d.deptype = 'i')
    LOOP
        EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE %I TO %I', t.relname, runtime);
    END LOOP;
END;
$$;

REVOKE ALL ON FUNCTION platform_grant_runtime(name) FROM PUBLIC;
