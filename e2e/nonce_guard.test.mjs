// The extension's nonce check (js/nonce_guard.mjs), on its own: MSAL.js gets from the
// network only what this client returns, so an answer it refuses is never seen, parsed
// or cached by MSAL. The browser test (extension_sign_in.test.mjs) shows the same with
// the real MSAL.js and the emulator's wrong-nonce switch.
import { test } from "node:test";
import assert from "node:assert/strict";
import { idTokenNonce, nonceCheckingNetworkClient } from "../js/nonce_guard.mjs";

const b64url = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
const idToken = (claims) => `${b64url({ alg: "RS256", typ: "JWT" })}.${b64url(claims)}.signature`;
const tokenAnswer = (nonce) => ({
  status: 200,
  headers: { "content-type": "application/json" },
  body: { access_token: "at", refresh_token: "rt", id_token: idToken({ nonce, tid: "t" }), client_info: "ci" },
});
const redeem = (code) => ({ body: `client_id=c&grant_type=authorization_code&code=${code}&code_verifier=v`, correlationId: "cid" });

function client(answer) {
  const sent = [];
  const expected = new Map([["our-code", "our-nonce"]]);
  const refuse = (correlationId) => Object.assign(new Error("nonce_mismatch"), { errorCode: "nonce_mismatch", correlationId });
  const network = nonceCheckingNetworkClient(expected, async (method, url, options) => {
    sent.push({ method, url, options });
    return answer;
  }, refuse);
  return { network, sent };
}

test("an answer to our code with another nonce is thrown away: MSAL receives an error, never the tokens", async () => {
  const { network, sent } = client(tokenAnswer("their-nonce"));
  await assert.rejects(network.sendPostRequestAsync("https://login/t/oauth2/v2.0/token", redeem("our-code")),
    (error) => error.errorCode === "nonce_mismatch" && error.correlationId === "cid" && !JSON.stringify(error).includes("rt"));
  assert.equal(sent.length, 1, "the request itself went out once");
});

test("an answer to our code without an id token is refused too: the nonce cannot be bound", async () => {
  const { network } = client({ status: 200, headers: {}, body: { access_token: "at", refresh_token: "rt" } });
  await assert.rejects(network.sendPostRequestAsync("https://login/t/oauth2/v2.0/token", redeem("our-code")));
});

test("the right nonce, refresh-token grants, codes that are not ours and error answers pass untouched", async () => {
  const good = tokenAnswer("our-nonce");
  assert.equal(await client(good).network.sendPostRequestAsync("u", redeem("our-code")), good);
  const other = tokenAnswer("anything");
  assert.equal(await client(other).network.sendPostRequestAsync("u", { body: "grant_type=refresh_token&refresh_token=r" }), other);
  assert.equal(await client(other).network.sendPostRequestAsync("u", redeem("msal-own-code")), other);
  const refused = { status: 400, headers: {}, body: { error: "invalid_grant" } };
  assert.equal(await client(refused).network.sendPostRequestAsync("u", redeem("our-code")), refused);
  const metadata = { status: 200, headers: {}, body: { issuer: "x" } };
  assert.equal(await client(metadata).network.sendGetRequestAsync("u", {}), metadata);
});

test("the nonce is read from the id token's claims, and garbage reads as none", () => {
  assert.equal(idTokenNonce({ id_token: idToken({ nonce: "n-ü" }) }), "n-ü");
  assert.equal(idTokenNonce({ id_token: "not.a-token.!" }), undefined);
  assert.equal(idTokenNonce({}), undefined);
  assert.equal(idTokenNonce(undefined), undefined);
});
