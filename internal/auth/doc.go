// Package auth turns NextAuth.js v4 and Auth.js v5 session tokens into a
// [Principal].
//
// Both libraries, with the "jwt" session strategy, store the session in a
// cookie as an encrypted (not signed) JWT: a compact JWE with "alg":"dir".
// Anyone who knows the app's secret can decrypt it, and only they can make one,
// so decrypting with the shared secret is the authentication.
//
// # Formats
//
// NextAuth.js v4 (next-auth 4.24.x, cookies "next-auth.session-token" and
// "__Secure-next-auth.session-token"):
//
//	key    = HKDF-SHA256(ikm=secret, salt="", info="NextAuth.js Generated Encryption Key", 32 bytes)
//	header = {"alg":"dir","enc":"A256GCM"}
//
// Auth.js v5 (@auth/core, cookies "authjs.session-token" and
// "__Secure-authjs.session-token"); the HKDF salt is the cookie name, so a
// token issued under one cookie name does not decrypt under the other:
//
//	key    = HKDF-SHA256(ikm=secret, salt=<cookie name>, info="Auth.js Generated Encryption Key (<cookie name>)", 64 bytes)
//	header = {"alg":"dir","enc":"A256CBC-HS512","kid":<RFC 7638 SHA-512 thumbprint of the key>}
//
// @auth/core's decode also accepts "enc":"A256GCM"; for that it derives a
// 32-byte key with the same salt and info (and the kid, when present, is the
// SHA-256 thumbprint). This package does the same.
//
// The secret is used as raw UTF-8 bytes. The claims are those of the app's
// jwt callback, plus iat, exp and jti; this package reads sub, name, email,
// role and department, requires sub and exp, and ignores everything else.
// exp is checked as jose (the library under both packages) checks it: the
// token is expired when exp <= now - leeway, with now in whole seconds.
//
// # Where tokens come from
//
// [Verifier.FromRequest] reads the session cookie (joining chunked cookies
// name.0, name.1, …, which both libraries write when the token exceeds about
// 4 KB) or, when there is no session cookie, an "Authorization: Bearer"
// header, as next-auth's getToken does. [Verifier.VerifyToken] takes a bare
// token of either version, for example the Socket.IO CONNECT auth payload.
//
// Tokens are never logged, and errors never contain the token or the secret.
// Errors wrap one of [ErrNoToken], [ErrInvalidToken] or [ErrExpired]; test
// them with errors.Is.
//
// # Tests
//
// The tests use tokens made by the real npm packages. They need Node.js and
// the packages pinned in testdata/mint:
//
//	cd internal/auth/testdata/mint && npm ci
//
// Without them the tests that need Node are skipped, or fail when the
// environment variable CI is set.
package auth
