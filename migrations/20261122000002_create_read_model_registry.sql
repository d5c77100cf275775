-- The read models the platform maintains, with the hash of each declaration.
CREATE TABLE read_models (
    name            text        PRIMARY KEY,
    table_name      text        NOT NULL UNIQUE,
    aggregate_type  text        NOT NULL,
    definition_hash text        NOT NULL,
    rebuilt_at      timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- For read models whose rows span aggregates (group_by): the last version of each
-- stream applied to a table, so an event applied twice is skipped.
CREATE TABLE read_model_streams (
    table_name text   NOT NULL,
    stream_id  text   NOT NULL,
    version    bigint NOT NULL,
    PRIMARY KEY (table_name, stream_id)
);
