-- Commands sent with an Idempotency-Key: the first request's outcome, replayed to
-- every retry with the same key and body. `status` is NULL while the first runs.
CREATE TABLE idempotency_keys (
    key          text        PRIMARY KEY,
    command      text        NOT NULL,
    request      jsonb       NOT NULL,
    status       smallint,
    response     jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
