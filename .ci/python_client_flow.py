"""The order flow through a Python client generated from the served OpenAPI document.

Run by .ci/python-client.sh with the generated package `order_service_client` on
PYTHONPATH and SERVICE_URL, ADMIN_TOKEN, CUSTOMER_TOKEN, CI_PG_URL, CI_DB_NAME in the
environment. Every command and query is called, every answer parsed into the
generated models (statuses as the `OrderStatus` enum, problems as `Problem`); any
mismatch raises and fails the step.
"""

import datetime
import os
import subprocess
import sys
import time
import uuid

from order_service_client import AuthenticatedClient, Client
from order_service_client.api.commands import (
    add_item,
    cancel_order,
    create_order,
    place_order,
    remove_item,
)
from order_service_client.api.queries import (
    get_customer_orders,
    get_order,
    get_order_events,
    get_product_demand,
    list_orders,
)
from order_service_client.models import (
    AddItem,
    CancelOrder,
    CreateOrder,
    CreateOrderResult,
    CustomerOrders,
    GetCustomerOrders,
    GetOrder,
    GetOrderEvents,
    GetProductDemand,
    ListOrders,
    OrderEvents,
    OrderList,
    OrderStatus,
    OrderUpdated,
    OrderView,
    PlaceOrder,
    Problem,
    ProductDemand,
    RemoveItem,
)

BASE_URL = os.environ["SERVICE_URL"]
admin = AuthenticatedClient(base_url=BASE_URL, token=os.environ["ADMIN_TOKEN"], timeout=10.0)
customer = AuthenticatedClient(base_url=BASE_URL, token=os.environ["CUSTOMER_TOKEN"], timeout=10.0)
anonymous = Client(base_url=BASE_URL, timeout=10.0)
checked = []


def ok(response, model):
    """The parsed success of a response, which must be a 200 of `model`."""
    assert response.status_code == 200, f"{response.status_code}: {response.content!r}"
    assert isinstance(response.parsed, model), f"{type(response.parsed)} is not {model}"
    return response.parsed


def problem(response, status, code):
    """A response that must be the declared problem `status` with `code`."""
    assert response.status_code == status, f"expected {status}, got {response.status_code}: {response.content!r}"
    assert isinstance(response.parsed, Problem), f"{type(response.parsed)} is not Problem"
    assert response.parsed.code == code, f"expected {code}, got {response.parsed.code}"
    assert response.parsed.status == status
    checked.append(f"{status} {code}")


def order(order_id, **at):
    return ok(get_order.sync_detailed(client=admin, body=GetOrder(order_id=order_id, **at)), OrderView)


customer_id = f"py-{uuid.uuid4().hex[:8]}"
product = f"product-{uuid.uuid4().hex[:8]}"

# The flow: create, add, remove, place; another order cancelled.
created = ok(create_order.sync_detailed(client=admin, body=CreateOrder(customer_id=customer_id)), CreateOrderResult)
first = created.order_id
ok(add_item.sync_detailed(client=admin, body=AddItem(order_id=first, product_id=product, quantity=2, price="29.99")), OrderUpdated)
ok(add_item.sync_detailed(client=admin, body=AddItem(order_id=first, product_id="extra", quantity=1, price=5)), OrderUpdated)
removed = ok(remove_item.sync_detailed(client=admin, body=RemoveItem(order_id=first, product_id="extra")), OrderUpdated)
assert removed.version == 4, removed
draft = order(first)
assert draft.status is OrderStatus.DRAFT, draft.status
assert [(line.product_id, line.quantity) for line in draft.items] == [(product, 2)], draft.items
as_drafted = datetime.datetime.now(datetime.timezone.utc)
placed = ok(place_order.sync_detailed(client=admin, body=PlaceOrder(order_id=first)), OrderUpdated)
assert placed.version == 5, placed
now = order(first)
assert now.status is OrderStatus.PLACED and str(now.total) == "59.98", (now.status, now.total)

second = ok(create_order.sync_detailed(client=admin, body=CreateOrder(customer_id=customer_id)), CreateOrderResult).order_id
ok(cancel_order.sync_detailed(client=admin, body=CancelOrder(order_id=second, reason="changed my mind")), OrderUpdated)
assert order(second).status is OrderStatus.CANCELLED

# History: asOf and asOfVersion.
then = order(first, as_of=as_drafted)
assert then.status is OrderStatus.DRAFT and then.version == 4, (then.status, then.version)
created_only = order(first, as_of_version=1)
assert created_only.status is OrderStatus.DRAFT and created_only.items == [], created_only

