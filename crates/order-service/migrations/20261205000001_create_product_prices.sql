-- The order service's copy of the product service's names and list prices, written by
-- the `product-prices` subscriber in the inbox transaction of each product event.
-- Every field remembers the product stream version it came from, so a redelivered or
-- out-of-order older event never overwrites newer information.
CREATE TABLE product_prices (
    tenant_id          text        NOT NULL,
    sku                text        NOT NULL,
    -- NULL until the product's creation (or import) arrived.
    name               text,
    name_version       bigint      NOT NULL DEFAULT 0,
    -- NULL while the product has no price.
    price              numeric,
    currency           text,
    price_version      bigint      NOT NULL DEFAULT 0,
    -- Once discontinued, a product stays so.
    discontinued       boolean     NOT NULL DEFAULT false,
    -- The newest product stream version applied, and when that event happened.
    last_event_version bigint      NOT NULL,
    updated_at         timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, sku)
);

-- As for the event log: a role bound by row-level security sees and writes only the
-- rows of the tenant its transaction names.
ALTER TABLE product_prices ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON product_prices
    USING (platform_tenant_visible(tenant_id))
    WITH CHECK (platform_tenant_visible(tenant_id));
