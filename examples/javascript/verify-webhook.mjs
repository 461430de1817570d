// Checks a Voice webhook delivery's Voice-Signature header: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "t.body")>.
import { createHmac, timingSafeEqual } from "node:crypto";

export const toleranceSeconds = 300; // refuse deliveries signed longer ago than this (replays)

/**
 * True when the raw body (a Buffer or string, exactly as received — not re-serialised JSON) was signed with the
 * endpoint's secret (whsec_...) within the tolerance.
 */
export function verifyWebhook(secret, signatureHeader, rawBody, nowSeconds = Date.now() / 1000, tolerance = toleranceSeconds) {
  const fields = Object.fromEntries(
    String(signatureHeader ?? "").split(",").map((part) => part.split(/=(.*)/s, 2)).filter((pair) => pair.length === 2));
  const timestamp = Number.parseInt(fields.t, 10);
  if (!Number.isSafeInteger(timestamp) || typeof fields.v1 !== "string") return false;
  if (Math.abs(nowSeconds - timestamp) > tolerance) return false;
  const expected = createHmac("sha256", secret).update(`${timestamp}.`).update(rawBody).digest();
  const given = Buffer.from(fields.v1, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
