"""kill -9 of the notifier in the middle of a webhook call: nothing lost, nothing doubled.

What is achievable: the process can die after the receiver got the request but before the
notifier learnt so. No sender can tell "delivered" from "not delivered" then; it must send
again (or risk losing the message). The resend carries the same Idempotency-Key, so a receiver
that dedupes on it, as the agencies' webhook contract asks, sees one delivery. Raw requests
can therefore exceed messages by the number of sends interrupted; distinct keys cannot.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict

import asyncpg

from schemas.topics import ASSIGNED, NOTIFY_OUTCOMES
from services.notifier.webhook import IDEMPOTENCY_HEADER
from services.runtime.settings import RuntimeSettings
from tests.integration.notifier.conftest import assignment, notifier_env
from tests.integration.notifier.endpoints import Endpoints
from tests.support.kafka import Watcher, produce
from tests.support.processes import ServiceProcess, free_port

MESSAGES = 5
HOLD = "/hooks/dinas-perkim"


async def test_kill_9_mid_send_leaves_no_duplicate_and_no_lost_message(
        stack: RuntimeSettings) -> None:
    cases = [assignment("dinas-perkim") for _ in range(MESSAGES)]
    ids = {c.complaint_id for c in cases}
    async with Endpoints(hold_seconds={HOLD: 1.5}) as slow, \
            Watcher(stack, NOTIFY_OUTCOMES.name) as watch:
        env = notifier_env(stack, slow, None, 0, TANGGAP_NOTIFIER_WHATSAPP_PHONE_NUMBER_ID="")
        first = ServiceProcess("notifier", free_port(), dict(env), tag="it-notifier-kill")
        first.env["TANGGAP_NOTIFIER_WEB_PORT"] = str(first.port)
        await first.start()
        try:
            await produce(stack, ASSIGNED.name, *cases)
            # The second request is being held by the receiver: the notifier is mid-send.
            await slow.wait_for(2, path_prefix=HOLD, timeout=60)
            first.kill()
        finally:
            await asyncio.to_thread(first.stop)
        interrupted = len(slow.under(HOLD))
        second = ServiceProcess("notifier", free_port(), dict(env), tag="it-notifier-kill")
        second.env["TANGGAP_NOTIFIER_WEB_PORT"] = str(second.port)
        await second.start()
        try:
            for case_id in ids:  # outcome events may repeat (same id); wait for each case
                await watch.wait_event(
                    NOTIFY_OUTCOMES.name, lambda e, c=case_id: e.complaint_id == c
                    and e.type == "NotificationDelivered", timeout=90)
            await asyncio.sleep(0.5)  # let any stray duplicate arrive before counting
        finally:
            # In a thread: a graceful stop waits for in-flight sends that this loop answers.
            await asyncio.to_thread(second.stop)

    keys_by_case: dict[str, set[str]] = defaultdict(set)
    raw = 0
    for request in slow.under(HOLD):
        case = next((i for i in ids if i.encode() in request.body), None)
        if case:
            raw += 1
            keys_by_case[case].add(request.headers[IDEMPOTENCY_HEADER])
    print(f"kill -9 after {interrupted} request(s) had arrived; raw requests {raw}, "
          f"distinct deliveries {sum(len(k) for k in keys_by_case.values())}, "
          f"messages {MESSAGES}")
    assert set(keys_by_case) == ids  # no lost message
    assert all(len(keys) == 1 for keys in keys_by_case.values())  # one delivery per message
    assert raw <= MESSAGES + 1  # only the send that was cut off went out twice

    pool = await asyncpg.create_pool(stack.database_url, min_size=1, max_size=1)
    try:
        rows = await pool.fetch("SELECT complaint_id, status, claims FROM notifier.delivery_log"
                                " WHERE complaint_id = ANY($1::text[])", list(ids))
    finally:
        await pool.close()
    assert {r["status"] for r in rows} == {"delivered"} and len(rows) == MESSAGES
    print("delivery log claims:", sorted(r["claims"] for r in rows))
