-- Where the outbox relay of each exchange has got to in the gap-safe log order: every
-- broadcast event up to this position was confirmed by the broker.
CREATE TABLE relay_checkpoints (
    name            text        PRIMARY KEY,
    transaction_id  bigint      NOT NULL,
    global_position bigint      NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
