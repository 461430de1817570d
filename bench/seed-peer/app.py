"""The seed's submit path as a peer for the load harness (bench/Voice.Bench.Load -- closed-loop).

The design the seed article describes: FastAPI, the tenant from its API key, a quota check against a Redis counter
(GET, compare, INCR), the job pushed onto a Redis list, 202 with a task id. No durable ledger, no transaction, no
per-key rate limit. Run by the harness with Debian's packages (python3-fastapi python3-uvicorn python3-redis):

    SEED_REDIS_PORT=6390 /usr/bin/python3 -m uvicorn app:app --workers 2 --port 8090 --no-access-log --log-level warning
    SEED_REDIS_PORT=6390 /usr/bin/python3 app.py drain        # the worker: pops jobs and drops them (a null engine)
"""
import json
import os
import sys
import time
import uuid
from typing import Optional

import redis
import redis.asyncio as aioredis
from fastapi import FastAPI, Header, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

REDIS = dict(host="127.0.0.1", port=int(os.environ.get("SEED_REDIS_PORT", "6379")))
QUEUE = "queue:voice_generation"
MAX_TEXT = 5000


class VoiceRequest(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    voice_id: Optional[str] = None
    language: Optional[str] = None
    format: str = "wav"
    speed: float = Field(default=1.0, ge=0.25, le=4.0)


app = FastAPI()
# Requests wait for one of a worker's 100 connections rather than fail (redis-py's plain pool raises past its size).
pool = aioredis.Redis(connection_pool=aioredis.BlockingConnectionPool(**REDIS, max_connections=100, timeout=30))


@app.post("/api/v1/voice/generate", status_code=202)
async def generate_voice(request: VoiceRequest, authorization: Optional[str] = Header(default=None)):
    key = authorization[7:] if authorization and authorization.startswith("Bearer ") else None
    tenant = await pool.get(f"apikey:{key}") if key else None
    if tenant is None:
        raise HTTPException(status_code=401, detail="Invalid API key")
    tenant = tenant.decode()
    # check_quota: the seed's counter (read, compare with the plan's quota, increment).
    quota_key = f"quota:{tenant}:voice_generation"
    used = int(await pool.get(quota_key) or 0)
    if used >= int(await pool.get(f"plan_quota:{tenant}") or 0):
        raise HTTPException(status_code=429, detail="Quota exceeded")
    await pool.incr(quota_key)
    task_id = str(uuid.uuid4())
    task = {"task_id": task_id, "tenant_id": tenant, "status": "pending", "created_at": time.time(), **request.dict()}
    await pool.lpush(QUEUE, json.dumps(task))
    return JSONResponse({"task_id": task_id, "status": "processing"}, status_code=202)


def seed_tenants(count: int) -> None:
    """Tenants with an API key each (printed, one a line) and an unlimited quota."""
    r = redis.Redis(**REDIS)
    for i in range(count):
        key = f"sk_seed_{i}_{uuid.uuid4().hex}"
        r.set(f"apikey:{key}", f"tenant-{i}")
        r.set(f"plan_quota:tenant-{i}", 10**12)
        print(key)


def drain() -> None:
    """The worker: takes each job off the list and drops it (the harness runs Voice's worker with its null engine)."""
    r = redis.Redis(**REDIS)
    while True:
        try:
            item = r.brpop(QUEUE, timeout=1)
        except redis.ConnectionError:
            return  # its Redis has stopped: so has the peer
        if item is not None:
            json.loads(item[1])


if __name__ == "__main__":
    if sys.argv[1:2] == ["drain"]:
        drain()
    elif sys.argv[1:2] == ["tenants"]:
        seed_tenants(int(sys.argv[2]))
