// Signs and validates with the twilio npm package (Twilio's own implementation of
// X-Twilio-Signature), for internal/carrier/twilio's interop test. Input on stdin, JSON:
//   [{"token": "…", "url": "https://…", "params": {"Name": ["value", …]}, "body": "…"?,
//     "signatures": ["…", …]}, …]
// A case with "body" is a JSON-body request signed through bodySHA256 (params are ignored).
// Output on stdout, JSON, one result per case:
//   [{"expected": "<getExpectedTwilioSignature>", "valid": [<validateRequest… per signature>]}]
const { getExpectedTwilioSignature, validateRequest, validateRequestWithBody } =
  require("twilio/lib/webhooks/webhooks");

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const out = JSON.parse(input).map((c) => {
    if (typeof c.body === "string") {
      return {
        expected: getExpectedTwilioSignature(c.token, c.url, null),
        valid: c.signatures.map((s) => validateRequestWithBody(c.token, s, c.url, c.body)),
      };
    }
    const params = c.params || {};
    return {
      expected: getExpectedTwilioSignature(c.token, c.url, params),
      valid: c.signatures.map((s) => validateRequest(c.token, s, c.url, params)),
    };
  });
  process.stdout.write(JSON.stringify(out));
});
