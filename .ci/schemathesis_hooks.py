"""Schemathesis hooks of .ci/schemathesis.sh.

Generated Idempotency-Keys are few and short ("0", "A"), so most generated commands
would reuse a key another body took first and get 422 `idempotency_key_reused`,
never reaching the order rules. Three in four valid keys get a unique suffix; the
rest, and every invalid key, are sent as generated, so replays and reuse are still
exercised.
"""

import random
import re
import uuid

import schemathesis

VALID_KEY = re.compile(r"[!-~]{1,200}")


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    headers = case.headers or {}
    key = headers.get("Idempotency-Key")
    if isinstance(key, str) and VALID_KEY.fullmatch(key) and random.random() < 0.75:
        headers["Idempotency-Key"] = f"{key}-{uuid.uuid4().hex[:16]}"
        case.headers = headers
