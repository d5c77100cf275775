-- The event log: append-only, one row per event.
CREATE TABLE events (
    global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Id of the writing transaction; the gap-safe log read orders by it.
    transaction_id  xid8        NOT NULL DEFAULT pg_current_xact_id(),
    event_id        uuid        NOT NULL UNIQUE,
    stream_id       text        NOT NULL,
    aggregate_type  text        NOT NULL,
    version         bigint      NOT NULL CHECK (version >= 1),
    event_type      text        NOT NULL,
    schema_version  integer     NOT NULL DEFAULT 1 CHECK (schema_version >= 1),
    payload         jsonb       NOT NULL,
    metadata        jsonb       NOT NULL DEFAULT '{}'::jsonb,
    occurred_at     timestamptz NOT NULL DEFAULT now(),
    -- The optimistic-concurrency guard.
    CONSTRAINT events_stream_version_key UNIQUE (stream_id, version)
);

CREATE INDEX events_log_order_idx ON events (transaction_id, global_position);
CREATE INDEX events_aggregate_type_idx ON events (aggregate_type, global_position);

-- The audit trail is immutable: the database itself refuses changes.
CREATE FUNCTION events_reject_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are immutable: % on events is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER events_immutable_rows
    BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_reject_change();

CREATE TRIGGER events_immutable_table
    BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_reject_change();

-- Aggregate snapshots: state as of a version, in the state's own schema version.
CREATE TABLE snapshots (
    stream_id            text        NOT NULL,
    version              bigint      NOT NULL CHECK (version >= 1),
    aggregate_type       text        NOT NULL,
    state_schema_version integer     NOT NULL,
    state                jsonb       NOT NULL,
    taken_at             timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (stream_id, version)
);
