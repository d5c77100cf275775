-- The orders the stock subscriber (`order-stock`) has handled and what it reserved for
-- each: what an OrderCancelled releases. Written in the inbox transaction of the event.
CREATE TABLE order_stock (
    tenant_id          text        NOT NULL,
    order_id           text        NOT NULL,
    -- `placed`, or `cancelled` (also when the cancellation came first: a later
    -- OrderPlaced of the order then reserves nothing).
    status             text        NOT NULL,
    -- Why nothing was reserved for a placed order, if so (`no_lines`: a v1 OrderPlaced).
    not_reserved       text,
    placed_event_id    uuid,
    cancelled_event_id uuid,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, order_id)
);

-- One row per line of a placed order: the SKU, the units asked for and what came of it
-- (`reserved`, `failed`, `refused`, `invalid_sku`, `released`).
CREATE TABLE order_stock_lines (
    tenant_id text   NOT NULL,
    order_id  text   NOT NULL,
    sku       text   NOT NULL,
    quantity  bigint NOT NULL,
    outcome   text   NOT NULL,
    PRIMARY KEY (tenant_id, order_id, sku),
    FOREIGN KEY (tenant_id, order_id) REFERENCES order_stock (tenant_id, order_id)
);
