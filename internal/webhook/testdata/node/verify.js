// Verifies one signed message with the standardwebhooks npm package (an independent
// implementation of the Standard Webhooks scheme). Input on stdin, JSON:
//   {"secret": "whsec_…", "headers": {"webhook-id": …, …}, "body": "…"}
// Output on stdout, JSON: {"ok": true} or {"ok": false, "error": "…"}.
const { Webhook } = require("standardwebhooks");

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const msg = JSON.parse(input);
  try {
    new Webhook(msg.secret).verify(msg.body, msg.headers);
    process.stdout.write(JSON.stringify({ ok: true }));
  } catch (e) {
    process.stdout.write(JSON.stringify({ ok: false, error: String(e.message || e) }));
  }
});