# Every query.
listed = ok(list_orders.sync_detailed(client=admin, body=ListOrders(customer_id=customer_id, limit=10)), OrderList)
assert {o.id: o.status for o in listed.orders} == {first: OrderStatus.PLACED, second: OrderStatus.CANCELLED}, listed
totals = ok(get_customer_orders.sync_detailed(client=admin, body=GetCustomerOrders(customer_id=customer_id)), CustomerOrders)
assert (totals.orders_placed, totals.orders_cancelled, str(totals.total_spent)) == (1, 1, "59.98"), totals
trail = ok(get_order_events.sync_detailed(client=admin, body=GetOrderEvents(order_id=first)), OrderEvents)
assert [e.event_type for e in trail.events] == [
    "OrderCreated",
    "ItemAdded",
    "ItemAdded",
    "ItemRemoved",
    "OrderPlaced",
], trail.events
# Demand is projected asynchronously: poll until it shows, with a deadline.
deadline = time.monotonic() + 30
while True:
    demand = get_product_demand.sync_detailed(client=admin, body=GetProductDemand(product_id=product))
    if demand.status_code == 200:
        demand = ok(demand, ProductDemand)
        assert (demand.units_added, demand.units_removed) == (2, 0), demand
        break
    problem(demand, 404, "not_found")
    assert time.monotonic() < deadline, "GetProductDemand never showed the product"
    time.sleep(0.2)

# Each error, parsed as the declared problem.
problem(
    get_order.sync_detailed(client=admin, body=GetOrder(order_id=first, as_of=as_drafted, as_of_version=1)),
    400,
    "validation_failed",
)
problem(
    add_item.sync_detailed(client=admin, body=AddItem(order_id=first, product_id="p" * 200, quantity=1, price="1")),
    400,
    "validation_failed",
)
problem(list_orders.sync_detailed(client=anonymous, body=ListOrders()), 401, "unauthenticated")
problem(
    list_orders.sync_detailed(client=customer, body=ListOrders(customer_id=customer_id)),
    403,
    "forbidden",
)
problem(get_order.sync_detailed(client=admin, body=GetOrder(order_id="no-such-order")), 404, "not_found")
problem(place_order.sync_detailed(client=admin, body=PlaceOrder(order_id="no-such-order")), 404, "not_found")
empty = ok(create_order.sync_detailed(client=admin, body=CreateOrder(customer_id=customer_id)), CreateOrderResult)
problem(place_order.sync_detailed(client=admin, body=PlaceOrder(order_id=empty.order_id)), 422, "order_empty")
problem(
    add_item.sync_detailed(client=admin, body=AddItem(order_id=first, product_id="late", quantity=1, price="1")),
    422,
    "order_not_draft",
)
key = f"py-{uuid.uuid4().hex}"
ok(place_order.sync_detailed(client=admin, body=PlaceOrder(order_id=first), idempotency_key=key), OrderUpdated)
problem(
    cancel_order.sync_detailed(client=admin, body=CancelOrder(order_id=first), idempotency_key=key),
    422,
    "idempotency_key_reused",
)

# 409: a request whose Idempotency-Key is held by another transaction that is still
# open (here a psql session holding the key's row) waits, then is told it is in flight.
held = f"py-held-{uuid.uuid4().hex}"
holder = subprocess.Popen(
    ["psql", "-X", "-q", "-A", "-t", os.environ["CI_PG_URL"].rsplit("/", 1)[0] + "/" + os.environ["CI_DB_NAME"]],
    stdin=subprocess.PIPE,
    stdout=subprocess.PIPE,
    text=True,
)
try:
    assert holder.stdin is not None and holder.stdout is not None
    holder.stdin.write(
        "BEGIN;\n"
        "INSERT INTO idempotency_keys (tenant_id, user_id, key, command, request) "
        f"VALUES ('default', 'ci-python-client', '{held}', 'PlaceOrder', '{{}}');\n"
        "SELECT 'held';\n"
    )
    holder.stdin.flush()
    assert holder.stdout.readline().strip() == "held"
    problem(
        place_order.sync_detailed(client=admin, body=PlaceOrder(order_id=first), idempotency_key=held),
        409,
        "idempotency_key_in_flight",
    )
finally:
    if holder.stdin is not None:
        holder.stdin.write("ROLLBACK;\n")
        holder.stdin.close()
    holder.wait(timeout=10)

print(f"python client: order flow, every query and {len(checked)} problems parsed ({', '.join(sorted(set(checked)))})")
sys.exit(0)
