-- One notification per order event worth telling the customer about.
CREATE TABLE notifications (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id    uuid        NOT NULL UNIQUE,
    order_id    text        NOT NULL,
    customer_id text        NOT NULL,
    kind        text        NOT NULL,
    message     text        NOT NULL,
    occurred_at timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_customer ON notifications (customer_id, id);
CREATE INDEX notifications_order ON notifications (order_id, id);
