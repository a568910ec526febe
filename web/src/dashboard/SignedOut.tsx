/** Shown when the service refuses the session: a way to sign in. */
export function SignedOut() {
  return (
    <section className="dash-panel dash-signedout" aria-labelledby="signedout-title">
      <h2 id="signedout-title">You are not signed in</h2>
      <p>KIN Realtime could not find a valid session for this browser, so it cannot show live activity.</p>
      <p>
        <a className="dash-button" href="/signin">
          Sign in
        </a>
      </p>
    </section>
  );
}
