// A plain form: signing out works without JavaScript, and the route answers a
// navigation with a redirect to the login page.
export function SignOutButton() {
  return (
    <form method="post" action="/api/auth/logout">
      <button type="submit" className="btn btn-small">
        Sign out
      </button>
    </form>
  );
}
