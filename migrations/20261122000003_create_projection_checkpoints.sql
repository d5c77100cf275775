-- Where each catch-up (rebuild:<table>) and async projector (async:<table>) has got
-- to in the gap-safe log order, committed with the rows it covers.
CREATE TABLE projection_checkpoints (
    name            text        PRIMARY KEY,
    transaction_id  bigint      NOT NULL,
    global_position bigint      NOT NULL,
    definition_hash text        NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- The log position up to which the last rebuild replayed, and the projection mode.
ALTER TABLE read_models
    ADD COLUMN rebuilt_transaction_id  bigint,
    ADD COLUMN rebuilt_global_position bigint,
    ADD COLUMN projection text NOT NULL DEFAULT 'inline';
