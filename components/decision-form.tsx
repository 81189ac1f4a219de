// The approve/deny form of the OAuth consent and device pages. A plain HTML form posting
// `decision`, so it works without JavaScript; `fields` are the hidden inputs the
// route handler needs to find the request again.
export function DecisionForm({ action, fields }: { action: string; fields: Record<string, string | undefined> }) {
  return (
    <form method="post" action={action} className="cluster">
      {Object.entries(fields).map(([name, value]) =>
        value === undefined ? null : <input key={name} type="hidden" name={name} value={value} />,
      )}
      <button type="submit" name="decision" value="approve" className="btn btn-primary">
        Approve
      </button>
      <button type="submit" name="decision" value="deny" className="btn">
        Deny
      </button>
    </form>
  );
}
