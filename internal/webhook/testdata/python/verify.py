# The Python verification shown in docs/webhooks.md, run by internal/webhook's tests.
# Input on stdin, JSON: {"secret": "whsec_…", "headers": {…}, "body": "…"}; prints true or false.
import base64, hashlib, hmac, json, sys, time


def verify(secret: str, headers, body: bytes, tolerance: int = 300) -> bool:
    msg_id, ts, sigs = headers["webhook-id"], headers["webhook-timestamp"], headers["webhook-signature"]
    if abs(time.time() - int(ts)) > tolerance:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()
    expected = "v1," + base64.b64encode(mac).decode()
    return any(hmac.compare_digest(expected, s) for s in sigs.split())


msg = json.load(sys.stdin)
print(json.dumps(verify(msg["secret"], msg["headers"], msg["body"].encode())))
