// The extension's network client for MSAL.js: the answer to redeeming one of the
// bridge's own authorization codes is refused unless its id token carries the nonce
// of the request that code answers. MSAL.js checks the nonce only for its own
// requests, and only after it has cached the answer; here the answer never reaches
// MSAL at all (an error is thrown instead of returning it), so no token of it is
// kept, not even for a moment. Every other request and answer passes untouched.
//
//   expectedNonces: Map(code → nonce), filled by the bridge for the code it redeems
//   send(method, url, options) → {headers, body, status} (MSAL's INetworkModule answer)
//   refuse(correlationId) → the Error to throw on a mismatch

/** MSAL's INetworkModule, checking the nonce of the bridge's own code redemptions. */
export function nonceCheckingNetworkClient(expectedNonces, send, refuse) {
  return {
    sendGetRequestAsync: (url, options) => send("GET", url, options),
    async sendPostRequestAsync(url, options) {
      const fields = new URLSearchParams(typeof options?.body === "string" ? options.body : "");
      const expected = fields.get("grant_type") === "authorization_code"
        ? expectedNonces.get(fields.get("code"))
        : undefined;
      const response = await send("POST", url, options);
      if (expected !== undefined && response.status === 200 && idTokenNonce(response.body) !== expected) {
        throw refuse(options?.correlationId || "");
      }
      return response;
    },
  };
}

/**
 * The `nonce` claim of a token answer's id token (undefined when there is none).
 * The token is not verified here: only which request it answers is.
 */
export function idTokenNonce(body) {
  const payload = typeof body?.id_token === "string" ? body.id_token.split(".")[1] : undefined;
  if (!payload) return undefined;
  try {
    const binary = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)))).nonce;
  } catch {
    return undefined;
  }
}
