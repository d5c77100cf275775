-- Idempotency keys belong to a caller: the same key sent by two users (or in two
-- tenants) names two requests, and neither sees the other's response. Anonymous
-- callers share the user id ''. Existing keys were sent before callers were known.
ALTER TABLE idempotency_keys
    ADD COLUMN tenant_id text NOT NULL DEFAULT 'default',
    ADD COLUMN user_id   text NOT NULL DEFAULT '';

ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey;
ALTER TABLE idempotency_keys ADD PRIMARY KEY (tenant_id, user_id, key);
