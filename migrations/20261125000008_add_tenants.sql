-- Every event belongs to a tenant; a stream is identified by tenant and id, so two
-- tenants may use the same id without touching each other. Deployments without
-- tenancy keep everything in 'default'.
ALTER TABLE events ADD COLUMN tenant_id text NOT NULL DEFAULT 'default';
ALTER TABLE events DROP CONSTRAINT events_stream_version_key;
ALTER TABLE events ADD CONSTRAINT events_stream_version_key UNIQUE (tenant_id, stream_id, version);

ALTER TABLE snapshots ADD COLUMN tenant_id text NOT NULL DEFAULT 'default';
ALTER TABLE snapshots DROP CONSTRAINT snapshots_pkey;
ALTER TABLE snapshots ADD PRIMARY KEY (tenant_id, stream_id, version);

ALTER TABLE read_model_streams ADD COLUMN tenant_id text NOT NULL DEFAULT 'default';
ALTER TABLE read_model_streams DROP CONSTRAINT read_model_streams_pkey;
ALTER TABLE read_model_streams ADD PRIMARY KEY (table_name, tenant_id, stream_id);

-- Row-level security: a role subject to it sees and writes only the rows of the
-- tenant named by the transaction's `platform.tenant` setting, unless the work reads
-- across tenants on purpose (`platform.all_tenants = on`: rebuilds, projectors, the
-- outbox relay). Superusers, BYPASSRLS roles and table owners are not subject to it.
CREATE FUNCTION platform_tenant_visible(tenant text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('platform.all_tenants', true), '') = 'on'
        OR tenant = current_setting('platform.tenant', true)
$$;

ALTER TABLE events ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON events
    USING (platform_tenant_visible(tenant_id))
    WITH CHECK (platform_tenant_visible(tenant_id));

ALTER TABLE snapshots ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON snapshots
    USING (platform_tenant_visible(tenant_id))
    WITH CHECK (platform_tenant_visible(tenant_id));
