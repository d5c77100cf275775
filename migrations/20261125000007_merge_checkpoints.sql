-- One table for every reader's place in the gap-safe log order: rebuilds
-- (rebuild:<table>) and async projectors (async:<table>), whose checkpoints hold only
-- for the declaration they were taken with (definition_hash), and outbox relays
-- (relay:<exchange>), which have none.
CREATE TABLE checkpoints (
    name            text        PRIMARY KEY,
    transaction_id  bigint      NOT NULL,
    global_position bigint      NOT NULL,
    definition_hash text,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

INSERT INTO checkpoints (name, transaction_id, global_position, definition_hash, updated_at)
SELECT name, transaction_id, global_position, definition_hash, updated_at
FROM projection_checkpoints;

INSERT INTO checkpoints (name, transaction_id, global_position, updated_at)
SELECT name, transaction_id, global_position, updated_at
FROM relay_checkpoints;

DROP TABLE projection_checkpoints;
DROP TABLE relay_checkpoints;
